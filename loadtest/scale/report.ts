/**
 * The load test's report: one self-contained HTML page (inline SVG, no scripts, no external
 * resources) with the charts, the per-configuration table and the anchors; the same charts as
 * separate SVGs for the PNG export (png.ts).
 */
import type { LoadResult, MemberRun } from './result.ts';
import { PALETTE, barChart, escapeXml, fmt, lineChart, type Bar, type Series } from './svg.ts';

export interface Chart {
  /** File stem: throughput, latency, lag, partitions, memory, anchors. */
  name: string;
  title: string;
  svg: string;
}

export interface Report {
  html: string;
  charts: Chart[];
}

const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;
const label = (r: MemberRun): string => `${r.members} member${r.members === 1 ? '' : 's'}`;

/** Centered moving average over `w` points (the ends use what is there): per-second commit counts are bursty. */
export function movingAverage(points: ReadonlyArray<readonly [number, number]>, w = 3): Array<readonly [number, number]> {
  const h = Math.floor(w / 2);
  return points.map((p, i) => {
    const win = points.slice(Math.max(0, i - h), i + h + 1);
    return [p[0], Math.round(win.reduce((a, q) => a + q[1], 0) / win.length)] as const;
  });
}

/**
 * The issue's latency target: p99 at half the maximum sustained rate. Here the maximum is the
 * configuration's peak 5-second out rate, and the step taken is the highest offered rate at or
 * below half of it (null when no step was that low).
 */
export function latencyAtHalfPeak(r: MemberRun): { offered: number; p99: number | null } | null {
  const steps = r.phases.filter((p) => p.offered <= r.peakOutPerSec / 2 && p.latencyMs.n > 0);
  const s = steps[steps.length - 1];
  return s ? { offered: s.offered, p99: s.latencyMs.p99 } : null;
}

export function buildCharts(res: LoadResult): Chart[] {
  const runs = res.runs;
  const longest = runs.reduce<MemberRun | undefined>((a, r) => (!a || r.samples.length > a.samples.length ? r : a), undefined);
  const offered: Series[] = longest ? [{ name: 'offered', color: '#999999', dash: '2 2', points: longest.samples.map((s) => [s.t, s.offered] as const) }] : [];
  const throughput: Series[] = [...offered, ...runs.flatMap((r, i) => [
    { name: `in, ${label(r)}`, color: colorOf(i), dash: '5 4', points: movingAverage(r.samples.map((s) => [s.t, s.inPerSec] as const)) },
    { name: `out, ${label(r)}`, color: colorOf(i), points: movingAverage(r.samples.map((s) => [s.t, s.outPerSec] as const)) },
  ])];
  const dashes: Record<string, string | undefined> = { p50: undefined, p95: '6 3', p99: '2 3' };
  const latency: Series[] = runs.flatMap((r, i) =>
    (['p50', 'p95', 'p99'] as const).map((p) => ({
      name: `${p}, ${label(r)}`,
      color: colorOf(i),
      ...(dashes[p] ? { dash: dashes[p] } : {}),
      points: r.phases.filter((ph) => ph.latencyMs[p] !== null).map((ph) => [ph.offered, ph.latencyMs[p]!] as const),
    })),
  );
  const lag: Series[] = runs.map((r, i) => ({ name: label(r), color: colorOf(i), points: r.samples.map((s) => [s.t, s.lag] as const) }));
  const memory: Series[] = runs.flatMap((r, i) =>
    Array.from({ length: r.members }, (_, m) => ({
      name: `${label(r)}: #${m + 1}`,
      color: colorOf(i),
      ...(m > 0 ? { dash: m === 1 ? '6 3' : '2 3' } : {}),
      points: r.samples.filter((s) => s.rssMb[m] !== undefined).map((s) => [s.t, s.rssMb[m]!] as const),
    })),
  );
  const shareBars: Bar[] = runs.flatMap((r, i) =>
    r.partitionShare.map((p, m) => ({ label: `${label(r)}: member #${m + 1}`, value: Math.round(100 * (r.eventShare[m] ?? 0)), color: colorOf(i), note: `% of the events, ${p} partitions` })),
  );
  const anchorBars: Bar[] = [
    ...res.anchors.filter((a) => a.perSec !== null).map((a) => ({ label: a.name, value: a.perSec!, color: '#777777', note: '/s' })),
    ...runs.map((r, i) => ({ label: `Sluice, ${label(r)}`, value: r.peakOutPerSec, color: colorOf(i), note: 'events/s (peak 5 s)' })),
  ];
  return [
    { name: 'throughput', title: 'Throughput in (acknowledged by the brokers) and out (committed by the group) vs time, 3-second moving average', svg: lineChart({ title: 'Throughput vs time (3 s moving average)', xLabel: 'seconds since producing started', yLabel: 'events/s', series: throughput }) },
    { name: 'latency', title: 'Event-to-finding latency percentiles vs offered load', svg: lineChart({ title: 'Event-to-finding latency vs offered load', xLabel: 'offered load (events/s)', yLabel: 'ms', series: latency, dots: true }) },
    { name: 'lag', title: 'Consumer lag vs time', svg: lineChart({ title: 'Consumer lag vs time', xLabel: 'seconds since producing started', yLabel: 'messages behind', series: lag }) },
    { name: 'partitions', title: 'Share per member: input events in its partitions (activity, config and flow topics), and partitions of the activity topic', svg: barChart({ title: 'Share of the input events per member', xLabel: '% of the events', bars: shareBars }) },
    { name: 'memory', title: 'Resident memory per member process', svg: lineChart({ title: 'Processor RSS vs time', xLabel: 'seconds since producing started', yLabel: 'MB', series: memory }) },
    { name: 'anchors', title: 'Anchors in the same run', svg: barChart({ title: 'Anchors in the same run vs the processor', xLabel: 'per second', bars: anchorBars, log: true }) },
  ];
}

