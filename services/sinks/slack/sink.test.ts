import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { captureServer, fast, filter, recordingLogger, testFinding } from '../alerting/testing.ts';
import { slackSinkSpec } from './index.ts';
import { SlackSink } from './sink.ts';

type Block = { type: string; text?: { type: string; text: string }; fields?: Array<{ type: string; text: string }>; elements?: Array<{ type: string; text: string }> };

test('slack: one incoming-webhook message per finding: JSON with `text` and Block Kit `blocks` as Slack documents them', async () => {
  const srv = await captureServer({ status: 200, body: 'ok' });
  try {
    const sink = new SlackSink({ webhookUrl: `${srv.base}/services/T000/B000/XXXXSECRET`, filter: filter(), delivery: fast() });
    const f = testFinding(1);
    await sink.write([f, testFinding(2, { severity: 'Critical' })]);
    assert.equal(srv.requests.length, 2);
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/services/T000/B000/XXXXSECRET');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const msg = JSON.parse(r.body) as { text: string; blocks: Block[] };
    assert.deepEqual(Object.keys(msg).sort(), ['blocks', 'text']);
    assert.match(msg.text, /\[High\] CloudTrail logging stopped: mallory/);
    assert.deepEqual(msg.blocks.map((b) => b.type), ['header', 'section', 'section', 'context']);
    const header = msg.blocks[0]!;
    assert.equal(header.text!.type, 'plain_text');
    assert.ok(header.text!.text.length <= 150, 'header text at most 150 characters');
    assert.equal(header.text!.text, 'High: CloudTrail logging stopped');
    const fields = msg.blocks[1]!.fields!;
    assert.ok(fields.length <= 10, 'at most 10 fields in a section');
    assert.ok(fields.every((x) => x.type === 'mrkdwn' && x.text.length <= 2000));
    assert.deepEqual(fields.map((x) => x.text.split('\n')[0]), ['*Severity*', '*Time (UTC)*', '*Principal / resource*', '*Account*', '*Rule*', '*Detector*']);
    assert.equal(fields[1]!.text, '*Time (UTC)*\n2026-11-20T10:02:45.000Z');
    assert.equal(fields[3]!.text, '*Account*\n123456789012 (AWS us-east-1)');
    // mrkdwn control characters escaped: & < >
    assert.equal(msg.blocks[2]!.text!.text, 'CloudTrail logging stopped: mallory called StopLogging on trail-1 &lt;b&gt;&amp;&lt;/b&gt;');
    assert.match(msg.blocks[3]!.elements![0]!.text, new RegExp(`finding \`${f.id}\` · ATT&amp;CK T1562\\.008`));
    assert.match((JSON.parse(srv.requests[1]!.body) as { text: string }).text, /^:red_circle: \[Critical\]/);
  } finally {
    await srv.close();
  }
});

test('slack: a 404 no_service (a revoked webhook) is final and the webhook URL never appears in the error or the logs', async () => {
  const srv = await captureServer({ status: 404, body: 'no_service' });
  const url = `${srv.base}/services/T000/B000/XXXXSECRET`;
  const { logger, lines } = recordingLogger();
  try {
    const sink = new SlackSink({ webhookUrl: url, filter: filter(), delivery: fast(), logger });
    const err = (await sink.write([testFinding(1)]).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.match(err.message, /HTTP 404: no_service/);
    const text = `${lines.join('\n')} ${err.message} ${JSON.stringify(err.details)}`;
    assert.ok(!text.includes('XXXXSECRET') && !text.includes(url));
    assert.equal(srv.requests.length, 1);
  } finally {
    await srv.close();
  }
});

test('sinks.slack: disabled by default (High and above when on); the webhook URL is a secret; enabled without it is a config error', () => {
  const c = resolveConfig({});
  assert.equal(slackSinkSpec.active(sinkConfig(slackSinkSpec, c), c), false);
  assert.equal(sinkConfig(slackSinkSpec, c).minSeverity, 'High');
  assert.throws(() => resolveConfig({ sinks: { slack: { enabled: true } } }), /sinks\.slack\.webhookUrl: required/);
  const on = resolveConfig({ sinks: { slack: { enabled: true, webhookUrl: 'https://hooks.slack.com/services/T/B/K' } } });
  assert.equal(slackSinkSpec.active(sinkConfig(slackSinkSpec, on), on), true);
});
