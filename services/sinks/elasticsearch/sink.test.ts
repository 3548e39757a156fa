import { test } from 'node:test';
import { assertValidOcsf } from '../../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { captureServer, type Recorded, fast, filter, testFinding } from '../alerting/testing.ts';
import { ElasticsearchSink, elasticsearchSinkSpec } from './index.ts';

/** Parses a _bulk body as Elasticsearch does: NDJSON, action line then source line, final newline required. */
function bulk(body: string): Array<{ action: { index: { _index: string; _id: string } }; doc: Record<string, unknown> }> {
  assert.ok(body.endsWith('\n'), 'the final line ends with a newline');
  const lines = body.slice(0, -1).split('\n').map((l) => JSON.parse(l) as never);
  assert.equal(lines.length % 2, 0);
  const out = [];
  for (let i = 0; i < lines.length; i += 2) out.push({ action: lines[i]!, doc: lines[i + 1]! });
  return out;
}

/** A bulk response with one `index` item per action, statuses as given. */
function reply(req: Recorded, statuses: number[]): string {
  const items = bulk(req.body).map((op, i) => {
    const status = statuses[i] ?? 201;
    return { index: { _index: op.action.index._index, _id: op.action.index._id, status, ...(status >= 300 ? { error: { type: status === 429 ? 'es_rejected_execution_exception' : 'document_parsing_exception', reason: 'failed to parse field [time]' } } : { result: 'created' }) } };
  });
  return JSON.stringify({ took: 3, errors: statuses.some((s) => s >= 300), items });
}

test('elasticsearch: POST /_bulk as NDJSON, an `index` action with `_id` = finding id per finding, the document with @timestamp; the same _id on a resend', async () => {
  const srv = await captureServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(reply(req, [])));
  try {
    const sink = new ElasticsearchSink({ url: `${srv.base}/`, index: 'sluice-findings', apiKey: 'QVBJS0VZSUQ6QVBJS0VZU0VDUkVU', batchSize: 500, filter: filter(), delivery: fast() });
    const fs = [testFinding(1), testFinding(2)];
    await sink.write(fs);
    assert.equal(srv.requests.length, 1);
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/_bulk');
    assert.equal(r.headers['content-type'], 'application/x-ndjson');
    assert.equal(r.headers.authorization, 'ApiKey QVBJS0VZSUQ6QVBJS0VZU0VDUkVU');
    const ops = bulk(r.body);
    assert.deepEqual(ops.map((o) => o.action), fs.map((f) => ({ index: { _index: 'sluice-findings', _id: f.id } })));
    assert.equal(ops[0]!.doc['@timestamp'], '2026-11-20T10:02:45.000Z');
    assert.equal((ops[0]!.doc.finding_info as { uid: string }).uid, fs[0]!.id);
    assert.equal((ops[0]!.doc.unmapped as { sluice: { rule: string } }).sluice.rule, 'aws.cloudtrail.logging_stopped');
    const { '@timestamp': _ts, ...ocsf } = ops[0]!.doc;
    assertValidOcsf(ocsf, 'elasticsearch document');
  } finally {
    await srv.close();
  }
});

test('elasticsearch: per-item results: 429 items are sent again (same _id), a mapping error is dead-lettered alone', async () => {
  let call = 0;
  const srv = await captureServer((req, res) => {
    call++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(reply(req, call === 1 ? [201, 429, 400] : [200]));
  });
  try {
    const sink = new ElasticsearchSink({ url: srv.base, index: 'findings', username: 'sluice', password: 'PASSWORD-123', batchSize: 500, filter: filter(), delivery: fast() });
    const fs = [testFinding(1), testFinding(2), testFinding(3)];
    const err = (await sink.write(fs).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.deepEqual((err.details.invalid as Array<{ id: string }>).map((i) => i.id), [fs[2]!.id]);
    assert.match((err.details.invalid as Array<{ reason: string }>)[0]!.reason, /item status 400: document_parsing_exception/);
    assert.equal(srv.requests.length, 2);
    assert.equal(srv.requests[0]!.headers.authorization, `Basic ${Buffer.from('sluice:PASSWORD-123').toString('base64')}`);
    assert.deepEqual(bulk(srv.requests[1]!.body).map((o) => o.action.index._id), [fs[1]!.id], 'only the 429 item again, with its _id');
    assert.equal(sink.stats.delivered, 2);
  } finally {
    await srv.close();
  }
});

test('elasticsearch: a 401 is final for the whole request; 5xx retried; the credentials never in the error', async () => {
  const srv = await captureServer({ status: 401, body: '{"error":{"type":"security_exception","reason":"unable to authenticate user [sluice]"},"status":401}' });
  srv.replies.push({ status: 502, body: 'bad gateway' });
  try {
    const sink = new ElasticsearchSink({ url: srv.base, index: 'findings', username: 'sluice', password: 'PASSWORD-123', batchSize: 500, filter: filter(), delivery: fast() });
    const err = (await sink.write([testFinding(1), testFinding(2)]).catch((e: unknown) => e)) as SluiceError;
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.equal((err.details.invalid as unknown[]).length, 2);
    assert.match(err.message, /HTTP 401/);
    assert.ok(!JSON.stringify(err.details).includes('PASSWORD-123'));
    assert.equal(srv.requests.length, 2);
  } finally {
    await srv.close();
  }
});

test('sinks.elasticsearch: disabled by default, index sluice-findings; url required when enabled', () => {
  const c = resolveConfig({});
  assert.equal(sinkConfig(elasticsearchSinkSpec, c).enabled, false);
  assert.equal(sinkConfig(elasticsearchSinkSpec, c).index, 'sluice-findings');
  assert.throws(() => resolveConfig({ sinks: { elasticsearch: { enabled: true } } }), /sinks\.elasticsearch\.url: required/);
});
