/**
 * Benchmark worker thread: scans whole objects (files) through the object_storage chunker and the
 * dlp detector, and reports the findings' placements and its timings. One object is only ever
 * scanned by one worker (key affinity), so the detector runs single-threaded as in the processor.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ManualClock } from '../../services/core/clock.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { chunkBuffer, type ObjectDescriptor } from '../../services/collectors/object_storage/index.ts';
import { parseObjectStorageConfig } from '../../services/collectors/object_storage/index.ts';
import { createDlpDetector, type DlpConfigInput, type DlpObjectState } from '../../services/detectors/dlp/index.ts';
import type { PrefilterKind } from '../../services/detectors/dlp/index.ts';

/** What the main thread sends. */
export interface BenchWorkerData {
  files: Array<{ name: string; path: string }>;
  chunkBytes: number;
  config: DlpConfigInput;
  prefilter: PrefilterKind;
}

/** What a worker answers: `ready`, then after `go`, `done`. */
export type BenchWorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; bytes: number; chunks: number; wallMs: number; detectMs: number; found: Array<[file: string, type: string, offset: number, length: number]> };

const data = workerData as BenchWorkerData;
const port = parentPort!;
const detector = createDlpDetector({ ...data.config, enabled: true }, { clock: new ManualClock(0), state: new MemoryKeyedState<DlpObjectState>(), emit: () => undefined }, { prefilter: data.prefilter });
const config = parseObjectStorageConfig({ chunkBytes: data.chunkBytes, maxObjectBytes: 1 << 30 });
const clock = new ManualClock(0);

port.once('message', () => {
  const found: Array<[string, string, number, number]> = [];
  let bytes = 0;
  let chunks = 0;
  let detectNs = 0n;
  const t0 = process.hrtime.bigint();
  for (const f of data.files) {
    const content = readFileSync(f.path);
    const desc: ObjectDescriptor = { store: 'file', bucket: 'corpus', key: f.name, version_id: null, etag: null, size: content.length, declared_content_type: null, declared_content_encoding: null, last_modified: 0 };
    for (const out of chunkBuffer(desc, content, { config, clock, name: f.name })) {
      if (out.kind !== 'event' || out.stream !== 'object_chunk') continue;
      const d0 = process.hrtime.bigint();
      const findings = detector.process(out.event, { key: out.key, topic: 'bench', partition: 0, offset: String(chunks) });
      detectNs += process.hrtime.bigint() - d0;
      chunks++;
      bytes += out.event.size;
      for (const x of findings) {
        if (x.rule === 'object_verdict') continue;
        const e = x.evidences[0]!;
        found.push([f.name, x.rule, Number(e.offset), Number(e.length)]);
      }
    }
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  port.postMessage({ type: 'done', bytes, chunks, wallMs, detectMs: Number(detectNs) / 1e6, found } satisfies BenchWorkerMessage);
});
port.postMessage({ type: 'ready' } satisfies BenchWorkerMessage);
