// The per-output rate limit (delivery.rateLimit) on a real sink and a real HTTP server: a storm of
// findings sends at most `burst` at once and `perMinute` after, counts and logs what it held back,
// and sends again once the bucket refills; 0 (the default) means no limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { SlackSink } from '../slack/sink.ts';
import { slackSinkSpec } from '../slack/index.ts';
import { captureServer, fast, filter, recordingLogger, testFinding } from './testing.ts';
import { RateLimiter } from './sink.ts';

test('a storm: 5 go at once (burst), the other 15 are held back, counted and logged once; a minute later 5 more go (the bucket refills to its burst)', async () => {
  const srv = await captureServer({ status: 200, body: 'ok' });
  const { logger, lines } = recordingLogger();
  let now = 1_000_000;
  try {
    const sink = new SlackSink({ webhookUrl: `${srv.base}/services/T/B/X`, filter: filter(), delivery: fast({ rateLimit: { perMinute: 6, burst: 5 } }), logger, now: () => now });
    await sink.write(Array.from({ length: 20 }, (_, i) => testFinding(i + 1)));
    assert.equal(srv.requests.length, 5);
    assert.equal(sink.stats.delivered, 5);
    assert.equal(sink.stats.rateLimited, 15);
    const warns = lines.filter((l) => l.includes('rate limit reached'));
    assert.equal(warns.length, 1, 'one log line for the storm, not one per finding');
    assert.match(warns[0]!, /"rateLimited":1,/, 'the first line names the first one held back; the next line counts the rest');
    now += 60_000; // six tokens refilled (perMinute 6), capped at the burst of 5
    await sink.write(Array.from({ length: 10 }, (_, i) => testFinding(100 + i)));
    assert.equal(srv.requests.length, 10);
    assert.equal(sink.stats.rateLimited, 20);
    const later = lines.filter((l) => l.includes('rate limit reached'));
    assert.equal(later.length, 2);
    assert.match(later[1]!, /"rateLimited":15,/, 'the 14 held back after the first line, and the first of this write');
  } finally {
    await srv.close();
  }
});

test('no limit by default; the limiter refills evenly and never beyond its burst', async () => {
  const srv = await captureServer({ status: 200, body: 'ok' });
  try {
    const sink = new SlackSink({ webhookUrl: `${srv.base}/services/T/B/X`, filter: filter(), delivery: fast() });
    await sink.write(Array.from({ length: 30 }, (_, i) => testFinding(i + 1)));
    assert.equal(srv.requests.length, 30);
    assert.equal(sink.stats.rateLimited, 0);
  } finally {
    await srv.close();
  }
  const r = new RateLimiter(60, 2, 0); // one per second, two at once
  assert.deepEqual([r.take(0), r.take(0), r.take(0)], [true, true, false]);
  assert.equal(r.take(500), false, 'half a token after 0.5 s');
  assert.equal(r.take(1000), true, 'one token after 1 s');
  assert.deepEqual([r.take(100_000), r.take(100_000), r.take(100_000)], [true, true, false], 'a long quiet period refills only to the burst');
});

test('the config: sinks.<output>.delivery fields take rateLimit; perMinute 0 by default; negative or fractional refused', () => {
  const URL = 'https://hooks.slack.com/services/T/B/X';
  const cfg = resolveConfig({ sinks: { slack: { enabled: true, webhookUrl: URL, rateLimit: { perMinute: 30, burst: 10 } } } });
  assert.deepEqual(sinkConfig(slackSinkSpec, cfg).rateLimit, { perMinute: 30, burst: 10 });
  assert.equal(sinkConfig(slackSinkSpec, resolveConfig({ sinks: { slack: { enabled: true, webhookUrl: URL } } })).rateLimit.perMinute, 0);
  assert.throws(() => resolveConfig({ sinks: { slack: { enabled: true, webhookUrl: URL, rateLimit: { perMinute: -1 } } } }), /sinks\.slack\.rateLimit\.perMinute/);
  assert.throws(() => resolveConfig({ sinks: { slack: { enabled: true, webhookUrl: URL, rateLimit: { perMinute: 1.5 } } } }), /sinks\.slack\.rateLimit\.perMinute/);
});
