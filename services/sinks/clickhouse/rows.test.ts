import { describe, it } from 'node:test';
import { assertValidOcsf, findingToOcsf } from '../../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { encodeRow, FINDING_COLUMNS, FindingRowError, toFindingRow } from './rows.ts';
import { classifyError, clickHouseErrorCode, errorText } from './errors.ts';
import { formatDate, formatDateTime, parseDateTime, quoteIdentifier, quoteString, stringifyWellFormed, toWellFormed } from './sql.ts';
import { sampleFinding } from './fixtures.ts';
import { ClickHouseSinkOptions } from './config.ts';

const INGESTED = Date.UTC(2024, 4, 18, 0, 0, 1);

describe('toFindingRow', () => {
  it('maps every column of a finding', () => {
    const f = sampleFinding();
    const row = toFindingRow(f, INGESTED);
    assert.deepEqual(row, {
      id: 'a3f1c2d4-0b1e-5c2d-8e3f-112233445566',
      time: '2024-05-17 08:30:15',
      date: '2024-05-17',
      severity_id: 4,
      severity: 'High',
      detector: 'sensitive_operation',
      rule: 'cloudtrail_stop',
      title: 'CloudTrail logging stopped',
      message: 'CloudTrail logging stopped: alice called StopLogging on cloudtrail.amazonaws.com in eu-west-1',
      entity_kind: 'principal',
      entity_key: 'arn:aws:iam::123456789012:user/alice',
      account_uid: '123456789012',
      region: 'eu-west-1',
      provider: 'AWS',
      principal: 'arn:aws:iam::123456789012:user/alice',
      operation: 'StopLogging',
      service: 'cloudtrail.amazonaws.com',
      src_ip: '198.51.100.7',
      count: 1,
      first_seen: '2024-05-17 08:30:15',
      last_seen: '2024-05-17 08:30:15',
      related_event_uids: ['evt-1', 'evt-2'],
      attack_techniques: ['T1562.008'],
      finding_json: JSON.stringify(findingToOcsf(f)),
      version: Date.UTC(2024, 4, 17, 8, 30, 15, 250),
      ingested_at: '2024-05-18 00:00:01',
    });
    assert.deepEqual(Object.keys(row).sort(), [...FINDING_COLUMNS].sort());
    assert.deepEqual(JSON.parse(row.finding_json), JSON.parse(JSON.stringify(findingToOcsf(f))));
    assertValidOcsf(JSON.parse(row.finding_json), 'finding_json');
  });

  it('uses empty strings for absent optional parts and the UTC day for date', () => {
    const f = sampleFinding({ time: Date.UTC(2024, 11, 31, 23, 59, 59, 999), cloud: { provider: 'AWS', region: null, account_uid: null } });
    delete f.actor;
    delete f.api;
    f.src_endpoint = { ip: null };
    f.finding_info = { ...f.finding_info, first_seen_time: Date.UTC(2024, 11, 31, 22, 0, 0), last_seen_time: Date.UTC(2025, 0, 1, 0, 0, 5), related_events: [], attacks: [] };
    const row = toFindingRow(f, INGESTED);
    assert.equal(row.date, '2024-12-31');
    assert.equal(row.time, '2024-12-31 23:59:59');
    assert.equal(row.first_seen, '2024-12-31 22:00:00');
    assert.equal(row.last_seen, '2025-01-01 00:00:05');
    assert.equal(row.version, Date.UTC(2025, 0, 1, 0, 0, 5));
    for (const k of ['region', 'account_uid', 'principal', 'operation', 'service', 'src_ip'] as const) assert.equal(row[k], '', k);
    assert.deepEqual(row.related_event_uids, []);
    assert.deepEqual(row.attack_techniques, []);
  });

  it('clamps severity and count to their column types', () => {
    const row = toFindingRow(sampleFinding({ severity_id: 999, count: -3 }), INGESTED);
    assert.equal(row.severity_id, 255);
    assert.equal(row.count, 0);
    assert.equal(toFindingRow(sampleFinding({ count: 2 ** 40 }), INGESTED).count, 4_294_967_295);
  });

  it('rejects findings that no retry could store', () => {
    assert.throws(() => toFindingRow(sampleFinding({ id: '' }), INGESTED), FindingRowError);
    assert.throws(() => toFindingRow(sampleFinding({ time: -1 }), INGESTED), /time must be epoch milliseconds/);
    assert.throws(() => toFindingRow(sampleFinding({ time: Number.NaN }), INGESTED), FindingRowError);
    assert.throws(() => toFindingRow(sampleFinding({ time: 5e12 }), INGESTED), FindingRowError);
  });

  it('replaces lone surrogates, which ClickHouse 18.16 rejects in JSON', () => {
    const f: Finding = sampleFinding({ message: 'bad \uD800 half, good \uD83D\uDE00 pair' });
    const line = encodeRow(toFindingRow(f, INGESTED));
    assert.ok(line.endsWith('\n'));
    assert.doesNotMatch(line, /\\ud800/i);
    const parsed = JSON.parse(line) as { message: string; finding_json: string };
    assert.equal(parsed.message, 'bad \uFFFD half, good \uD83D\uDE00 pair');
    assert.equal((JSON.parse(parsed.finding_json) as Finding).message, 'bad \uFFFD half, good \uD83D\uDE00 pair');
  });
});

