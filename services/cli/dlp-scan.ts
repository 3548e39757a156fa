/**
 * `sluice dlp scan <files|dirs>`: local files go through the object_storage collector's chunking
 * (readDirectoryObjects for directories, chunkStream for single files: the code path of S3 and
 * directory sources) and the dlp detector, with in-memory state. Prints masked findings as NDJSON.
 */
import { findingToOcsf } from '../core/ocsf/index.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import type { CollectorOutput, SideOutput } from '../core/components.ts';
import { SluiceError } from '../core/errors.ts';
import type { Finding } from '../core/events.ts';
import { MemoryKeyedState } from '../core/state.ts';
import { chunkStream, type ChunkContext, type ObjectDescriptor } from '../collectors/object_storage/chunker.ts';
import { parseObjectStorageConfig } from '../collectors/object_storage/config.ts';
import { readDirectoryObjects } from '../collectors/object_storage/directory.ts';
import type { DlpConfigInput } from '../detectors/dlp/config.ts';
import { DlpDetector, parseDlpConfig } from '../detectors/dlp/detector.ts';
import { VERDICT_RULE } from '../detectors/dlp/findings.ts';
import type { DlpObjectState } from '../detectors/dlp/state.ts';

/** Options of `sluice dlp scan` (README.md, "CLI"). */
export interface DlpScanOptions {
  /** The detector config (the `detectors.dlp` section); `enabled` is forced on. */
  config?: DlpConfigInput;
  /** Bytes per chunk (the object_storage collector's chunkBytes), default 1 MiB. */
  chunkBytes?: number;
  /** Larger files are not read (reported as rejected), default 5 GiB. */
  maxObjectBytes?: number;
  /** Print verdict findings (default true). */
  verdicts?: boolean;
  /** Print action events as `{"stream":"actions","key":...,"value":...}` lines (default true). */
  actions?: boolean;
  clock?: Clock;
}

/** What a scan found, for the exit status and a closing line on stderr. */
export interface DlpScanSummary {
  objects: number;
  chunks: number;
  bytes: number;
  /** Per-match findings printed (verdicts not included). */
  findings: number;
  findingsByType: Record<string, number>;
  verdicts: number;
  actions: number;
  /** Highest severity_id of any finding, 0 when none. */
  highestSeverityId: number;
  /** Objects not scanned (binary or compressed content), with the reason. */
  skipped: Array<{ object: string; reason: string }>;
  /** Files that could not be read: position and reason (no content). */
  rejected: Array<{ position: string; reason: string }>;
}

async function* fileObjects(path: string, bucket: string, key: string, ctx: ChunkContext): AsyncGenerator<CollectorOutput> {
  const st = await stat(path);
  const hash = createHash('md5');
  if (st.size > 0 && st.size <= ctx.config.maxObjectBytes) for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  const desc: ObjectDescriptor = {
    store: 'file',
    bucket,
    key,
    version_id: null,
    etag: hash.digest('hex'),
    size: st.size,
    declared_content_type: null,
    declared_content_encoding: null,
    last_modified: Math.trunc(st.mtimeMs),
  };
  async function* empty(): AsyncGenerator<Uint8Array> {
    // An empty file has no bytes.
  }
  const source: AsyncIterable<Uint8Array> = st.size > 0 ? createReadStream(path, { start: 0, end: st.size - 1, highWaterMark: 64 * 1024 }) : empty();
  yield* chunkStream(desc, source, ctx);
}

/**
 * Scans files and directories (recursively, hidden entries skipped) and writes one NDJSON line per
 * finding (per match, then the object verdict) and per action event. Nothing raw is written: values
 * are masked as configured. A missing path throws SLUICE_ERR_INPUT_NOT_FOUND before anything is scanned.
 */
export async function dlpScanPaths(paths: string[], options: DlpScanOptions, write: (line: string) => void): Promise<DlpScanSummary> {
  const config = parseDlpConfig({ ...options.config, enabled: true });
  const clock = options.clock ?? systemClock;
  const collectorConfig = parseObjectStorageConfig({
    chunkBytes: options.chunkBytes ?? 1024 * 1024,
    ...(options.maxObjectBytes === undefined ? {} : { maxObjectBytes: options.maxObjectBytes }),
  });
  const kinds: Array<{ path: string; dir: boolean }> = [];
  for (const p of paths) {
    try {
      const st = await stat(p);
      kinds.push({ path: p, dir: st.isDirectory() });
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_INPUT_NOT_FOUND', `${p} does not exist or cannot be read`, { cause });
    }
  }
  const state = new MemoryKeyedState<DlpObjectState>();
  const emitted: SideOutput[] = [];
  const detector = new DlpDetector(config, { clock, state, emit: (o) => emitted.push(o) });
  const summary: DlpScanSummary = { objects: 0, chunks: 0, bytes: 0, findings: 0, findingsByType: {}, verdicts: 0, actions: 0, highestSeverityId: 0, skipped: [], rejected: [] };
  const showVerdicts = options.verdicts ?? true;
  const showActions = options.actions ?? true;

  const handle = (out: CollectorOutput): void => {
    if (out.kind === 'dead_letter') {
      summary.rejected.push({ position: out.position, reason: out.reason });
      return;
    }
    if (out.stream !== 'object_chunk') return;
    const e = out.event;
    summary.chunks++;
    summary.bytes += e.size;
    if (e.is_last) summary.objects++;
    const findings: Finding[] = detector.process(e, { key: out.key, topic: 'local', partition: 0, offset: String(summary.chunks - 1) });
    for (const f of findings) {
      const verdict = f.rule === VERDICT_RULE;
      if (verdict) {
        summary.verdicts++;
        const skipped = f.evidences.find((x) => typeof x.skipped === 'string')?.skipped;
        if (typeof skipped === 'string') summary.skipped.push({ object: out.key, reason: skipped });
      } else {
        summary.findings++;
        summary.findingsByType[f.rule] = (summary.findingsByType[f.rule] ?? 0) + 1;
      }
      if (f.count > 0) summary.highestSeverityId = Math.max(summary.highestSeverityId, f.severity_id);
      if (!verdict || showVerdicts) write(JSON.stringify(findingToOcsf(f)));
    }
    for (const a of emitted.splice(0)) {
      summary.actions++;
      if (showActions) write(JSON.stringify(a));
    }
  };

  for (const { path, dir } of kinds) {
    if (dir) {
      for await (const out of readDirectoryObjects(path, { config: collectorConfig, clock })) handle(out);
    } else {
      const abs = resolve(path);
      const ctx: ChunkContext = { config: collectorConfig, clock, name: abs, sourceErrors: 'reject' };
      for await (const out of fileObjects(abs, basename(dirname(abs)), basename(abs), ctx)) handle(out);
    }
  }
  return summary;
}
