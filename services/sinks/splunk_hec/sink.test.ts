import { test } from 'node:test';
import { assertValidOcsf, findingToOcsf } from '../../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { captureServer, fast, filter, testFinding } from '../alerting/testing.ts';
import { SplunkHecSink, splunkHecSinkSpec } from './index.ts';

const TOKEN = '11111111-2222-3333-4444-555555555555';
const SUCCESS = { status: 200, body: '{"text":"Success","code":0}' };

/** HEC's JSON event protocol: JSON objects one after another (whitespace between them allowed). */
function events(body: string): Array<Record<string, unknown>> {
  return body.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('splunk_hec: batches to /services/collector/event with `Authorization: Splunk <token>`, each {"time","source","sourcetype","index","event"}', async () => {
  const srv = await captureServer(SUCCESS);
  try {
    const sink = new SplunkHecSink({ url: `${srv.base}/`, token: TOKEN, sourcetype: 'sluice:finding', source: 'sluice', index: 'security', host: 'proc-0', batchSize: 2, filter: filter(), delivery: fast() });
    const fs = [testFinding(1), testFinding(2), testFinding(3)];
    await sink.write(fs);
    assert.equal(srv.requests.length, 2, 'two batches of at most 2');
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/services/collector/event');
    assert.equal(r.headers.authorization, `Splunk ${TOKEN}`);
    assert.equal(r.headers['content-type'], 'application/json');
    const first = events(r.body);
    assert.equal(first.length, 2);
    assert.deepEqual(Object.keys(first[0]!).sort(), ['event', 'host', 'index', 'source', 'sourcetype', 'time']);
    assert.equal(first[0]!.time, 1795168965, 'epoch seconds');
    assert.equal(first[0]!.sourcetype, 'sluice:finding');
    assert.equal(first[0]!.source, 'sluice');
    assert.equal(first[0]!.index, 'security');
    assert.equal(first[0]!.host, 'proc-0');
    assert.deepEqual(first[0]!.event, JSON.parse(JSON.stringify(findingToOcsf(fs[0]!))));
    assertValidOcsf(first[0]!.event, 'HEC event');
    assert.deepEqual(events(srv.requests[1]!.body).map((e) => (e.event as { finding_info: { uid: string } }).finding_info.uid), [fs[2]!.id]);
  } finally {
    await srv.close();
  }
});

test('splunk_hec: 400 with invalid-event-number refuses that event only, the rest is sent again; 503 (server busy) is retried; 403 (bad token) is final', async () => {
  const srv = await captureServer(SUCCESS);
  srv.replies.push({ status: 400, body: '{"text":"Invalid data format","code":6,"invalid-event-number":1}' }, { status: 503, body: '{"text":"Server is busy","code":9}' });
  try {
    const sink = new SplunkHecSink({ url: srv.base, token: TOKEN, sourcetype: 'sluice:finding', source: 'sluice', batchSize: 10, filter: filter(), delivery: fast() });
    const fs = [testFinding(1), testFinding(2), testFinding(3)];
    const err = (await sink.write(fs).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.deepEqual((err.details.invalid as Array<{ id: string }>).map((i) => i.id), [fs[1]!.id]);
    assert.match((err.details.invalid as Array<{ reason: string }>)[0]!.reason, /Invalid data format, code 6/);
    assert.equal(srv.requests.length, 3);
    assert.deepEqual(events(srv.requests[2]!.body).map((e) => (e.event as { finding_info: { uid: string } }).finding_info.uid), [fs[0]!.id, fs[2]!.id]);
    assert.equal(sink.stats.delivered, 2);
  } finally {
    await srv.close();
  }
  const denied = await captureServer({ status: 403, body: '{"text":"Invalid token","code":4}' });
  try {
    const sink = new SplunkHecSink({ url: denied.base, token: TOKEN, sourcetype: 's', source: 's', batchSize: 10, filter: filter(), delivery: fast() });
    const err = (await sink.write([testFinding(1)]).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.match(err.message, /HTTP 403: Invalid token, code 4/);
    assert.ok(!err.message.includes(TOKEN));
    assert.equal(denied.requests.length, 1);
  } finally {
    await denied.close();
  }
});

test('sinks.splunk_hec: disabled by default; url and token required when enabled', () => {
  const c = resolveConfig({});
  assert.equal(sinkConfig(splunkHecSinkSpec, c).enabled, false);
  assert.equal(sinkConfig(splunkHecSinkSpec, c).sourcetype, 'sluice:finding');
  assert.throws(() => resolveConfig({ sinks: { splunk_hec: { enabled: true, url: 'https://splunk:8088' } } }), /sinks\.splunk_hec\.token: required/);
});