describe('sql helpers', () => {
  it('quotes string literals', () => {
    assert.equal(quoteString("it's"), "'it\\'s'");
    assert.equal(quoteString('a\\b'), "'a\\\\b'");
    assert.equal(quoteString('x\ny\0z\t'), "'x\\ny\\0z\\t'");
    assert.equal(quoteString("'); DROP TABLE x; --"), "'\\'); DROP TABLE x; --'");
  });

  it('accepts only plain identifiers', () => {
    assert.equal(quoteIdentifier('sluice_test_1'), '`sluice_test_1`');
    assert.throws(() => quoteIdentifier('a`b'), TypeError);
    assert.throws(() => quoteIdentifier('1abc'), TypeError);
    assert.throws(() => quoteIdentifier(''), TypeError);
  });

  it('formats and parses DateTime text in UTC', () => {
    const ms = Date.UTC(2001, 1, 3, 4, 5, 6);
    assert.equal(formatDateTime(ms), '2001-02-03 04:05:06');
    assert.equal(parseDateTime('2001-02-03 04:05:06'), ms);
    // The ends of DateTime's range, and the fallback outside toISOString's plain form.
    assert.equal(formatDateTime(0), '1970-01-01 00:00:00');
    assert.equal(formatDateTime(4_294_967_295_000), '2106-02-07 06:28:15');
    assert.equal(formatDate(4_294_967_295_999), '2106-02-07');
    assert.equal(formatDateTime(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), '9999-12-31 23:59:59');
    assert.equal(formatDateTime(Date.UTC(10000, 0, 1, 1, 2, 3)), '10000-01-01 01:02:03');
  });

  it('gives each second its own text through the per-second cache (same slot, other second; ms within a second)', () => {
    const ms = Date.UTC(2001, 1, 3, 4, 5, 6, 999);
    assert.equal(formatDateTime(ms), '2001-02-03 04:05:06');
    assert.equal(formatDateTime(ms - 999), '2001-02-03 04:05:06');
    // 1,024 seconds later maps to the same cache slot.
    assert.equal(formatDateTime(ms + 1024 * 1000), '2001-02-03 04:22:10');
    assert.equal(formatDateTime(ms), '2001-02-03 04:05:06');
    assert.equal(formatDateTime(ms + 1), '2001-02-03 04:05:07');
  });

  it('stringifyWellFormed replaces lone surrogates, in values and keys, and nothing else', () => {
    const value = { a: 'x\uD800y', ['k\uDC00']: ['\uDBFF'], pair: '\uD83D\uDE00', text: '\\ud800 is text', both: '\\\uD800' };
    const out = stringifyWellFormed(value);
    assert.ok(!/(?<!\\)(\\\\)*\\ud[89a-f]/.test(out), out);
    assert.deepEqual(JSON.parse(out), { a: 'x\uFFFDy', ['k\uFFFD']: ['\uFFFD'], pair: '\uD83D\uDE00', text: '\\ud800 is text', both: '\\\uFFFD' });
    assert.equal(stringifyWellFormed({ plain: 'ok' }), '{"plain":"ok"}');
    assert.equal(toWellFormed('a\uD800'), 'a\uFFFD');
    assert.equal(toWellFormed('\uD83D\uDE00'), '\uD83D\uDE00');
  });
});

describe('classifyError', () => {
  const sys = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
  it('retries connection failures and timeouts', () => {
    assert.equal(classifyError(sys('ECONNREFUSED')).retriable, true);
    assert.equal(classifyError(sys('ECONNRESET')).retriable, true);
    assert.equal(classifyError(new Error('Timeout error.')).retriable, true);
    assert.equal(classifyError(new Error('<html>502 Bad Gateway</html>')).retriable, true);
  });
  it('reads the code of 18.16 and of current error texts', () => {
    const old = new Error("Code: 60, e.displayText() = DB::Exception: Table x.findings doesn't exist., e.what() = DB::Exception");
    const cur = new Error('Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS) (version 24.8.4.13 (official build))');
    assert.equal(clickHouseErrorCode(old), 60);
    assert.equal(clickHouseErrorCode(cur), 252);
    assert.deepEqual(classifyError(old), { retriable: false, kind: 'clickhouse_60' });
    assert.deepEqual(classifyError(cur), { retriable: true, kind: 'clickhouse_252' });
    assert.equal(errorText(old), "Code: 60, DB::Exception: Table x.findings doesn't exist.");
  });
  it('does not retry other errors', () => {
    assert.equal(classifyError(new TypeError('x is not a function')).retriable, false);
    assert.equal(classifyError('boom').retriable, false);
  });
});

describe('ClickHouseSinkOptions', () => {
  it('fills defaults and rejects unknown keys', () => {
    assert.deepEqual(ClickHouseSinkOptions.parse({}), {
      maxRows: 10_000,
      maxBytes: 16 * 1024 * 1024,
      flushIntervalMs: 10,
      eventInsertsInFlight: 2,
      parallelInsertMinRows: 1000,
      retry: { attempts: 5, initialBackoffMs: 200, maxBackoffMs: 5000 },
      requestTimeoutMs: 30_000,
      retentionDays: 90,
      retentionCheckIntervalMs: 21_600_000,
    });
    assert.equal(ClickHouseSinkOptions.parse({ retry: { attempts: 2 } }).retry.initialBackoffMs, 200);
    assert.equal(ClickHouseSinkOptions.safeParse({ maxRow: 5 }).success, false);
    assert.equal(ClickHouseSinkOptions.safeParse({ retentionDays: 0 }).success, false);
  });
});
