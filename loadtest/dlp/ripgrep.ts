/**
 * The ripgrep part of the DLP bench: ripgrep runs the same pattern families as the detector
 * (rg-families.ts), with `--json` so that every match's byte offset is scored against the planted
 * truth exactly as the detector's findings are (family, file, offset and length of the value).
 *
 * - `whole_corpus`: ripgrep on every file, `-j 1` and default threads (alternated, twice, the faster
 *   kept), next to the detector's MB/s with 1 and 2 worker threads from the same run, in three
 *   strategies: grouped passes (anchored families together, the others alone), one pass per family,
 *   and one combined pass (whose recall loses values overlapped by another family's match: one regex
 *   pass reports one match per span). The ratio is taken against the fastest strategy whose recall
 *   equals the detector's.
 * - `per_family`: on a sample of whole files, ripgrep `-j 1` with one family's patterns against the
 *   detector's scan engine with only that type enabled (one thread each): MB/s, precision, recall,
 *   and the speed ratio when both recalls are equal (within RECALL_TOLERANCE).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BUILTIN_DATA_TYPES, buildEngine, parseDlpConfig, type BuiltinDataType, type DlpConfigInput, type PrefilterKind } from '../../services/detectors/dlp/index.ts';
import type { CorpusFile } from './corpus.ts';
import { combinedOrder, NOT_EXPRESSED, passGroups, RG_FAMILIES, toRust, ValueLocator, type RgFamily } from './rg-families.ts';

const MB = 1024 * 1024;
/** Shortest CPU time turned into a rate (GNU time's resolution is 10 ms). */
const MIN_CPU_MS = 50;
/** Two recalls are "equal" within this. */
export const RECALL_TOLERANCE = 0.01;

const mbps = (bytes: number, ms: number): number => +(bytes / MB / (ms / 1000)).toFixed(1);

/** One ripgrep match: file name, absolute byte offset of the match, matched text. */
export interface RgMatch {
  file: string;
  offset: number;
  text: string;
}

/** A located value: [file, type, offset, length], as the detector's findings are compared. */
export type Placement = [file: string, type: string, offset: number, length: number];

interface JsonText {
  text?: string;
  bytes?: string;
}
interface RgJsonMatch {
  type: string;
  data: { path: JsonText; absolute_offset: number; lines: JsonText; submatches: Array<{ match: JsonText; start: number; end: number }> };
}

const textOf = (t: JsonText): string => t.text ?? Buffer.from(t.bytes ?? '', 'base64').toString('latin1');

/** Parses `rg --json` output into matches (offsets are bytes of the file). */
export function parseRgJson(stdout: string): RgMatch[] {
  const out: RgMatch[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"type":"match"')) continue;
    const m = JSON.parse(line) as RgJsonMatch;
    const file = basename(textOf(m.data.path));
    for (const s of m.data.submatches) out.push({ file, offset: m.data.absolute_offset + s.start, text: textOf(s.match) });
  }
  return out;
}

/** Arguments shared by every ripgrep run: no config, multi-line (PEM blocks span lines; the detector scans text, not lines), JSON. */
function rgArgs(families: readonly RgFamily[], threads: number | null): string[] {
  const patterns = families.flatMap((f) => f.patterns).flatMap((p) => ['-e', toRust(p)]);
  return ['--no-config', '--no-ignore', '--hidden', '--no-messages', '-U', '--json', ...(threads === null ? [] : ['-j', String(threads)]), ...patterns];
}

/** GNU time, when installed, gives ripgrep's CPU seconds (less sensitive than wall time to other jobs on a shared machine). */
const GNU_TIME = '/usr/bin/time';
const hasGnuTime = (): boolean => existsSync(GNU_TIME);

/** Runs ripgrep; throws with its stderr when it fails (exit 2), e.g. a pattern it does not accept. `cpuMs` is user + system time, or null without GNU time. */
export function runRg(families: readonly RgFamily[], threads: number | null, targets: string[]): { ms: number; cpuMs: number | null; matches: RgMatch[] } {
  const args = [...rgArgs(families, threads), '--', ...targets];
  const timeFile = join(tmpdir(), `sluice-rg-time-${process.pid}`);
  const timed = hasGnuTime();
  const t0 = process.hrtime.bigint();
  const r = timed
    ? spawnSync(GNU_TIME, ['-f', '%U %S', '-o', timeFile, 'rg', ...args], { encoding: 'utf8', maxBuffer: 2048 * MB })
    : spawnSync('rg', args, { encoding: 'utf8', maxBuffer: 2048 * MB });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`rg exited ${r.status}: ${(r.stderr ?? '').slice(0, 2000)}`);
  let cpuMs: number | null = null;
  if (timed) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    rmSync(timeFile, { force: true });
    cpuMs = ((user ?? 0) + (sys ?? 0)) * 1000;
  }
  return { ms, cpuMs, matches: parseRgJson(r.stdout) };
}

