import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, latencyAtHalfPeak, movingAverage, summaryLines } from './report.ts';
import { barChart, escapeXml, fmt, lineChart, niceCeil } from './svg.ts';
import { parseMainArgs } from './main.ts';
import { deepMerge } from '../../services/core/config.ts';
import { svgToPng } from './png.ts';
import { batchSteps, parseStoppingLine } from './members.ts';
import type { LoadResult, MemberRun } from './result.ts';
import { percentiles } from './stats.ts';

function run(members: number, outs: number[], lat: number[]): MemberRun {
  return {
    members,
    samples: outs.map((o, i) => ({ t: i + 1, offered: 300, inPerSec: 300, outPerSec: o, findingsPerSec: 2, lag: 10 * (outs.length - i), rssMb: Array.from({ length: members }, (_, m) => 400 + m) })),
    phases: [
      { offered: 100, latencyMs: percentiles(lat.slice(0, 2)) },
      { offered: 300, latencyMs: percentiles(lat) },
    ],
    latencyMs: percentiles(lat),
    partitionShare: members === 1 ? [12] : [6, 6],
    eventShare: members === 1 ? [1] : [0.75, 0.25],
    produced: 1500,
    consumed: 1500,
    peakOutPerSec: Math.max(...outs),
    meanOutPerSec: 250,
    drainSeconds: 1.5,
    injected: 6,
    detected: 5,
    findings: 40,
    startSeconds: 12.3,
  };
}

const RESULT: LoadResult = {
  startedAt: '2026-12-06T09:00:00.000Z',
  machine: { cores: 2, loadAverage: [1.5, 1, 0.5], node: 'v20.20.2' },
  options: { rate: 300, seconds: 6, members: [1, 2], attackEvery: 250, seed: 1, processor: 'source' },
  services: { kafka: 'Apache Kafka 4.1.1, 3 KRaft nodes', clickhouse: 'ClickHouse <18.16>' },
  corpus: { events: 1200, byFeed: { cloudtrail: 600, k8s_audit: 600 }, injected: 6, ndjsonBytes: 1_200_000, avroBytes: 600_000, buildSeconds: 1 },
  runs: [
    { ...run(1, [100, 200, 300, 250, 240, 230], [10, 20, 30, 40, 1000]), batchSteps: [{ batches: 200, eventsPerBatch: 7.5, msPerBatch: { decode: 0.5, detect: 5.25, sinks: 36.1, side_outputs: 1.4, dead_letters: 0, changelog: 8.6 } }] },
    { ...run(2, [300, 400, 500, 450, 440, 430], [5, 6, 7, 8, 9]), batchSteps: [null, { batches: 10, eventsPerBatch: 2, msPerBatch: {} }] },
  ],
  anchors: [
    { name: 'JSON.parse of the NDJSON', perSec: 100_000, note: 'bare' },
    { name: 'kcat -P', perSec: null, note: 'kcat not installed (apt-get install kcat)' },
  ],
};

