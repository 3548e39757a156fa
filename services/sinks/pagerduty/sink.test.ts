import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { captureServer, fast, filter, testFinding } from '../alerting/testing.ts';
import { PagerDutySink, PAGERDUTY_EVENTS_URL, pagerdutySinkSpec } from './index.ts';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const ACCEPTED = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };

test('pagerduty: an Events API v2 trigger per finding: routing_key, event_action, dedup_key = finding id, payload summary/source/severity/timestamp', async () => {
  const srv = await captureServer(ACCEPTED);
  try {
    const sink = new PagerDutySink({ routingKey: KEY, url: `${srv.base}/v2/enqueue`, filter: filter(), delivery: fast() });
    const f = testFinding(1);
    await sink.write([f, testFinding(2, { severity: 'Critical' }), testFinding(3, { severity: 'Medium' }), testFinding(4, { severity: 'Low' })]);
    assert.equal(srv.requests.length, 4);
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v2/enqueue');
    assert.equal(r.headers['content-type'], 'application/json');
    const e = JSON.parse(r.body) as Record<string, unknown> & { payload: Record<string, unknown> };
    assert.deepEqual(Object.keys(e).sort(), ['client', 'dedup_key', 'event_action', 'payload', 'routing_key']);
    assert.equal(e.routing_key, KEY);
    assert.equal(e.event_action, 'trigger');
    assert.equal(e.dedup_key, f.id);
    assert.equal(e.payload.summary, '[High] CloudTrail logging stopped: mallory');
    assert.ok((e.payload.summary as string).length <= 1024);
    assert.equal(e.payload.source, 'mallory');
    assert.equal(e.payload.severity, 'error');
    assert.equal(e.payload.timestamp, '2026-11-20T10:02:45.000Z');
    assert.equal(e.payload.component, 'signatures');
    assert.equal(e.payload.group, '123456789012');
    assert.equal(e.payload.class, 'aws.cloudtrail.logging_stopped');
    assert.equal((e.payload.custom_details as { finding_id: string }).finding_id, f.id);
    const severities = srv.requests.map((x) => (JSON.parse(x.body) as { payload: { severity: string } }).payload.severity);
    assert.deepEqual(severities, ['error', 'critical', 'warning', 'info'], 'only critical, error, warning, info');
  } finally {
    await srv.close();
  }
});

test('pagerduty: 429 (throttled) is retried; 400 (invalid event) is final and dead-lettered; the routing key is never in the error', async () => {
  const srv = await captureServer(ACCEPTED);
  srv.replies.push({ status: 429, body: '{"status":"throttled"}' }, ACCEPTED, { status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${KEY} unknown"]}` });
  try {
    const sink = new PagerDutySink({ routingKey: KEY, url: `${srv.base}/v2/enqueue`, filter: filter(), delivery: fast() });
    const a = testFinding(1);
    const b = testFinding(2);
    const err = (await sink.write([a, b]).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.deepEqual((err.details.invalid as Array<{ id: string }>).map((i) => i.id), [b.id]);
    assert.ok(!JSON.stringify(err.details).includes(KEY) && !err.message.includes(KEY));
    assert.equal(srv.requests.length, 3);
    assert.equal(sink.stats.delivered, 1);
  } finally {
    await srv.close();
  }
});

test('sinks.pagerduty: disabled by default, the documented endpoint, the routing key required when enabled', () => {
  const c = resolveConfig({});
  assert.equal(sinkConfig(pagerdutySinkSpec, c).enabled, false);
  assert.equal(sinkConfig(pagerdutySinkSpec, c).url, PAGERDUTY_EVENTS_URL);
  assert.equal(PAGERDUTY_EVENTS_URL, 'https://events.pagerduty.com/v2/enqueue');
  assert.throws(() => resolveConfig({ sinks: { pagerduty: { enabled: true } } }), /sinks\.pagerduty\.routingKey: required/);
});