/** Places ripgrep matches: family and value span (matches no family explains are returned apart). */
export function place(matches: readonly RgMatch[], families: readonly RgFamily[]): { placed: Placement[]; unplaced: number } {
  const locator = new ValueLocator(families);
  const placed: Placement[] = [];
  let unplaced = 0;
  for (const m of matches) {
    const v = locator.locate(m.text);
    if (v === null) unplaced++;
    else placed.push([m.file, v.type, m.offset + v.offset, v.length]);
  }
  return { placed, unplaced };
}

export interface TypeScore {
  planted: number;
  found: number;
  true_positives: number;
  precision: number;
  recall: number;
}

/** Precision and recall per type: a placement is correct when type, file, offset and length equal a planted one (each counted once). */
export function score(files: readonly CorpusFile[], found: readonly Placement[], types: readonly BuiltinDataType[] = BUILTIN_DATA_TYPES): Record<string, TypeScore> {
  const truth = new Set<string>();
  const planted: Record<string, number> = {};
  for (const f of files) {
    for (const t of f.truth) {
      truth.add(`${f.name}|${t.type}|${t.offset}|${t.length}`);
      planted[t.type] = (planted[t.type] ?? 0) + 1;
    }
  }
  const seen = new Set<string>();
  const tp: Record<string, number> = {};
  const n: Record<string, number> = {};
  for (const [file, type, offset, length] of found) {
    const k = `${file}|${type}|${offset}|${length}`;
    n[type] = (n[type] ?? 0) + 1;
    if (truth.has(k) && !seen.has(k)) tp[type] = (tp[type] ?? 0) + 1;
    seen.add(k);
  }
  const out: Record<string, TypeScore> = {};
  for (const type of types) {
    const t = tp[type] ?? 0;
    const p = planted[type] ?? 0;
    const f = n[type] ?? 0;
    out[type] = { planted: p, found: f, true_positives: t, precision: +(f === 0 ? 1 : t / f).toFixed(4), recall: +(p === 0 ? 1 : t / p).toFixed(4) };
  }
  return out;
}

/** Micro-averaged recall over types. */
function overallRecall(s: Record<string, TypeScore>): number {
  const p = Object.values(s).reduce((a, x) => a + x.planted, 0);
  const t = Object.values(s).reduce((a, x) => a + x.true_positives, 0);
  return p === 0 ? 1 : +(t / p).toFixed(4);
}

/** Whole files until `maxBytes` is reached: the per-family sample. */
function sampleFiles(files: readonly CorpusFile[], maxBytes: number): CorpusFile[] {
  const out: CorpusFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (bytes >= maxBytes) break;
    out.push(f);
    bytes += f.bytes;
  }
  return out;
}

/** The detector's scan engine with only `type` enabled (all types for null), on whole files read from disk (read included in the time). */
function detectorOnly(files: readonly CorpusFile[], type: BuiltinDataType | null, config: DlpConfigInput, prefilter: PrefilterKind): { ms: number; cpuMs: number; found: Placement[] } {
  const disabledTypes = type === null ? [] : BUILTIN_DATA_TYPES.filter((t) => t !== type);
  const engine = buildEngine(parseDlpConfig({ ...config, enabled: true, disabledTypes }), prefilter);
  engine.scan(readFileSync(files[0]!.path).toString('latin1').slice(0, MB)); // warm-up
  const found: Placement[] = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const text = readFileSync(f.path).toString('latin1');
    for (const m of engine.scan(text)) found.push([f.name, m.def.id, m.start, m.end - m.start]);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  // Process CPU time: the worker threads have ended, so this is the main thread (and the GC's helpers).
  return { ms, cpuMs: (c.user + c.system) / 1000, found };
}

export interface RipgrepOptions {
  files: CorpusFile[];
  /** The detector's MB/s (whole pipeline: chunker + detector) with 1 and 2 worker threads, from the same run. */
  dlpOneThread: number;
  dlpTwoThreads: number;
  /** The detector's placements from the 1-thread run (for the combined comparison). */
  dlpFound: readonly Placement[];
  config: DlpConfigInput;
  prefilter: PrefilterKind;
  /** Bytes of whole files for the per-family comparison. */
  sampleBytes: number;
}