test('the report is one self-contained page with the six charts and the figures of the result', () => {
  const { html, charts } = buildReport(RESULT);
  assert.deepEqual(charts.map((c) => c.name), ['throughput', 'latency', 'lag', 'partitions', 'memory', 'anchors']);
  assert.equal((html.match(/<svg /g) ?? []).length, 6);
  assert.doesNotMatch(html, /<script|<link|src=|href=/i);
  assert.doesNotMatch(html, /ClickHouse <18/); // escaped
  assert.match(html, /ClickHouse &lt;18\.16&gt;/);
  // The per-configuration table: members, produced, consumed, mean, peak, p50, p95, p99, found.
  assert.match(html, /<tr><td>1<\/td><td>1,500<\/td><td>1,500<\/td><td>250<\/td><td>300<\/td><td>30<\/td><td>1,000<\/td><td>1,000<\/td><td>5 \/ 6<\/td>/);
  assert.match(html, /<tr><td>2<\/td><td>1,500<\/td><td>1,500<\/td><td>250<\/td><td>500<\/td><td>7<\/td><td>9<\/td><td>9<\/td>/);
  assert.match(html, /<td>6 \/ 6 \(75% \/ 25%\)<\/td>/);
  assert.match(html, /kcat not installed/);
  assert.match(html, /from the TypeScript sources/);
  // Where a batch's time goes: one row per member, from its stopping log.
  assert.match(html, /<tr><td>1: member #1<\/td><td>200<\/td><td>7\.5<\/td><td>0\.5<\/td><td>5\.3<\/td><td>36\.1<\/td><td>1\.4<\/td><td>0<\/td><td>8\.6<\/td><\/tr>/);
  assert.match(html, /<tr><td>2: member #1<\/td><td colspan="8">no stopping log<\/td><\/tr>/);
  assert.match(html, /<tr><td>2: member #2<\/td><td>10<\/td><td>2<\/td><td>—<\/td>/);
});

test("a member's stopping log line gives its batches and step times; other lines give nothing", () => {
  const line = JSON.stringify({ level: 30, time: 1, msg: 'processor stopping', eventsIn: 90, findingsOut: 3, batches: 12, stageSeconds: { decode: 0.012, sinks: 0.48, bad: 'x' } });
  assert.deepEqual(parseStoppingLine(line), { batches: 12, eventsIn: 90, stageSeconds: { decode: 0.012, sinks: 0.48 } });
  assert.deepEqual(batchSteps(parseStoppingLine(line)), { batches: 12, eventsPerBatch: 7.5, msPerBatch: { decode: 1, sinks: 40 } });
  assert.equal(parseStoppingLine(JSON.stringify({ msg: 'processor consuming' })), null);
  assert.equal(parseStoppingLine('{"msg":"processor stopping", truncated'), null);
  assert.equal(batchSteps(null), null);
});

test('each chart draws one series per configuration with its points', () => {
  const charts = Object.fromEntries(buildReport(RESULT).charts.map((c) => [c.name, c.svg]));
  // Throughput: the offered rate, in and out per configuration; latency: p50/p95/p99 per configuration, two points each.
  assert.equal((charts.throughput!.match(/<path /g) ?? []).length, 5);
  assert.match(charts.throughput!, />offered</);
  assert.equal((charts.latency!.match(/<path /g) ?? []).length, 6);
  assert.equal((charts.latency!.match(/<circle /g) ?? []).length, 12);
  assert.match(charts.latency!, />p99, 1 member</);
  assert.equal((charts.memory!.match(/<path /g) ?? []).length, 3);
  // Partitions: one bar per member (1 + 2); anchors: the measured anchor and the two runs (kcat had no figure).
  assert.equal((charts.partitions!.match(/<rect x=/g) ?? []).length, 3);
  assert.equal((charts.anchors!.match(/<rect x=/g) ?? []).length, 3);
  assert.match(charts.anchors!, /Sluice, 2 members/);
  assert.match(charts.partitions!, />75 % of the events, 6 partitions</);
  assert.doesNotMatch(charts.anchors!, /kcat/);
});

test('a line chart maps data to pixels: y=0 on the axis, the maximum at the top of the nice range', () => {
  const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#000', points: [[0, 0], [10, 100]] }], width: 720, height: 320 });
  // Plot area: left 64, width 720-64-170 = 486; top 36, height 320-36-44 = 240; y max nice(100) = 100; x max 10.
  assert.match(svg, /<path d="M64\.0 276\.0 L550\.0 36\.0"/);
});

test('a log bar chart gives each decade the same width', () => {
  const svg = barChart({ title: 't', xLabel: 'x', log: true, bars: [{ label: 'a', value: 10, color: '#000' }, { label: 'b', value: 1000, color: '#000' }] });
  const widths = [...svg.matchAll(/<rect x="250" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  // Width 720 - 250 - 150 = 320 over 3 decades.
  assert.deepEqual(widths, [106.7, 320]);
});

test('axis helpers: nice maxima, short numbers, escaping', () => {
  assert.equal(niceCeil(0.9), 1);
  assert.equal(niceCeil(130), 150);
  assert.equal(niceCeil(27_000), 30_000);
  assert.equal(niceCeil(2400), 2500);
  assert.equal(niceCeil(5000), 5000);
  assert.equal(fmt(1500), '1.5k');
  assert.equal(fmt(2_000_000), '2M');
  assert.equal(fmt(42), '42');
  assert.equal(fmt(0.25), '0.25');
  assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
});

test('the summary names every configuration and anchor', () => {
  const lines = summaryLines(RESULT);
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^1 member: produced 1500, consumed 1500, out 250\/s mean, 300\/s peak; latency p50\/p95\/p99 30\/1000\/1000 ms; attacks found 5\/6/);
  assert.match(lines[3]!, /anchor kcat -P: -\/s/);
});

test('the PNG export rasterizes a chart at the requested width', () => {
  const png = svgToPng(buildReport(RESULT).charts[0]!.svg, 360);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 360);
});

test('command-line options: defaults, values, and errors for unknown or bad ones', () => {
  const d = parseMainArgs([]);
  assert.deepEqual([d.rate, d.seconds, d.members, d.png, d.fromSource, d.kafkaNodes], [600, 30, [1, 2, 3], true, false, 3]);
  const a = parseMainArgs(['--rate=2000', '--seconds=9', '--members=2', '--no-png', '--from-source', '--kafka-nodes=1']);
  assert.deepEqual([a.rate, a.seconds, a.members, a.png, a.fromSource, a.kafkaNodes], [2000, 9, [2], false, true, 1]);
  assert.throws(() => parseMainArgs(['--kafka-nodes=0']), /--kafka-nodes must be a number >= 1/);
  assert.throws(() => parseMainArgs(['--rates=1']), /unknown option --rates=1/);
  assert.throws(() => parseMainArgs(['--members=0']), /--members/);
  assert.throws(() => parseMainArgs(['--rate=abc']), /--rate must be a number/);
  assert.deepEqual(d.memberConfig, {});
  assert.deepEqual(parseMainArgs(['--member-config={"kafka":{"partitionsConsumedConcurrently":12}}']).memberConfig, { kafka: { partitionsConsumedConcurrently: 12 } });
  assert.throws(() => parseMainArgs(['--member-config=[1]']), /--member-config must be a JSON object/);
  assert.throws(() => parseMainArgs(['--member-config={kafka']), /--member-config must be a JSON object: /);
});

test('member config: extra settings merged key by key over the run\'s own', () => {
  const base = { kafka: { brokers: ['b:9092'], maxWaitTimeMs: 100 }, log: { level: 'info' } };
  assert.deepEqual(deepMerge(base, { kafka: { partitionsConsumedConcurrently: 12 }, log: 'x' }), { kafka: { brokers: ['b:9092'], maxWaitTimeMs: 100, partitionsConsumedConcurrently: 12 }, log: 'x' });
  assert.deepEqual(base.kafka, { brokers: ['b:9092'], maxWaitTimeMs: 100 }, 'the base is not changed');
});

test('moving average and the latency at half the peak rate', () => {
  assert.deepEqual(movingAverage([[1, 0], [2, 300], [3, 0], [4, 600]]), [[1, 150], [2, 100], [3, 300], [4, 300]]);
  // Peak 300 -> half 150: the 100/s step (p99 of [10, 20] = 20); peak 500 -> half 250: still the 100/s step.
  assert.deepEqual(latencyAtHalfPeak(RESULT.runs[0]!), { offered: 100, p99: 20 });
  assert.deepEqual(latencyAtHalfPeak({ ...RESULT.runs[0]!, peakOutPerSec: 600 }), { offered: 300, p99: 1000 });
  assert.equal(latencyAtHalfPeak({ ...RESULT.runs[0]!, peakOutPerSec: 150 }), null);
});
