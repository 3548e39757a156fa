/**
 * `npm run bench -- dlp [--mb N] [--chunk-bytes N] [--dir path] [--prefilter auto|aho-corasick|regex] [--rg-sample-mb N]`
 *
 * Generates a corpus (default 256 MB) of logs, CSV, NDJSON and prose with samples of every dlp data
 * type planted at known offsets (some across every chunk border) and decoys, then reports:
 * the prefilter measurement (Aho-Corasick vs one alternation RegExp) and the choice; MB/s with 1 and
 * 2 worker threads (node:worker_threads, whole objects per thread); precision and recall per type
 * against the planted truth; and, when `rg` is on PATH, ripgrep on the same files with the same
 * pattern families (ripgrep.ts, rg-families.ts): its MB/s, precision and recall next to the
 * detector's, over all families at equal recall and family by family. See loadtest/dlp/README.md.
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BUILTIN_DATA_TYPES } from '../../services/detectors/dlp/index.ts';
import { buildEngine, parseDlpConfig, type DlpConfigInput } from '../../services/detectors/dlp/index.ts';
import { createPrefilter, type PrefilterKind } from '../../services/detectors/dlp/index.ts';
import { writeCorpus, type CorpusFile } from './corpus.ts';
import { ripgrepComparison } from './ripgrep.ts';
import type { BenchWorkerData, BenchWorkerMessage } from './worker.ts';

const MB = 1024 * 1024;
const TARGET = 0.99;

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = args[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
}

/** Worker threads run TypeScript: they need tsx, as the processor's pool does. */
function workerExecArgv(): string[] {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv] : [...process.execArgv, '--import', tsx];
}

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');

const mbps = (bytes: number, ms: number): number => +(bytes / MB / (ms / 1000)).toFixed(1);

interface RunResult {
  threads: number;
  bytes: number;
  wallMs: number;
  detectMs: number[];
  /** Bytes each worker scanned. */
  workerBytes: number[];
  found: Array<[string, string, number, number]>;
}

