// Topic set-up and cluster checks through the Kafka admin API (kafkajs), for real Kafka clusters
// (local Apache Kafka, testcontainers, your own). The librdkafka mock has no CreateTopics: there,
// topics are pre-created by its launcher (kafka-mock.ts).
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestTopic {
  name: string;
  partitions: number;
  /** Default: min(3, brokers in the cluster). */
  replicationFactor?: number;
  /** A changelog: cleanup.policy=compact, and compaction that runs within seconds (see CHANGELOG_TOPIC_CONFIG). */
  compact?: boolean;
}

/**
 * Changelog topics as a deployment creates them (cleanup.policy=compact), with segments that roll
 * every 5 s and a cleaner that picks up any dirty segment, so the tests restore from logs that the
 * broker really compacted.
 */
export const CHANGELOG_TOPIC_CONFIG: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.ms', value: '5000' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'delete.retention.ms', value: '60000' },
];

export async function withAdmin<T>(brokers: string[], body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'sluice-test-admin', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics that do not exist yet and waits until every broker serves their metadata with a
 * leader for each partition. (kafkajs's waitForLeaders retries only LEADER_NOT_AVAILABLE: a broker that
 * has not applied the new topic from the KRaft metadata log yet answers UNKNOWN_TOPIC_OR_PARTITION,
 * and Sluice's own topic check then fails at once.)
 */
export async function createTestTopics(brokers: string[], topics: readonly TestTopic[], timeoutMs = 60_000): Promise<void> {
  if (topics.length === 0) return;
  await withAdmin(brokers, async (admin) => {
    const size = (await admin.describeCluster()).brokers.length;
    const existing = new Set(await admin.listTopics());
    const wanted: ITopicConfig[] = topics
      .filter((t) => !existing.has(t.name))
      .map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor ?? Math.min(3, size),
        ...(t.compact ? { configEntries: [...CHANGELOG_TOPIC_CONFIG] } : {}),
      }));
    if (wanted.length) await admin.createTopics({ waitForLeaders: false, topics: wanted });
  });
  const deadline = Date.now() + timeoutMs;
  // One client per broker: each asks its seed broker for the metadata.
  await Promise.all(
    brokers.map((b) =>
      withAdmin([b], async (admin) => {
        for (;;) {
          let problem: string;
          try {
            const md = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
            const missing = topics.filter((t) => (md.topics.find((x) => x.name === t.name)?.partitions.filter((p) => p.leader >= 0).length ?? 0) < t.partitions);
            if (missing.length === 0) return;
            problem = `no leaders yet for ${missing.map((t) => t.name).join(', ')}`;
          } catch (e) {
            problem = (e as Error).message;
          }
          if (Date.now() > deadline) throw new Error(`topics not ready on ${b} after ${timeoutMs} ms: ${problem}`);
          await sleep(100);
        }
      }),
    ),
  );
}

export async function deleteTestTopics(brokers: string[], names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  });
}

/** Waits until every partition of the topics has a leader and all its replicas in sync (e.g. after a broker restart). */
export async function waitInSync(brokers: string[], topics: readonly string[], timeoutMs = 120_000): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const deadline = Date.now() + timeoutMs;
    let lagging: string[] = [];
    for (;;) {
      try {
        const md = await admin.fetchTopicMetadata({ topics: [...topics] });
        lagging = md.topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0 || p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId} isr=${p.isr.join(',')} replicas=${p.replicas.join(',')}`));
        if (lagging.length === 0) return;
      } catch (e) {
        lagging = [(e as Error).message];
      }
      if (Date.now() > deadline) throw new Error(`partitions not in sync after ${timeoutMs} ms: ${lagging.slice(0, 10).join('; ')}`);
      await sleep(250);
    }
  });
}

/** The current leader of a partition. */
export async function leaderOf(admin: Admin, topic: string, partition: number): Promise<{ leader: number; replicas: number[] }> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  const p = md.topics[0]?.partitions.find((x) => x.partitionId === partition);
  if (!p) throw new Error(`no partition ${topic}/${partition}`);
  return { leader: p.leader, replicas: [...p.replicas] };
}

async function reassign(admin: Admin, topic: string, partition: number, replicas: number[], timeoutMs: number): Promise<void> {
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition, replicas }] }] });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { topics } = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [partition] }] });
    const pending = topics.some((t) => t.partitions.length > 0);
    if (!pending) {
      const now = await leaderOf(admin, topic, partition);
      if (now.leader >= 0 && now.replicas.join(',') === replicas.join(',')) return;
    }
    if (Date.now() > deadline) throw new Error(`reassignment of ${topic}/${partition} to [${replicas.join(',')}] not done after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Moves the leadership of a partition away from its current leader by partition reassignment (the
 * admin API kafkajs has; it has no ElectLeaders): the replica set without the leader (the controller
 * elects a new leader among the rest), then the old leader added back as the last replica, which
 * keeps the new leader and restores the replication factor. Returns the old and new leader.
 */
export async function moveLeader(admin: Admin, topic: string, partition: number, timeoutMs = 30_000): Promise<{ from: number; to: number }> {
  const before = await leaderOf(admin, topic, partition);
  const rest = before.replicas.filter((r) => r !== before.leader);
  if (rest.length === 0) throw new Error(`${topic}/${partition} has one replica: its leader cannot move by reassignment`);
  await reassign(admin, topic, partition, rest, timeoutMs);
  const moved = await leaderOf(admin, topic, partition);
  await reassign(admin, topic, partition, [...rest, before.leader], timeoutMs);
  return { from: before.leader, to: moved.leader };
}
