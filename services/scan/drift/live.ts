/**
 * The live side of drift: AWS Config items read with the aws_config collector (every form it
 * accepts: single items, snapshots, history files, API responses, notifications, NDJSON, gzip),
 * newest version per resource. Deleted resources and items without a configuration are dropped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { awsConfigCollector } from '../../collectors/aws_config/index.ts';
import type { ConfigState } from '../../core/model/config-state.ts';

/** Bytes read per live file at most (the scan's own per-file cap). */
export const MAX_LIVE_FILE_BYTES = 64 * 1024 * 1024;
/** Files read from live directories at most. */
export const MAX_LIVE_FILES = 20_000;

const LIVE_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;

/** A live input that could not be used: the CLI reports it and exits 2. */
export class LiveInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveInputError';
  }
}

/** What was read from the live inputs. */
export interface LiveInventory {
  /** The newest configuration of each resource (by resource uid), deletions removed. */
  items: ConfigState[];
  files: number;
  /** Records the aws_config collector rejected (not configuration items), with their reason. */
  rejected: Array<{ file: string; reason: string }>;
}

function listFiles(path: string, out: string[]): void {
  for (const d of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= MAX_LIVE_FILES) return;
    const p = join(path, d.name);
    if (d.isDirectory()) listFiles(p, out);
    else if (d.isFile() && LIVE_FILE.test(d.name)) out.push(p);
  }
}

/** Normalizes one live file's bytes; items and rejections are appended. */
export function collectLive(name: string, bytes: Buffer, items: ConfigState[], rejected: LiveInventory['rejected']): void {
  for (const o of awsConfigCollector().collect({ name, bytes })) {
    if (o.kind === 'dead_letter') rejected.push({ file: name, reason: o.reason });
    else if (o.stream === 'config') items.push(o.event);
  }
}

/** Keeps the newest version per resource uid; a resource whose newest version is a deletion is gone. */
export function newestPerResource(items: readonly ConfigState[]): ConfigState[] {
  const newest = new Map<string, ConfigState>();
  for (const e of items) {
    const prev = newest.get(e.resource.uid);
    if (!prev || e.time >= prev.time) newest.set(e.resource.uid, e);
  }
  return [...newest.values()].filter((e) => e.change_type !== 'delete' && e.configuration !== null).sort((a, b) => a.resource.uid.localeCompare(b.resource.uid));
}

/**
 * Reads `--live` paths (files, or directories walked for `*.json`, `*.ndjson`, `*.jsonl`, also
 * gzipped). Throws LiveInputError when a path is missing or unreadable, or when the inputs hold
 * no AWS Config item at all (a drift check against nothing would pass silently).
 */
export function readLiveInputs(paths: readonly string[]): LiveInventory {
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new LiveInputError(`--live ${p}: no such file or directory`);
    const st = statSync(p);
    if (st.isDirectory()) listFiles(p, files);
    else if (st.isFile()) files.push(p);
    else throw new LiveInputError(`--live ${p}: not a regular file or directory`);
  }
  if (files.length === 0) throw new LiveInputError(`--live ${paths.join(' ')}: no .json, .ndjson or .jsonl file found`);
  const all: ConfigState[] = [];
  const rejected: LiveInventory['rejected'] = [];
  for (const f of files) {
    if (statSync(f).size > MAX_LIVE_FILE_BYTES) throw new LiveInputError(`--live ${f}: larger than ${MAX_LIVE_FILE_BYTES} bytes`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch (err) {
      throw new LiveInputError(`--live ${f}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    collectLive(f, bytes, all, rejected);
  }
  if (all.length === 0) {
    const why = rejected.length > 0 ? `; first problem: ${rejected[0]!.file}: ${rejected[0]!.reason}` : '';
    throw new LiveInputError(`--live: no AWS Config configuration item in ${files.length} file(s)${why}`);
  }
  return { items: newestPerResource(all), files: files.length, rejected };
}