/** The ripgrep comparison; a note when `rg` is not on PATH. */
export function ripgrepComparison(o: RipgrepOptions): Record<string, unknown> {
  const probe = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { note: 'rg (ripgrep) is not on PATH: no comparison (apt-get install ripgrep)' };
  const bytes = o.files.reduce((n, f) => n + f.bytes, 0);
  const order = combinedOrder();

  const paths = o.files.map((f) => f.path);
  const dlpScore = score(o.files, o.dlpFound);
  const dlpRecall = overallRecall(dlpScore);

  // Three ways to run ripgrep over every family: passes over groups of families (their matches merged).
  const strategy = (groups: RgFamily[][], threads: number | null): { ms: number; cpuMs: number | null; placed: Placement[]; matches: number; unplaced: number } => {
    let ms = 0;
    let cpuMs: number | null = 0;
    let matches = 0;
    let unplaced = 0;
    const placed: Placement[] = [];
    for (const g of groups) {
      const r = runRg(g, threads, paths);
      ms += r.ms;
      cpuMs = cpuMs === null || r.cpuMs === null ? null : cpuMs + r.cpuMs;
      matches += r.matches.length;
      const p = place(r.matches, g);
      placed.push(...p.placed);
      unplaced += p.unplaced;
    }
    return { ms, cpuMs, placed, matches, unplaced };
  };
  const strategies: Array<[name: string, groups: RgFamily[][], note: string]> = [
    ['grouped_passes', passGroups(), 'anchored families in one pass, each family without a literal anchor or with a keyword context in its own'],
    ['one_pass_per_family', RG_FAMILIES.map((f) => [f]), 'one pass per family'],
    ['one_combined_pass', [order], 'all families in one alternation (rank order): leftmost-first matching reports one match per span, so values overlapped by another family\'s match are lost'],
  ];
  const rgStrategies: Record<string, { passes: number; mb_s_1_thread: number; mb_s_default_threads: number; cpu_mb_s_1_thread: number | null; matches: number; matches_no_family: number; recall: number; equal_recall: boolean; note: string }> = {};
  const scores: Record<string, Record<string, TypeScore>> = {};
  for (const [name, groups, note] of strategies) {
    // -j 1 and default threads alternated, twice; the faster of each kept.
    const runs = [strategy(groups, 1), strategy(groups, null), strategy(groups, 1), strategy(groups, null)];
    const s = score(o.files, runs[0]!.placed);
    scores[name] = s;
    const recall = overallRecall(s);
    rgStrategies[name] = {
      passes: groups.length,
      mb_s_1_thread: mbps(bytes, Math.min(runs[0]!.ms, runs[2]!.ms)),
      mb_s_default_threads: mbps(bytes, Math.min(runs[1]!.ms, runs[3]!.ms)),
      cpu_mb_s_1_thread: runs[0]!.cpuMs === null || runs[2]!.cpuMs === null ? null : mbps(bytes, Math.min(runs[0]!.cpuMs, runs[2]!.cpuMs)),
      matches: runs[0]!.matches,
      matches_no_family: runs[0]!.unplaced,
      recall,
      equal_recall: Math.abs(recall - dlpRecall) <= RECALL_TOLERANCE,
      note,
    };
  }
  const eligible = Object.entries(rgStrategies).filter(([, v]) => v.equal_recall);
  const best = eligible.sort((a, b) => b[1].mb_s_1_thread - a[1].mb_s_1_thread)[0];
  const wholeCorpus = {
    dlp: { mb_s_1_thread: o.dlpOneThread, mb_s_2_threads: o.dlpTwoThreads, recall: dlpRecall },
    rg: rgStrategies,
    at_equal_recall:
      best === undefined
        ? { note: 'no ripgrep strategy reached the detector\'s recall' }
        : {
            rg_strategy: best[0],
            ratio_dlp_1_thread_to_rg_1_thread: +(o.dlpOneThread / best[1].mb_s_1_thread).toFixed(3),
            ratio_dlp_2_threads_to_rg_default: +(o.dlpTwoThreads / best[1].mb_s_default_threads).toFixed(3),
          },
    per_type: Object.fromEntries(
      BUILTIN_DATA_TYPES.map((t) => [t, { planted: dlpScore[t]!.planted, dlp: pr(dlpScore[t]!), ...Object.fromEntries(Object.entries(scores).map(([n, s]) => [`rg_${n}`, pr(s[t]!)])) }]),
    ),
  };

  // On a sample of whole files, one thread each: all types, then family by family. Wall and CPU time.
  const sample = sampleFiles(o.files, o.sampleBytes);
  const sampleBytes = sample.reduce((n, f) => n + f.bytes, 0);
  const samplePaths = sample.map((f) => f.path);
  const rate = (ms: number): number => mbps(sampleBytes, ms);
  // GNU time counts in 10 ms steps: CPU times under MIN_CPU_MS are not turned into a rate.
  const cpuRate = (ms: number | null): number | null => (ms === null || ms < MIN_CPU_MS ? null : mbps(sampleBytes, ms));
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : +(a / b).toFixed(2));
  const grouped = (): { ms: number; cpuMs: number | null } => {
    let ms = 0;
    let cpuMs: number | null = 0;
    for (const g of passGroups()) {
      const r = runRg(g, 1, samplePaths);
      ms += r.ms;
      cpuMs = cpuMs === null || r.cpuMs === null ? null : cpuMs + r.cpuMs;
    }
    return { ms, cpuMs };
  };
  // Alternated, twice; the faster of each kept.
  const d1 = detectorOnly(sample, null, o.config, o.prefilter);
  const g1 = grouped();
  const d2 = detectorOnly(sample, null, o.config, o.prefilter);
  const g2 = grouped();
  const dlpAll = { ms: Math.min(d1.ms, d2.ms), cpuMs: Math.min(d1.cpuMs, d2.cpuMs) };
  const rgGrouped = { ms: Math.min(g1.ms, g2.ms), cpuMs: g1.cpuMs === null || g2.cpuMs === null ? null : Math.min(g1.cpuMs, g2.cpuMs) };
  const perFamily: Record<string, unknown> = {};
  let equal = 0;
  let faster = 0;
  for (const fam of RG_FAMILIES) {
    const rg = runRg([fam], 1, samplePaths);
    const rgS = score(sample, place(rg.matches, [fam]).placed, [fam.type])[fam.type]!;
    const det = detectorOnly(sample, fam.type, o.config, o.prefilter);
    const detS = score(sample, det.found, [fam.type])[fam.type]!;
    const same = Math.abs(rgS.recall - detS.recall) <= RECALL_TOLERANCE;
    const cpuRatio = ratio(cpuRate(det.cpuMs), cpuRate(rg.cpuMs));
    if (same) equal++;
    if (same && (cpuRatio ?? ratio(rate(det.ms), rate(rg.ms))!) >= 1) faster++;
    perFamily[fam.type] = {
      planted: rgS.planted,
      rg: { mb_s: rate(rg.ms), cpu_mb_s: cpuRate(rg.cpuMs), ...pr(rgS) },
      dlp: { mb_s: rate(det.ms), cpu_mb_s: cpuRate(det.cpuMs), ...pr(detS) },
      ratio_at_equal_recall: same ? ratio(rate(det.ms), rate(rg.ms)) : null,
      cpu_ratio_at_equal_recall: same ? cpuRatio : null,
      rg_limits: fam.limits,
    };
  }
  return {
    version: probe.stdout.split('\n', 1)[0],
    engine: 'default (Rust regex), ASCII mode, -U (multi-line), --json; offsets scored like the detector findings',
    cpu_time: hasGnuTime() ? 'ripgrep: GNU time (user + sys); detector: process.cpuUsage of the main thread run' : 'not measured (/usr/bin/time missing)',
    whole_corpus: wholeCorpus,
    per_family: {
      sample_mb: +(sampleBytes / MB).toFixed(1),
      files: sample.length,
      all_types: {
        dlp: { mb_s: rate(dlpAll.ms), cpu_mb_s: cpuRate(dlpAll.cpuMs) },
        rg_grouped_passes: { mb_s: rate(rgGrouped.ms), cpu_mb_s: cpuRate(rgGrouped.cpuMs) },
        ratio: ratio(rate(dlpAll.ms), rate(rgGrouped.ms)),
        cpu_ratio: ratio(cpuRate(dlpAll.cpuMs), cpuRate(rgGrouped.cpuMs)),
      },
      families_equal_recall: equal,
      families_dlp_faster_at_equal_recall: faster,
      recall_tolerance: RECALL_TOLERANCE,
      families: perFamily,
    },
    not_expressed: NOT_EXPRESSED,
  };
}

function pr(s: TypeScore): { found: number; precision: number; recall: number } {
  return { found: s.found, precision: s.precision, recall: s.recall };
}
