import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Collector } from '../../core/components.ts';
import { awsCloudTrailCollector } from '../../collectors/aws_cloudtrail/index.ts';
import { createAwsConfigCollector, parseAwsConfigConfig } from '../../collectors/aws_config/index.ts';
import { hubbleFlowsCollector } from '../../collectors/hubble_flows/index.ts';
import type { StreamEvents } from '../../core/streams.ts';
import { encodeEventRow, eventRow, EVENT_COLUMNS, tsvString, type StoredStream } from './event-rows.ts';
import { formatDateTime } from './sql.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** Real records of each stored stream, normalized by their collector. */
function eventsOf<S extends StoredStream>(stream: S, collector: Collector, fixture: string): Array<StreamEvents[S]> {
  const path = fileURLToPath(new URL(fixture, import.meta.url));
  const out: Array<StreamEvents[S]> = [];
  for (const o of collector.collect({ name: path, bytes: readFileSync(path) })) if (o.kind === 'event' && o.stream === stream) out.push(o.event as StreamEvents[S]);
  assert.ok(out.length > 0, `${fixture} gave no ${stream} event`);
  return out;
}

const CASES = [
  ['activity', () => eventsOf('activity', awsCloudTrailCollector({}), '../../../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl')],
  ['config', () => eventsOf('config', createAwsConfigCollector(parseAwsConfigConfig({})), '../../../test/fixtures/aws_config/authored/snapshot.json')],
  ['flow', () => eventsOf('flow', hubbleFlowsCollector({}), '../../../test/fixtures/hubble_flows/basic-sample-10-flows.jsonl')],
] as const;

/** A TabSeparated line back to its values, unescaped (the escapes ClickHouse reads in TabSeparated). */
function parseTsv(line: string, columns: readonly string[]): Record<string, string> {
  assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, 'one line');
  const fields = line.slice(0, -1).split('\t');
  assert.equal(fields.length, columns.length, 'one field per column');
  const un: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0' };
  return Object.fromEntries(columns.map((c, i) => [c, fields[i]!.replace(/\\(.)/g, (_m, ch: string) => un[ch] ?? `\\${ch}`)]));
}

/** eventRow()'s values as TabSeparated text would carry them. */
function asText(row: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]));
}

for (const [stream, load] of CASES) {
  test(`encodeEventRow writes eventRow's values as one TabSeparated line in column order (${stream})`, () => {
    const events = load();
    for (const e of events) {
      const line = encodeEventRow(stream, e as never, 'the-key', NOW);
      const parsed = parseTsv(line, EVENT_COLUMNS[stream]);
      assert.deepEqual(parsed, asText(eventRow(stream, e as never, 'the-key', NOW)));
      assert.equal(parsed.ingested_at, '2026-12-06 12:00:00');
      assert.doesNotThrow(() => JSON.parse(parsed.event_json!));
      // The ingestion time may come preformatted (writeEvents formats it once per call).
      assert.equal(encodeEventRow(stream, e as never, 'the-key', formatDateTime(NOW)), line);
    }
  });
}

test('encodeEventRow escapes tabs, newlines and backslashes, and leaves out the raw record', () => {
  const [e] = CASES[0][1]();
  const odd = { ...e!, actor: { ...e!.actor, user: { ...e!.actor.user, uid: 'a\tb\nc\\d\re\0' } }, user_agent: 'ua "x" \\ \uDC00', raw_data: '{"secret":"raw"}' };
  const line = encodeEventRow('activity', odd, 'k\t', NOW);
  const row = parseTsv(line, EVENT_COLUMNS.activity);
  assert.equal(row.principal, 'a\tb\nc\\d\re\0');
  assert.equal(row.entity_key, 'k\t');
  assert.ok(!row.event_json!.includes('raw_data') && !row.event_json!.includes('secret'));
  // Lone surrogates: replaced in the JSON text; in plain columns the UTF-8 body encoding replaces them.
  assert.equal((JSON.parse(row.event_json!) as { user_agent: string }).user_agent, 'ua "x" \\ \uFFFD');
  assert.ok(Buffer.from(line).toString('utf8').includes('ua "x" \\\\ \uFFFD'));
});

test('tsvString leaves plain text alone and renders null as empty', () => {
  assert.equal(tsvString('plain text é'), 'plain text é');
  assert.equal(tsvString(null), '');
  assert.equal(tsvString(undefined), '');
  assert.equal(tsvString('\\t'), '\\\\t');
});
