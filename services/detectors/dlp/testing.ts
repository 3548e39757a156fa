/**
 * Test support: ObjectChunk events cut from bytes at chosen borders, and a detector with in-memory
 * state that records its side outputs. Used by the unit tests and the benchmark.
 */
import { ManualClock } from '../../core/clock.ts';
import type { SideOutput } from '../../core/components.ts';
import { OCSF_VERSION, type Finding } from '../../core/events.ts';
import type { ObjectChunk, ObjectStore } from '../../core/model/object-chunk.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import type { DlpConfigInput } from './config.ts';
import { createDlpDetector, type DlpDetector, type DlpDetectorOptions } from './detector.ts';
import type { DlpObjectState } from './state.ts';

export interface ObjectSpec {
  store?: ObjectStore;
  bucket?: string;
  key?: string;
  contentType?: string;
  versionId?: string | null;
  etag?: string | null;
  contentEncoding?: 'gzip' | null;
  time?: number;
}

/** `<store>://<bucket>/<key>` of a spec (with its defaults). */
export function refOf(spec: ObjectSpec = {}): string {
  return `${spec.store ?? 's3'}://${spec.bucket ?? 'bucket'}/${spec.key ?? 'object.txt'}`;
}

/** The chunks of `bytes` cut at the given offsets (sorted, inside (0, length)); total_chunks on every chunk. */
export function chunksOf(bytes: Buffer, cuts: readonly number[], spec: ObjectSpec = {}): ObjectChunk[] {
  const borders = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  const store = spec.store ?? 's3';
  const bucket = spec.bucket ?? 'bucket';
  const key = spec.key ?? 'object.txt';
  const version = spec.versionId ?? spec.etag ?? 'unversioned';
  const time = spec.time ?? 1_700_000_000_000;
  const n = Math.max(1, borders.length - 1);
  const out: ObjectChunk[] = [];
  for (let i = 0; i < n; i++) {
    const content = bytes.subarray(borders[i]!, borders[i + 1] ?? bytes.length);
    out.push({
      metadata: {
        uid: `${store}://${bucket}/${key}@${version}#${i}`,
        version: OCSF_VERSION,
        product_name: 'test',
        vendor_name: 'test',
        log_name: null,
        original_time: new Date(time).toISOString(),
        source: 'object_storage',
      },
      object: {
        store,
        bucket,
        key,
        version_id: spec.versionId ?? null,
        etag: spec.etag ?? null,
        size: bytes.length,
        content_type: spec.contentType ?? 'text/plain; charset=utf-8',
        declared_content_type: null,
        content_encoding: spec.contentEncoding ?? null,
        last_modified: time,
      },
      chunk_index: i,
      offset: borders[i]!,
      size: content.length,
      is_last: i === n - 1,
      total_chunks: n,
      content,
      time,
    });
  }
  return out;
}

/** A detector with in-memory state and a list of its side outputs. */
export interface TestDetector {
  detector: DlpDetector;
  state: MemoryKeyedState<DlpObjectState>;
  emitted: SideOutput[];
  /** Runs chunks (in the given order) and returns every finding. */
  run(chunks: readonly ObjectChunk[]): Finding[];
}

/** Builds an enabled detector from config input (validated) with in-memory state. */
export function testDetector(config: DlpConfigInput = {}, options: DlpDetectorOptions = {}): TestDetector {
  const state = new MemoryKeyedState<DlpObjectState>();
  const emitted: SideOutput[] = [];
  const detector = createDlpDetector({ enabled: true, ...config }, { clock: new ManualClock(0), state, emit: (o) => emitted.push(o) }, options);
  let offset = 0;
  return {
    detector,
    state,
    emitted,
    run(chunks) {
      const out: Finding[] = [];
      for (const c of chunks) {
        const key = `${c.object.store}://${c.object.bucket}/${c.object.key}`;
        out.push(...detector.process(c, { key, topic: 'sluice.object_chunk.v1', partition: 0, offset: String(offset++) }));
      }
      return out;
    },
  };
}

/** `type@offset+length` of each per-match finding, sorted: the form the tests compare. */
export function placed(findings: readonly Finding[]): string[] {
  return findings
    .filter((f) => f.rule !== 'object_verdict')
    .map((f) => {
      const e = f.evidences[0]!;
      return `${String(e.data_type)}@${String(e.offset)}+${String(e.length)}`;
    })
    .sort();
}
