import type { AvroCodec } from '../../core/avro/codec.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Advisory } from '../../core/model/advisory.ts';
import { STREAMS, topicFor } from '../../core/streams.ts';
import type { Transport } from '../../core/transport.ts';
import type { SluiceConfig } from '../../core/config.ts';
import { loadOsvDb, type OsvDb } from './db.ts';

export interface DbLoadResult {
  /** Advisory events (one per record and package) read from the files. */
  read: number;
  /** Of them, published: new, or with another `modified` or withdrawal than on the topic. */
  published: number;
  /** Already on the topic with the same `modified` and withdrawal: not published again. */
  unchanged: number;
  /** Advisory events found on the topic before loading. */
  onTopic: number;
  errors: OsvDb['errors'];
}

/** What identifies one advisory event and what tells its versions apart. */
function slot(a: Pick<Advisory, 'id' | 'package'>): string {
  return `${a.id}\u0000${a.package.ecosystem}\u0000${a.package.name}`;
}
function version(a: Pick<Advisory, 'modified' | 'withdrawn'>): string {
  return `${a.modified}\u0000${a.withdrawn ?? ''}`;
}

/**
 * `sluice vulns db load`: publishes OSV records onto the advisory topic, incrementally. The topic
 * is read first (every partition, start to end) to learn the `modified` and withdrawal of each
 * (advisory, package) already there; only events that are new or differ are published, keyed
 * like the osv collector's, so re-running with the same or a refreshed export publishes only the
 * changes (and the vulns detector rescans only for those).
 */
export async function loadAdvisories(paths: readonly string[], deps: { transport: Transport; codec: AvroCodec; config: SluiceConfig; readTimeoutMs?: number }): Promise<DbLoadResult> {
  const db = loadOsvDb(paths);
  const topic = topicFor('advisory', deps.config.topics);
  const seen = new Map<string, string>();
  let onTopic = 0;
  let partitions = 0;
  try {
    partitions = await deps.transport.partitionCount(topic);
  } catch (err) {
    if (!(err instanceof SluiceError && err.code === 'SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN')) throw err;
  }
  if (partitions > 0) {
    const pending: Array<Promise<void>> = [];
    await deps.transport.readPartitions(
      topic,
      Array.from({ length: partitions }, (_, i) => i),
      (messages) => {
        for (const m of messages) {
          if (m.tombstone) continue;
          pending.push(
            deps.codec.decode<Advisory>(m.value).then(({ value }) => {
              onTopic++;
              seen.set(slot(value), version(value));
            }),
          );
        }
      },
      { timeoutMs: deps.readTimeoutMs ?? 60_000 },
    );
    await Promise.all(pending);
  }
  let read = 0;
  let unchanged = 0;
  const out: Array<{ key: string; value: Buffer }> = [];
  for (const [key, events] of db.byPackage) {
    for (const e of events) {
      read++;
      if (seen.get(slot(e)) === version(e)) {
        unchanged++;
        continue;
      }
      out.push({ key, value: await deps.codec.encode(topic, STREAMS.advisory.schema, e) });
    }
  }
  if (out.length > 0) {
    const producer = await deps.transport.producer();
    try {
      for (let i = 0; i < out.length; i += 500) await producer.send(topic, out.slice(i, i + 500));
    } finally {
      await producer.close();
    }
  }
  return { read, published: out.length, unchanged, onTopic, errors: db.errors };
}
