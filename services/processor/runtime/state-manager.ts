import { partitionForKey } from '../../core/partitioner.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ConsumedMessage, OutgoingMessage, Producer, TopicPartition, Transport } from '../../core/transport.ts';
import { packState, unpackState, type StateEntryJson } from './packed-state.ts';
import type { DetectorPool } from './pool.ts';
import type { PackedState } from './protocol.ts';
import { MAX_DELETED } from './worker-state.ts';

/** A stateful detector as the state manager sees it: its input topic and its changelog topic. */
export interface StatefulDetector {
  name: string;
  inputTopic: string;
  changelog: string;
}

/** Headers of a changelog record: the input position its value reflects. */
export const CHANGELOG_HEADERS = { topic: 'sluice-input-topic', partition: 'sluice-input-partition', offset: 'sluice-input-offset' } as const;

/** `<app>-<detector>-changelog`. */
export { changelogTopic } from '../../core/topology.ts';

export interface StateManagerOptions {
  transport: Transport;
  producer: Producer;
  pool: DetectorPool;
  detectors: readonly StatefulDetector[];
  stateShards: number;
  /** False: no changelog; state lives in memory only and is reset when a thread is replaced. */
  changelog: boolean;
  restoreTimeoutMs: number;
  logger: Logger;
  /** Runs after the shards are loaded and before batches are let in (e.g. to hand new threads the control table). */
  afterRestore?: () => Promise<void>;
  /** Called after each restore, for metrics. */
  onRestore?: (info: { epoch: number; entries: number; seconds: number; partitions: number }) => void;
}

/**
 * Owns the state epoch of the worker pool. Batches enter() before detection and exit() after
 * their writes (sinks, dead letters, changelog) are acknowledged. When the state is stale (first
 * start, a new partition assignment, a replaced worker thread), the next enter() waits for the
 * batches inside to finish, reads the changelogs of the assigned partitions, loads every shard into
 * its owning thread at a new epoch, and only then lets batches run: no record is processed on
 * state that does not reflect every committed record before it.
 */
export class StateManager {
  private epoch = 0;
  private stale = true;
  private assignment: readonly TopicPartition[] = [];
  private active = 0;
  private idle: Array<() => void> = [];
  private restoring: Promise<void> | null = null;
  restores = 0;

  constructor(private readonly options: StateManagerOptions) {}

  /** Fails with SLUICE_ERR_STATE_TOPOLOGY when a changelog topic is missing or has fewer partitions than its input. */
  async validate(): Promise<void> {
    if (!this.options.changelog) return;
    for (const d of this.options.detectors) {
      const input = await this.options.transport.partitionCount(d.inputTopic);
      const log = await this.options.transport.partitionCount(d.changelog).catch((cause: unknown) => {
        throw new SluiceError('SLUICE_ERR_STATE_TOPOLOGY', `changelog topic ${d.changelog} of ${d.name} is missing: create it with ${input} partitions and cleanup.policy=compact`, { cause });
      });
      if (log < input) {
        throw new SluiceError('SLUICE_ERR_STATE_TOPOLOGY', `changelog topic ${d.changelog} has ${log} partitions but its input ${d.inputTopic} has ${input}: they must match`);
      }
    }
  }

  /** The consumer's assignment changed: state of the new set is restored before the next batch. */
  setAssignment(assignment: readonly TopicPartition[]): void {
    const sig = (a: readonly TopicPartition[]) => a.map((p) => `${p.topic}/${p.partition}`).sort().join(',');
    if (sig(assignment) === sig(this.assignment)) return;
    this.assignment = [...assignment];
    // Without a changelog there is nothing to restore from: keep the threads' state as it is.
    if (this.options.changelog) this.stale = true;
  }

  /** Worker state can no longer be trusted (a thread was replaced, or a batch failed after detection). */
  markStale(): void {
    this.stale = true;
  }

  /** Waits until the state is current, then admits one batch; returns the epoch to process at. */
  async enter(): Promise<number> {
    for (;;) {
      if (this.restoring) {
        await this.restoring;
        continue;
      }
      if (this.stale) {
        this.restoring = this.restore().finally(() => {
          this.restoring = null;
        });
        await this.restoring;
        continue;
      }
      this.active++;
      return this.epoch;
    }
  }

  exit(): void {
    this.active--;
    if (this.active === 0) for (const f of this.idle.splice(0)) f();
  }

