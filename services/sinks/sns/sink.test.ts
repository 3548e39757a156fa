/**
 * The SNS sink against a local HTTP peer on 127.0.0.1, not AWS: a node:http server that speaks the
 * SNS Query protocol's `Publish` action as @aws-sdk/client-sns sends it (a form-encoded POST,
 * `Action=Publish&Version=2010-03-31&…`) and answers with the documented PublishResponse XML, or
 * with the documented ErrorResponse XML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidOcsf, findingToOcsf } from '../../core/ocsf/index.ts';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { sinkSpec } from '../registry.ts';
import { captureServer, fast, filter, recordingLogger, testFinding, type Recorded, type Reply } from '../alerting/testing.ts';
import { SnsSink, snsSinkSpec, snsSubject } from './index.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sluice-findings';
const FIFO_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sluice-findings.fifo';
const CREDENTIALS = { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'wJalrXUtnFEMI-SECRETACCESSKEY-0123456789' };

/** The documented Publish response (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
function publishOk(messageId = '567910cd-659e-55d4-8ccb-5aaf14679dc0'): Reply {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata></PublishResponse>`,
    );
  };
}

/** The documented Query-protocol error response. */
function snsError(status: number, code: string, message: string, type = 'Sender'): Reply {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>9dd01905-5012-5f99-8663-4b3ecd0dfaef</RequestId></ErrorResponse>`,
    );
  };
}

function form(r: Recorded): URLSearchParams {
  return new URLSearchParams(r.body);
}

/** MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue} as name → [type, value]. */
function attributes(p: URLSearchParams): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (let n = 1; p.has(`MessageAttributes.entry.${n}.Name`); n++) {
    out[p.get(`MessageAttributes.entry.${n}.Name`)!] = [p.get(`MessageAttributes.entry.${n}.Value.DataType`)!, p.get(`MessageAttributes.entry.${n}.Value.StringValue`)!];
  }
  return out;
}

function sink(base: string, over: Partial<ConstructorParameters<typeof SnsSink>[0]> = {}): SnsSink {
  return new SnsSink({ topicArn: TOPIC, endpoint: base, credentials: CREDENTIALS, filter: filter(), delivery: fast(), ...over });
}

test('sns: one signed Publish per finding: TopicArn, Message = OCSF JSON, Subject <= 99 ASCII characters, filterable attributes; no FIFO fields', async () => {
  const srv = await captureServer(publishOk());
  try {
    const s = sink(srv.base);
    const f = testFinding(1, { finding_info: { ...testFinding(1).finding_info, title: `Très long titre\n${'x'.repeat(200)}` } } as never);
    await s.write([f]);
    await s.write([f]);
    assert.equal(srv.requests.length, 1, 'dedup by finding id');
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/');
    assert.match(String(r.headers['content-type']), /^application\/x-www-form-urlencoded/);
    assert.match(String(r.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDSLUICETEST\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
    const p = form(r);
    assert.equal(p.get('Action'), 'Publish');
    assert.equal(p.get('Version'), '2010-03-31');
    assert.equal(p.get('TopicArn'), TOPIC);
    const message = JSON.parse(p.get('Message')!) as unknown;
    assertValidOcsf(message, 'sns Message');
    assert.deepEqual(message, JSON.parse(JSON.stringify(findingToOcsf(f))));
    const subject = p.get('Subject')!;
    assert.ok(subject.length > 0 && subject.length < 100, `subject length ${subject.length}`);
    assert.match(subject, /^\[High\] Tr s long titre x+$/);
    assert.match(subject, /^[\x20-\x7e]+$/, 'printable ASCII, no line breaks');
    assert.deepEqual(attributes(p), { severity: ['String', 'High'], detector: ['String', 'signatures'], rule: ['String', 'aws.cloudtrail.logging_stopped'] });
    assert.equal(p.has('MessageGroupId'), false);
    assert.equal(p.has('MessageDeduplicationId'), false);
    assert.deepEqual({ ...s.stats }, { delivered: 1, filtered: 0, duplicates: 1, refused: 0, retries: 0, requests: 1, rateLimited: 0 });
    await s.close();
  } finally {
    await srv.close();
  }
});

test('sns: a .fifo topic gets MessageGroupId (rule id) and MessageDeduplicationId (finding id)', async () => {
  const srv = await captureServer(publishOk());
  try {
    const s = sink(srv.base, { topicArn: FIFO_TOPIC });
    const f = testFinding(2);
    await s.write([f]);
    const p = form(srv.requests[0]!);
    assert.equal(p.get('TopicArn'), FIFO_TOPIC);
    assert.equal(p.get('MessageGroupId'), 'aws.cloudtrail.logging_stopped');
    assert.equal(p.get('MessageDeduplicationId'), f.id);
    await s.close();
  } finally {
    await srv.close();
  }
});

test('sns: the alerting filter applies (minimum severity, detectors, rules)', async () => {
  const srv = await captureServer(publishOk());
  try {
    const s = sink(srv.base, { filter: filter({ minSeverity: 'Medium', detectors: ['signatures'], rules: ['aws.cloudtrail.*'] }) });
    const keep = testFinding(1);
    await s.write([keep, testFinding(2, { severity: 'Low' }), testFinding(3, { detector: 'dlp' }), testFinding(4, { rule: 'k8s.audit.exec' })]);
    assert.deepEqual(
      srv.requests.map((r) => (JSON.parse(form(r).get('Message')!) as { finding_info: { uid: string } }).finding_info.uid),
      [keep.id],
    );
    assert.equal(s.stats.filtered, 3);
    await s.close();
  } finally {
    await srv.close();
  }
});

test('sns: 400 InvalidParameter is final: write() rejects non-retriable naming that finding (dead-lettered); the rest is published', async () => {
  const srv = await captureServer(publishOk());
  srv.replies.push(snsError(400, 'InvalidParameter', 'Invalid parameter: Message too long'));
  const a = testFinding(1);
  const b = testFinding(2);
  try {
    const s = sink(srv.base);
    const err = await s.write([a, b]).then(
      () => assert.fail('write should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_ERR_SINK_WRITE');
    assert.equal(err.retriable, false);
    const invalid = err.details.invalid as Array<{ id: string; reason: string }>;
    assert.deepEqual(invalid.map((i) => i.id), [a.id]);
    assert.match(invalid[0]!.reason, /HTTP 400: InvalidParameter.*Message too long.*not retried/);
    assert.equal(srv.requests.length, 2, 'a was not retried; b was published');
    await s.write([b]);
    assert.equal(srv.requests.length, 2, 'b is not published twice');
    await s.close();
  } finally {
    await srv.close();
  }
});

test('sns: 500 InternalError and 400 Throttling are retried with backoff, then published once', async () => {
  const srv = await captureServer(publishOk());
  srv.replies.push(snsError(500, 'InternalError', 'internal', 'Receiver'), snsError(400, 'Throttling', 'Rate exceeded'));
  try {
    const s = sink(srv.base);
    await s.write([testFinding(1)]);
    assert.equal(srv.requests.length, 3);
    assert.equal(new Set(srv.requests.map((r) => form(r).get('Message'))).size, 1, 'the same message each time');
    assert.equal(s.stats.retries, 2);
    assert.equal(s.stats.delivered, 1);
    await s.close();
  } finally {
    await srv.close();
  }
});

test('sns: still failing after the retries (5xx, then the peer gone): a retriable error; the secret key is never logged', async () => {
  const srv = await captureServer(snsError(503, 'ServiceUnavailable', `echo ${CREDENTIALS.secretAccessKey}`, 'Receiver'));
  const { logger, lines } = recordingLogger();
  const s = sink(srv.base, { logger });
  const err = (await s.write([testFinding(1), testFinding(2)]).catch((e: unknown) => e)) as SluiceError;
  assert.ok(err instanceof SluiceError && err.retriable);
  assert.match(err.message, /2 finding\(s\) not delivered \(3 attempt\(s\)\).*HTTP 503/);
  assert.equal(srv.requests.length, 3, 'three attempts for the first finding, none for the second');
  await srv.close();
  const down = (await s.write([testFinding(3)]).catch((e: unknown) => e)) as SluiceError;
  assert.ok(down instanceof SluiceError && down.retriable);
  const text = `${lines.join('\n')}\n${err.message}\n${down.message}\n${JSON.stringify(err.details)}`;
  assert.ok(lines.length >= 2);
  assert.ok(!text.includes(CREDENTIALS.secretAccessKey), 'secret access key leaked');
  assert.match(text, /\*\*\*/);
  await s.close();
});

test('sns: the subject of an empty title falls back to the rule; never 100 characters or more', () => {
  const f = testFinding(1, { finding_info: { ...testFinding(1).finding_info, title: '' }, actor: { user: { name: 'é'.repeat(300) } } } as never);
  const s = snsSubject(f);
  assert.ok(s.length < 100);
  assert.match(s, /^\[High\] aws\.cloudtrail\.logging_stopped:/);
});

test('sinks.sns config: registered; disabled by default; enabled needs an SNS topic ARN; region and endpoint optional', () => {
  assert.equal(sinkSpec('sns'), snsSinkSpec);
  const c = resolveConfig({});
  assert.equal(sinkConfig(snsSinkSpec, c).enabled, false);
  assert.throws(() => resolveConfig({ sinks: { sns: { enabled: true } } }), /sinks\.sns\.topicArn/);
  assert.throws(() => resolveConfig({ sinks: { sns: { enabled: true, topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } } }), /SNS topic ARN/);
  assert.throws(() => resolveConfig({ sinks: { sns: { enabled: true, topicArn: TOPIC, endpoint: 'file:///x' } } }), /sinks\.sns\.endpoint/);
  const ok = resolveConfig({ sinks: { sns: { enabled: true, topicArn: FIFO_TOPIC, region: 'eu-west-1', endpoint: 'http://localhost:4566', minSeverity: 'High', rules: ['aws.*'] } } });
  const cfg = sinkConfig(snsSinkSpec, ok);
  assert.equal(cfg.minSeverity, 'High');
  assert.equal(cfg.topicArn, FIFO_TOPIC);
  assert.equal(cfg.retry.attempts, 5);
});

test('sns: a Publish that outlives timeoutMs is retried, then reported retriable', async () => {
  const srv = await captureServer(() => {
    /* never answers */
  });
  try {
    const s = sink(srv.base, { delivery: fast({ timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }) });
    const started = Date.now();
    const err = await s.write([testFinding(1)]).catch((e: unknown) => e);
    assert.ok(err instanceof SluiceError && err.retriable);
    assert.match(err.message, /timed out|abort/i);
    assert.ok(Date.now() - started < 5000);
    assert.equal(srv.requests.length, 2);
    await s.close();
  } finally {
    await srv.close();
  }
});
