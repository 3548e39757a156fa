import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { awsCloudTrailSpec } from './aws_cloudtrail/index.ts';
import { capStringFields, MAX_FIELD_CHARS, TRUNCATION_MARK, withFieldCaps } from './fields.ts';

test('a 4 MB user agent is cut at MAX_FIELD_CHARS in the normalized event, and counted', () => {
  const sample = JSON.parse(readFileSync(new URL('./aws_cloudtrail/samples/panther-console-logins.json', import.meta.url), 'utf8')) as { Records: Array<Record<string, unknown>> };
  const record = { ...sample.Records[0]!, userAgent: `Mozilla/5.0 ${'A'.repeat(4 * 1024 * 1024)}` };
  // As `sluice run`, `normalize` and the collector role build it (cli/collectors.ts collectorFor).
  const collector = withFieldCaps(awsCloudTrailSpec.create({}));
  const t0 = performance.now();
  const outs = [...collector.collect({ name: 'big-ua.json', bytes: Buffer.from(JSON.stringify({ Records: [record] })) })];
  const ms = performance.now() - t0;
  const events = outs.flatMap((o) => (o.kind === 'event' ? [o.event as unknown as { user_agent: string | null; raw_data: string | null }] : []));
  assert.equal(events.length, 1, JSON.stringify(outs.map((o) => (o.kind === 'dead_letter' ? o.reason : 'event'))));
  const ua = events[0]!.user_agent!;
  assert.equal(ua.length, MAX_FIELD_CHARS + TRUNCATION_MARK.length);
  assert.ok(ua.startsWith('Mozilla/5.0 AAAA') && ua.endsWith(TRUNCATION_MARK));
  assert.ok(collector.truncatedFields >= 1);
  assert.ok(Buffer.byteLength(JSON.stringify(events[0])) < 512 * 1024, 'the event stays small');
  console.log(`# 4 MB user agent: event user_agent ${ua.length} chars, ${collector.truncatedFields} field(s) truncated, ${ms.toFixed(0)} ms`);
});

test('capStringFields: nested strings cut, Buffers and own-cap fields untouched, surrogate pairs kept whole', () => {
  const event = { a: 'x'.repeat(20), b: { c: ['y'.repeat(30), 'ok'] }, raw_data: 'r'.repeat(50), unmapped: 'u'.repeat(50), content: Buffer.alloc(50), e: `${'z'.repeat(9)}😀tail` };
  assert.equal(capStringFields(event, 10), 3);
  assert.equal(event.a, `${'x'.repeat(10)}${TRUNCATION_MARK}`);
  assert.equal(event.b.c[0], `${'y'.repeat(10)}${TRUNCATION_MARK}`);
  assert.equal(event.b.c[1], 'ok');
  assert.equal(event.raw_data.length, 50);
  assert.equal(event.unmapped.length, 50);
  assert.equal(event.content.length, 50);
  assert.equal(event.e, `${'z'.repeat(9)}${TRUNCATION_MARK}`, 'the high surrogate is not left alone');
});