  private async restore(): Promise<void> {
    while (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const started = performance.now();
    const epoch = this.epoch + 1;
    const byShard = new Map<number, StateEntryJson[]>();
    // Tombstones go to the threads too, as deletion markers: a redelivered record a deletion already
    // reflects is skipped (worker-state.ts alreadyApplied); the latest MAX_DELETED per shard.
    const deletedByShard = new Map<number, Array<StateEntryJson & { at: bigint }>>();
    let entries = 0;
    let partitions = 0;
    if (this.options.changelog) {
      for (const d of this.options.detectors) {
        const mine = this.assignment.filter((a) => a.topic === d.inputTopic).map((a) => a.partition);
        partitions += mine.length;
        if (mine.length === 0) continue;
        const latest = new Map<string, StateEntryJson & { at: bigint }>();
        const seen = new Map<string, Map<string, bigint>>();
        await this.options.transport.readPartitions(d.changelog, mine, (messages) => collect(d.name, messages, latest, seen), {
          timeoutMs: this.options.restoreTimeoutMs,
        });
        for (const e of latest.values()) {
          const shard = partitionForKey(e.key, this.options.stateShards);
          if (e.json === null) {
            let marks = deletedByShard.get(shard);
            if (!marks) deletedByShard.set(shard, (marks = []));
            marks.push(e);
            continue;
          }
          let list = byShard.get(shard);
          if (!list) byShard.set(shard, (list = []));
          const { at: _at, ...entry } = e;
          list.push(entry);
          entries++;
        }
      }
    }
    for (const [shard, marks] of deletedByShard) {
      const list = byShard.get(shard) ?? [];
      byShard.set(shard, list);
      for (const { at: _at, ...mark } of marks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-MAX_DELETED)) list.push(mark);
    }
    await Promise.all(
      Array.from({ length: this.options.stateShards }, (_, shard) => this.options.pool.restore(shard, epoch, packState(byShard.get(shard) ?? []))),
    );
    await this.options.afterRestore?.();
    this.epoch = epoch;
    this.stale = false;
    this.restores++;
    const seconds = (performance.now() - started) / 1000;
    // The first, empty restore of a fresh start is routine; anything else is worth an info line.
    const log = entries === 0 && epoch === 1 ? this.options.logger.debug.bind(this.options.logger) : this.options.logger.info.bind(this.options.logger);
    log({ epoch, entries, partitions, seconds }, 'detector state restored');
    this.options.onRestore?.({ epoch, entries, seconds, partitions });
  }

  /** Writes a batch's state changes to the changelogs, co-partitioned with the input. */
  async persist(changes: readonly PackedState[]): Promise<number> {
    if (!this.options.changelog) return 0;
    const byTopic = new Map<string, OutgoingMessage[]>();
    const topicOf = new Map(this.options.detectors.map((d) => [d.name, d.changelog]));
    let n = 0;
    for (const packed of changes) {
      for (const e of unpackState(packed)) {
        const topic = topicOf.get(e.detector);
        if (!topic) continue;
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({
          key: e.key,
          value: e.bytes ? Buffer.from(e.bytes) : null,
          partition: e.partition,
          headers: { [CHANGELOG_HEADERS.topic]: e.topic, [CHANGELOG_HEADERS.partition]: String(e.partition), [CHANGELOG_HEADERS.offset]: e.offset },
        });
        n++;
      }
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.options.producer.send(topic, messages)));
    return n;
  }
}

/**
 * Keeps, per key, the last record in changelog order that is not older than one already read for
 * the same input (topic and partition): a late write from a member that lost the partition cannot
 * roll a key back. Offsets of different inputs are not compared: a key fed by two co-partitioned
 * topics (vulns: images and advisories) has records of both, and the last written is its state
 * (comparing them picked an older image-topic value over a newer advisory-topic one, issue #23).
 * Records without position headers are skipped.
 */
function collect(detector: string, messages: readonly ConsumedMessage[], latest: Map<string, StateEntryJson & { at: bigint }>, seen: Map<string, Map<string, bigint>>): void {
  for (const m of messages) {
    const offset = m.headers[CHANGELOG_HEADERS.offset];
    const topic = m.headers[CHANGELOG_HEADERS.topic];
    const partition = Number(m.headers[CHANGELOG_HEADERS.partition]);
    if (m.key === null || offset === undefined || topic === undefined || !Number.isInteger(partition)) continue;
    const at = BigInt(offset);
    let inputs = seen.get(m.key);
    if (!inputs) seen.set(m.key, (inputs = new Map()));
    const input = `${partition}\u0000${topic}`;
    const high = inputs.get(input);
    if (high !== undefined && high > at) continue;
    inputs.set(input, at);
    latest.set(m.key, { detector, key: m.key, topic, partition, offset, json: m.tombstone || m.value.length === 0 ? null : m.value.toString('utf8'), at });
  }
}
