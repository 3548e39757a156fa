import { statSync } from 'node:fs';
import type { AvroCodec } from '../core/avro/codec.ts';
import type { Collector } from '../core/components.ts';
import type { ComponentConfig, SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { Producer } from '../core/transport.ts';
import type { StreamName } from '../core/streams.ts';
import { readInputOrReject } from './files.ts';
import type { CappedCollector } from './fields.ts';
import { selectInputFiles, type InputFilter, type SkippedInput } from './inputs.ts';
import { EventPublisher } from './publisher.ts';
import type { CollectProgress } from './progress.ts';
import { collectInThread } from './thread/collect-thread.ts';

export type { CollectProgress } from './progress.ts';

export interface CollectorRunStats {
  /** Files read. */
  files: number;
  read: number;
  normalized: number;
  deadLettered: number;
  /** Files of the input directories not read: not feeds by name, or left out by --include/--exclude. */
  skipped: number;
  /** The skipped files with the reason (see collectors/inputs.ts). */
  skippedFiles: SkippedInput[];
  /** Normalized events per stream. */
  byStream: Partial<Record<StreamName, number>>;
  /** String fields cut at MAX_FIELD_CHARS (collectors/fields.ts) by a capped collector. */
  truncatedFields?: number;
}

export interface CollectorServiceDeps {
  collector: Collector;
  producer: Producer;
  codec: AvroCodec;
  deadLetters: DeadLetterWriter;
  topics: SluiceConfig['topics'];
  logger: Logger;
  telemetry: Telemetry;
  /** Events per produce request. */
  batchSize?: number;
  /** --include / --exclude for the files inside input directories. */
  inputFilter?: InputFilter;
  /** Called after each input file (e.g. the terminal progress line of `sluice run`). */
  onProgress?: (p: CollectProgress) => void;
  /**
   * Run the collector and the Avro encoding on their own thread (thread/README.md), the main thread
   * keeping only the producer: the collector is then built on that thread from its type and the
   * `collectors` config, so it must be the one `deps.collector` was built from. `auto` does it
   * when the inputs add up to `minInputBytes` or more (a small run does not pay the thread's start).
   */
  offThread?: { type: string; configs: Readonly<Record<string, ComponentConfig>>; mode: 'auto' | 'always' | 'never'; minInputBytes: number };
}

/** A file's size in bytes, 0 when it cannot be read (the read itself then reports why). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The collector role: reads input files, normalizes them through one collector, and publishes the
 * events (Avro, keyed by entity) and the rejects (dead-letter topic). Returns once all is acknowledged.
 * Every batch of `batchSize` records is one span; its trace context travels in the message headers
 * to the processor.
 */
export async function collectFiles(deps: CollectorServiceDeps, paths: readonly string[]): Promise<CollectorRunStats> {
  const { files, skipped } = await selectInputFiles(paths, deps.collector.type, deps.inputFilter);
  for (const s of skipped) deps.logger.debug({ file: s.path, reason: s.reason }, 'input file skipped');
  const publisher = new EventPublisher({
    source: deps.collector.type,
    producer: deps.producer,
    codec: deps.codec,
    deadLetters: deps.deadLetters,
    topics: deps.topics,
    telemetry: deps.telemetry,
    ...(deps.batchSize !== undefined ? { batchSize: deps.batchSize } : {}),
  });
  const sizes = files.map(fileSize);
  const progress: CollectProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: sizes.reduce((a, b) => a + b, 0), read: 0, normalized: 0, deadLettered: 0 };
  const fileDone = (i: number): void => {
    if (!deps.onProgress) return;
    progress.filesDone = i + 1;
    progress.bytesDone += sizes[i]!;
    progress.read = publisher.counts.read;
    progress.normalized = publisher.counts.normalized;
    progress.deadLettered = publisher.counts.deadLettered;
    deps.onProgress({ ...progress });
  };
  const off = deps.offThread;
  let truncated = (deps.collector as Partial<CappedCollector>).truncatedFields;
  if (off && files.length > 0 && (off.mode === 'always' || (off.mode === 'auto' && progress.bytesTotal >= off.minInputBytes))) {
    const done = await collectInThread({ type: off.type, configs: off.configs, topics: deps.topics, files, codec: deps.codec, publisher, onFileDone: fileDone, ...(deps.batchSize ? { batchOutputs: deps.batchSize } : {}) });
    if (done.truncatedFields !== undefined) truncated = (truncated ?? 0) + done.truncatedFields;
  } else {
    for (const [i, file] of files.entries()) {
      const input = await readInputOrReject(file, deps.collector.type);
      const outputs = 'reject' in input ? [input.reject] : deps.collector.collect({ name: file, bytes: input.bytes });
      for (const out of outputs) await publisher.add(out);
      fileDone(i);
    }
    truncated = (deps.collector as Partial<CappedCollector>).truncatedFields;
  }
  await publisher.flush();
  const { counts } = publisher;
  const stats: CollectorRunStats = { files: files.length, ...counts, skipped: skipped.length, skippedFiles: skipped };
  if (truncated !== undefined) {
    stats.truncatedFields = truncated;
    if (truncated > 0) deps.logger.info({ collector: deps.collector.type, truncatedFields: truncated }, 'string fields longer than the cap were truncated');
  }
  const { skippedFiles: _skippedFiles, ...summary } = stats;
  deps.logger.debug({ collector: deps.collector.type, ...summary }, 'collector finished its inputs');
  return stats;
}
