import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testFinding } from '../sinks/alerting/testing.ts';
import { appTopology, resolveConfig } from './config.ts';
import { colorEnabled, renderTable, resolveFormat, shortMessage, sortFindings } from './output.ts';
import { streamHints } from './output-run.ts';

test('--format: a table on a terminal, NDJSON into a pipe or file; explicit choices win; ocsf is NDJSON; anything else is a usage error', () => {
  assert.equal(resolveFormat(undefined, true), 'table');
  assert.equal(resolveFormat(undefined, false), 'ndjson');
  assert.equal(resolveFormat('json', true), 'json');
  assert.equal(resolveFormat('table', false), 'table');
  assert.equal(resolveFormat('ocsf', true), 'ndjson');
  assert.throws(() => resolveFormat('xml', true), /SLUICE_ERR_CONFIG_INVALID|unknown --format "xml"/);
});

test('colour: only on a colour terminal; never with NO_COLOR or --no-color; FORCE_COLOR forces it', () => {
  const pipe = new PassThrough();
  const tty = Object.assign(new PassThrough(), { isTTY: true, hasColors: () => true });
  assert.equal(colorEnabled(pipe, {}), false);
  assert.equal(colorEnabled(tty, {}), true);
  assert.equal(colorEnabled(tty, { NO_COLOR: '1' }), false);
  assert.equal(colorEnabled(tty, {}, true), false);
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
});

test('table: most severe first, then by time; one line per finding within the width; severity coloured only when asked', () => {
  const findings = [
    testFinding(3, { severity: 'Low' }),
    testFinding(2, { severity: 'Critical' }),
    testFinding(1, { severity: 'Low' }),
    testFinding(4, { severity: 'Informational', actor: undefined, entity: { kind: 'resource', key: 'arn:aws:s3:::bucket' } }),
  ];
  assert.deepEqual(sortFindings(findings).map((f) => f.id.slice(-1)), ['2', '1', '3', '4']);
  const plain = renderTable(findings, { color: false, columns: 100 });
  const lines = plain.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^SEVERITY +TIME \(UTC\) +FINDING +ENTITY +DETAILS$/, 'a narrow terminal: the short header');
  assert.deepEqual(lines.slice(1).map((l) => l.split(' ')[0]), ['Critical', 'Low', 'Low', 'Info']);
  assert.ok(lines.every((l) => [...l].length <= 100), 'no line wider than the terminal');
  assert.match(lines[4]!, /arn:aws:s3:::…/, 'long cells are cut with an ellipsis');
  const wide = renderTable(findings, { color: false, columns: 160 }).trimEnd().split('\n');
  assert.match(wide[0]!, /^SEVERITY +TIME \(UTC\) +FINDING +PRINCIPAL \/ RESOURCE +DETAILS$/);
  assert.match(wide[1]!, /^Critical +2026-11-20 10:02:46 +CloudTrail logging stopped +mallory +called StopLogging on trail-2 <b>&<\/b>$/, 'the message without the title and subject it repeats');
  assert.match(wide[4]!, /^Info +2026-11-20 10:02:48 +CloudTrail logging stopped +arn:aws:s3:::bucket +mallory called/);
  assert.ok(!plain.includes('\u001b['), 'no escape codes without colour');
  const coloured = renderTable(findings, { color: true, columns: 100 });
  assert.match(coloured, /\u001b\[31m.*Critical/);
  assert.equal(renderTable([], { color: false }), '');
});

test('short message: the title the message starts with is dropped', () => {
  assert.equal(shortMessage(testFinding(1)), 'mallory called StopLogging on trail-1 <b>&</b>');
});

test('hint: records on a stream no enabled detector reads name the detectors to enable', () => {
  const topology = appTopology(resolveConfig({}));
  const hints = streamHints(topology, { activity: 5, object_chunk: 12, flow: 3 });
  assert.equal(hints.length, 2);
  assert.match(hints.find((h) => h.includes('object chunks'))!, /^hint: 12 object chunks read, but no detector that reads them is enabled: enable detectors\.dlp/);
  assert.match(hints.find((h) => h.includes('network flows'))!, /enable detectors\.flow_baseline/);
  const on = appTopology(resolveConfig({ detectors: { flow_baseline: { enabled: true } } }));
  assert.equal(streamHints(on, { flow: 3 }).length, 0);
});

test('sluice --version prints the package version', async () => {
  const bin = fileURLToPath(new URL('./bin.mjs', import.meta.url));
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [bin, '--version'], { timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  assert.equal(out.trim(), pkg.version);
});
