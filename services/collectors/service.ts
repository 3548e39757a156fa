import type { AvroCodec } from '../core/avro/codec.ts';
import type { Collector, RejectedRecord } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import { STREAMS, topicFor } from '../core/streams.ts';
import type { Logger } from '../core/logger.ts';
import type { OutgoingMessage, Producer } from '../core/transport.ts';
import { listInputFiles, readInput } from './files.ts';

export interface CollectorRunStats {
  files: number;
  read: number;
  normalized: number;
  deadLettered: number;
}

export interface CollectorServiceDeps {
  collector: Collector;
  producer: Producer;
  codec: AvroCodec;
  deadLetters: DeadLetterWriter;
  topics: SluiceConfig['topics'];
  logger: Logger;
  /** Events per produce request. */
  batchSize?: number;
}

/**
 * The collector role: reads input files, normalizes them through one collector, and publishes the
 * events (Avro, keyed by entity) and the rejects (dead-letter topic). Returns once all is acknowledged.
 */
export async function collectFiles(deps: CollectorServiceDeps, paths: readonly string[]): Promise<CollectorRunStats> {
  const files = await listInputFiles(paths);
  const stats: CollectorRunStats = { files: files.length, read: 0, normalized: 0, deadLettered: 0 };
  const batchSize = deps.batchSize ?? 500;
  const pending = new Map<string, OutgoingMessage[]>();
  let rejects: RejectedRecord[] = [];

  const flush = async () => {
    for (const [topic, messages] of pending) {
      if (messages.length) await deps.producer.send(topic, messages);
    }
    pending.clear();
    if (rejects.length) {
      await deps.deadLetters.write(rejects);
      rejects = [];
    }
  };

  for (const file of files) {
    const bytes = await readInput(file);
    for (const out of deps.collector.collect({ name: file, bytes })) {
      stats.read++;
      if (out.kind === 'dead_letter') {
        stats.deadLettered++;
        rejects.push(out);
      } else {
        const topic = topicFor(out.stream, deps.topics);
        try {
          const value = await deps.codec.encode(topic, STREAMS[out.stream].schema, out.event);
          let list = pending.get(topic);
          if (!list) pending.set(topic, (list = []));
          list.push({ key: out.key, value, headers: { 'sluice-source': deps.collector.type, 'sluice-event-uid': out.event.metadata.uid } });
          stats.normalized++;
        } catch (err) {
          stats.deadLettered++;
          rejects.push({
            kind: 'dead_letter',
            stage: 'collect',
            source: deps.collector.type,
            position: out.position,
            reasonCode: 'SLUICE_ERR_SCHEMA_ENCODE',
            reason: (err as Error).message,
            raw: Buffer.from(JSON.stringify(out.event)),
          });
        }
      }
      if (stats.read % batchSize === 0) await flush();
    }
  }
  await flush();
  deps.logger.debug({ collector: deps.collector.type, ...stats }, 'collector finished its inputs');
  return stats;
}