const cell = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));

function half(r: MemberRun): string {
  const h = latencyAtHalfPeak(r);
  return h ? `${cell(h.p99)} (at ${cell(h.offered)}/s)` : '—';
}

export function buildReport(res: LoadResult): Report {
  const charts = buildCharts(res);
  const rows = res.runs
    .map(
      (r) =>
        `<tr><td>${r.members}</td><td>${cell(r.produced)}</td><td>${cell(r.consumed)}</td><td>${cell(r.meanOutPerSec)}</td><td>${cell(r.peakOutPerSec)}</td><td>${cell(r.latencyMs.p50)}</td><td>${cell(r.latencyMs.p95)}</td><td>${cell(r.latencyMs.p99)}</td><td>${r.detected} / ${r.injected}</td><td>${cell(r.findings)}</td><td>${r.drainSeconds === null ? 'not drained' : cell(r.drainSeconds, 1)}</td><td>${cell(Math.max(0, ...r.samples.flatMap((s) => s.rssMb)))}</td><td>${r.partitionShare.join(' / ')}${r.eventShare.length ? ` (${r.eventShare.map((x) => `${Math.round(100 * x)}%`).join(' / ')})` : ''}</td><td>${cell(r.startSeconds, 1)}</td><td>${half(r)}</td></tr>` +
        (r.error ? `<tr><td colspan="15" class="err">${escapeXml(r.error)}</td></tr>` : ''),
    )
    .join('\n');
  const phaseRows = res.runs
    .flatMap((r) => r.phases.map((p) => `<tr><td>${r.members}</td><td>${cell(p.offered)}</td><td>${cell(p.latencyMs.n)}</td><td>${cell(p.latencyMs.p50)}</td><td>${cell(p.latencyMs.p95)}</td><td>${cell(p.latencyMs.p99)}</td><td>${cell(p.latencyMs.max)}</td></tr>`))
    .join('\n');
  const STEPS = ['decode', 'detect', 'sinks', 'side_outputs', 'dead_letters', 'changelog'];
  const stepRows = res.runs
    .flatMap((r) =>
      (r.batchSteps ?? []).map((b, m) =>
        b ? `<tr><td>${r.members}: member #${m + 1}</td><td>${cell(b.batches)}</td><td>${cell(b.eventsPerBatch, 1)}</td>${STEPS.map((k) => `<td>${cell(b.msPerBatch[k], 1)}</td>`).join('')}</tr>` : `<tr><td>${r.members}: member #${m + 1}</td><td colspan="${STEPS.length + 2}">no stopping log</td></tr>`,
      ),
    )
    .join('\n');
  const anchorRows = res.anchors.map((a) => `<tr><td>${escapeXml(a.name)}</td><td>${cell(a.perSec)}</td><td>${escapeXml(a.note)}</td></tr>`).join('\n');
  const feeds = Object.entries(res.corpus.byFeed).map(([f, n]) => `${escapeXml(f)} ${cell(n)}`).join(', ');
  const o = res.options;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice load test ${escapeXml(res.startedAt)}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.err{color:#b00;text-align:left}
figure{margin:1.5em 0}figcaption{font-size:13px;color:#555}svg{max-width:100%;height:auto}
</style></head><body>
<h1>Sluice load test</h1>
<p>${escapeXml(res.startedAt)}; ${res.machine.cores} cores, load average ${res.machine.loadAverage.map((l) => l.toFixed(2)).join(' / ')} at the start, Node ${escapeXml(res.machine.node)}.
${escapeXml(res.services.kafka)}; ${escapeXml(res.services.clickhouse)}.</p>
<p>Offered load: steps of ⅓, ⅔ and 1 × ${cell(o.rate)} events/s over ${o.seconds} s per configuration, members ${o.members.join(', ')} (child processes running <code>sluice processor</code>, ${o.processor === 'compiled' ? 'the compiled build' : 'from the TypeScript sources'}, default detectors plus flow_baseline)${o.memberConfig ? `, with <code>${escapeXml(JSON.stringify(o.memberConfig))}</code> merged into each member's config` : ''}.
Corpus: ${cell(res.corpus.events)} events (${feeds}), ${cell(res.corpus.injected)} injected attacks (1 in ${o.attackEvery} CloudTrail, Kubernetes audit and Azure events), ${cell(res.corpus.ndjsonBytes / res.corpus.events)} NDJSON bytes and ${cell(res.corpus.avroBytes / res.corpus.events)} Avro bytes per event; seed ${o.seed}.</p>
<h2>Per configuration</h2>
<table><tr><th>members</th><th>produced</th><th>consumed</th><th>mean out/s</th><th>peak out/s (5 s)</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>attacks found</th><th>findings</th><th>drain s</th><th>max RSS MB</th><th>partitions (events)</th><th>start s</th><th>p99 ms at ≤ ½ peak</th></tr>
${rows}
</table>
<p>Latency: from the moment the driver handed an injected attack event to the producer to the arrival, on the findings topic, of a finding that lists the event's uid; per offered-load step (n: injected attacks sent in that step). The issue's target is a p99 under 500 ms at half the maximum sustained rate; the last column of the table above takes the configuration's peak 5-second out rate as that maximum.</p>
<table><tr><th>members</th><th>offered/s</th><th>n</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
${phaseRows}
</table>
${
  stepRows
    ? `<h2>Where a batch's time goes</h2>
<p>Per member, from the counters it logs when it stops (warm-up included): partition batches, events per batch, and the mean milliseconds per batch of each step. Sinks (findings and event rows to ClickHouse, findings to the SIEM topic) and side outputs run at once; the dead letters and then the changelog follow; the offset commit comes after.</p>
<table><tr><th>member</th><th>batches</th><th>events per batch</th>${STEPS.map((k) => `<th>${k} ms</th>`).join('')}</tr>
${stepRows}
</table>`
    : ''
}
<h2>Anchors (same run, same machine)</h2>
<table><tr><th>anchor</th><th>per second</th><th>what</th></tr>
${anchorRows}
</table>
${charts.map((c) => `<figure>${c.svg}<figcaption>${escapeXml(c.title)}</figcaption></figure>`).join('\n')}
</body></html>
`;
  return { html, charts };
}

/** Short text summary for the terminal. */
export function summaryLines(res: LoadResult): string[] {
  return [
    ...res.runs.map(
      (r) =>
        `${label(r)}: produced ${r.produced}, consumed ${r.consumed}, out ${fmt(r.meanOutPerSec)}/s mean, ${fmt(r.peakOutPerSec)}/s peak; latency p50/p95/p99 ${r.latencyMs.p50 ?? '-'}/${r.latencyMs.p95 ?? '-'}/${r.latencyMs.p99 ?? '-'} ms; attacks found ${r.detected}/${r.injected}; partitions ${r.partitionShare.join('/')}; start ${r.startSeconds.toFixed(1)} s; max RSS ${Math.max(0, ...r.samples.flatMap((s) => s.rssMb))} MB; p99 at <= half peak: ${half(r)}${r.error ? `; ERROR ${r.error}` : ''}`,
    ),
    ...res.anchors.map((a) => `anchor ${a.name}: ${a.perSec === null ? '-' : fmt(a.perSec)}/s (${a.note})`),
  ];
}