/** Scans the files with `threads` workers, objects assigned by size (largest first to the least loaded). */
async function runThreads(files: CorpusFile[], threads: number, chunkBytes: number, config: DlpConfigInput, prefilter: PrefilterKind): Promise<RunResult> {
  const groups: CorpusFile[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  for (const f of [...files].sort((a, b) => b.bytes - a.bytes)) {
    const i = load.indexOf(Math.min(...load));
    groups[i]!.push(f);
    load[i]! += f.bytes;
  }
  const workers = groups.map(
    (g) =>
      // A tiny entry script registers tsx's loader in the thread (execArgv alone does not reach a
      // worker's entry on Node 20), then imports the TypeScript worker.
      new Worker(`import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}); });`, {
        eval: true,
        execArgv: workerExecArgv(),
        workerData: { files: g.map((f) => ({ name: f.name, path: f.path })), chunkBytes, config, prefilter } satisfies BenchWorkerData,
      }),
  );
  try {
    const ready = workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    }));
    await Promise.all(ready);
    const t0 = process.hrtime.bigint();
    const done = workers.map((w) => new Promise<Extract<BenchWorkerMessage, { type: 'done' }>>((resolve, reject) => {
      w.once('message', (m: BenchWorkerMessage) => (m.type === 'done' ? resolve(m) : reject(new Error('unexpected worker message'))));
      w.once('error', reject);
    }));
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { threads, bytes: results.reduce((n, r) => n + r.bytes, 0), wallMs, detectMs: results.map((r) => r.detectMs), workerBytes: results.map((r) => r.bytes), found: results.flatMap((r) => r.found) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Precision and recall per type: a finding is correct when type, file, offset and length equal a planted one. */
function accuracy(files: CorpusFile[], found: RunResult['found']) {
  const truth = new Set<string>();
  const planted: Record<string, number> = {};
  const border = { planted: 0, found: 0 };
  const borderKeys = new Set<string>();
  for (const f of files) {
    for (const t of f.truth) {
      const k = `${f.name}|${t.type}|${t.offset}|${t.length}`;
      truth.add(k);
      planted[t.type] = (planted[t.type] ?? 0) + 1;
      if (t.border) {
        border.planted++;
        borderKeys.add(k);
      }
    }
  }
  const seen = new Set<string>();
  const tp: Record<string, number> = {};
  const fp: Record<string, number> = {};
  for (const [file, type, offset, length] of found) {
    const k = `${file}|${type}|${offset}|${length}`;
    if (truth.has(k) && !seen.has(k)) {
      tp[type] = (tp[type] ?? 0) + 1;
      if (borderKeys.has(k)) border.found++;
    } else fp[type] = (fp[type] ?? 0) + 1;
    seen.add(k);
  }
  const perType: Record<string, { planted: number; found: number; precision: number; recall: number }> = {};
  let met = true;
  for (const type of BUILTIN_DATA_TYPES) {
    const t = tp[type] ?? 0;
    const n = t + (fp[type] ?? 0);
    const precision = n === 0 ? 1 : t / n;
    const recall = (planted[type] ?? 0) === 0 ? 1 : t / planted[type]!;
    if (precision < TARGET || recall < TARGET) met = false;
    perType[type] = { planted: planted[type] ?? 0, found: n, precision: +precision.toFixed(4), recall: +recall.toFixed(4) };
  }
  return { per_type: perType, border: { ...border, recall: border.planted ? +(border.found / border.planted).toFixed(4) : 1 }, target: TARGET, targets_met: met };
}

/** Measures the scan engine with each prefilter on one sample text; returns MB/s of the prefilter alone and of the whole scan. */
function measurePrefilters(files: CorpusFile[], config: DlpConfigInput) {
  const cfg = parseDlpConfig({ ...config, enabled: true });
  let text = '';
  for (const f of files) {
    if (text.length >= 32 * MB) break;
    text += readFileSync(f.path).toString('latin1');
  }
  text = text.slice(0, 32 * MB);
  const out: Record<string, { prefilter_only_mb_s: number; scan_mb_s: number; matches: number }> = {};
  for (const kind of ['aho-corasick', 'regex'] as const) {
    const engine = buildEngine(cfg, kind);
    const pf = createPrefilter(kind, engine.literals);
    let n = 0;
    const sink = { literal: () => void n++, digits: () => void n++ };
    pf.scan(text.slice(0, MB), sink); // warm-up
    let t0 = process.hrtime.bigint();
    pf.scan(text, sink);
    const pfMs = Number(process.hrtime.bigint() - t0) / 1e6;
    engine.scan(text.slice(0, MB));
    t0 = process.hrtime.bigint();
    const matches = engine.scan(text).length;
    const scanMs = Number(process.hrtime.bigint() - t0) / 1e6;
    out[kind] = { prefilter_only_mb_s: mbps(text.length, pfMs), scan_mb_s: mbps(text.length, scanMs), matches };
  }
  const chosen: PrefilterKind = out['aho-corasick']!.scan_mb_s >= out.regex!.scan_mb_s ? 'aho-corasick' : 'regex';
  return { sample_mb: +(text.length / MB).toFixed(1), ...out, faster: chosen };
}

/** The benchmark; returns the JSON it reports. */
export async function runDlpBench(args: string[]): Promise<unknown> {
  const totalMb = Number(option(args, 'mb') ?? 256);
  const chunkBytes = Number(option(args, 'chunk-bytes') ?? MB);
  const rgSampleMb = Number(option(args, 'rg-sample-mb') ?? 32);
  if (!(totalMb > 0) || !(chunkBytes >= 1024) || !(rgSampleMb > 0)) {
    throw new Error('usage: dlp [--mb N>0] [--chunk-bytes N>=1024] [--dir path] [--prefilter auto|aho-corasick|regex] [--rg-sample-mb N>0]');
  }
  const keepDir = option(args, 'dir');
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'sluice-dlp-bench-'));
  const config: DlpConfigInput = { verdicts: 'findings', maxFindingsPerObject: 10_000_000 };
  try {
    const g0 = Date.now();
    const files = writeCorpus({ dir, totalBytes: Math.round(totalMb * MB), chunkBytes });
    const generateMs = Date.now() - g0;
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    const planted = files.reduce((n, f) => n + f.truth.length, 0);
    const prefilters = measurePrefilters(files, config);
    const requested = option(args, 'prefilter') ?? 'auto';
    const prefilter: PrefilterKind = requested === 'auto' ? prefilters.faster : (requested as PrefilterKind);
    const one = await runThreads(files, 1, chunkBytes, config, prefilter);
    const two = await runThreads(files, 2, chunkBytes, config, prefilter);
    const oneMbs = mbps(one.bytes, one.wallMs);
    const twoMbs = mbps(two.bytes, two.wallMs);
    return {
      bench: 'dlp',
      corpus: {
        dir: keepDir ?? '(temporary, removed)',
        megabytes: +(bytes / MB).toFixed(1),
        files: files.length,
        formats: [...new Set(files.map((f) => f.format))],
        chunk_bytes: chunkBytes,
        planted_findings: planted,
        planted_across_borders: files.reduce((n, f) => n + f.truth.filter((t) => t.border).length, 0),
        generate_ms: generateMs,
      },
      prefilter: { ...prefilters, used: prefilter },
      throughput: {
        threads_1: { mb_s: oneMbs, wall_ms: Math.round(one.wallMs), detector_only_mb_s: mbps(one.bytes, one.detectMs[0]!) },
        threads_2: { mb_s: twoMbs, wall_ms: Math.round(two.wallMs), detector_only_mb_s_per_thread: two.detectMs.map((ms, i) => mbps(two.workerBytes[i]!, ms)) },
        speedup_2_vs_1: +(twoMbs / oneMbs).toFixed(2),
        same_findings_1_and_2_threads: one.found.length === two.found.length,
      },
      accuracy: accuracy(files, one.found),
      ripgrep: ripgrepComparison({ files, dlpOneThread: oneMbs, dlpTwoThreads: twoMbs, dlpFound: one.found, config, prefilter, sampleBytes: Math.round(rgSampleMb * MB) }),
    };
  } finally {
    if (keepDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
