/**
 * The Kinesis follow role's loop: readKinesis (kinesis.ts) -> the publisher -> Kafka, then the
 * per-shard checkpoints. A shard's checkpoint moves to a record's sequence number only after
 * publisher.flush() resolved, i.e. after Kafka acknowledged (acks=all) every event and dead letter
 * of that record and of every record before it. Flush points: the end of each GetRecords response,
 * and shutdown. So a graceful stop (SIGTERM) loses nothing and re-reads nothing; a crash (kill -9)
 * between an acknowledged flush and its checkpoint write re-reads at most one GetRecords response
 * per shard, whose events keep their ids (metadata.uid = CloudTrail eventID), so downstream stays
 * idempotent.
 *
 * Failures of the Kinesis API (throttling, network, an unknown stream) are retried with a doubling
 * pause, the reader resuming from the checkpoints; failures of Kafka or of the checkpoint file are
 * thrown (the role exits non-zero; the orchestrator restarts it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter, Gauge } from '@opentelemetry/api';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';
import type { AwsCloudTrailConfigInput } from './config.ts';
import type { KinesisFollowConfig } from './kinesis-config.ts';
import { readKinesis, type CheckpointStore, type KinesisReader, type KinesisRecordOutput } from './kinesis.ts';

export interface KinesisFollowStats extends PublishCounts {
  /** Kinesis records read. */
  records: number;
  dataMessages: number;
  controlMessages: number;
  unreadableRecords: number;
  /** Checkpoint writes (one per shard per flush). */
  checkpoints: number;
  /** Kinesis API failures retried. */
  retries: number;
  /** Closed parent shards read to their end. */
  shardsFinished: number;
}

export interface KinesisFollowerDeps {
  client: KinesisClient;
  streamName: string;
  checkpoints: CheckpointStore;
  publisher: EventPublisher;
  config: KinesisFollowConfig;
  /** The aws_cloudtrail collector config (caps, gzip guard). */
  collector?: AwsCloudTrailConfigInput;
  logger: Logger;
  telemetry: Telemetry;
}

/** Longest pause between two failed reads. */
const MAX_BACKOFF_MS = 30_000;

/** An error of the publisher (Kafka) or of the checkpoint store: not retried here. */
class FatalFollowError extends Error {
  constructor(readonly inner: unknown) {
    super('fatal');
  }
}

export class KinesisFollower {
  readonly stats: KinesisFollowStats;
  private readonly labels: ComponentLabels;
  private readonly recordsCounter: Counter;
  private readonly checkpointCounter: Counter;
  private readonly behind: Gauge;
  /** shardId -> last sequence number added to the publisher and not yet checkpointed. */
  private readonly pending = new Map<string, string>();
  private readOnce = false;
  private reader: KinesisReader | undefined;

  constructor(private readonly deps: KinesisFollowerDeps) {
    this.stats = Object.assign(deps.publisher.counts as KinesisFollowStats, {
      records: 0,
      dataMessages: 0,
      controlMessages: 0,
      unreadableRecords: 0,
      checkpoints: 0,
      retries: 0,
      shardsFinished: 0,
    });
    this.labels = componentLabels('collector', 'aws_cloudtrail');
    const meter = deps.telemetry.meter;
    this.recordsCounter = meter.createCounter('sluice_kinesis_records_total', {
      description: 'Kinesis records read by a follow-mode collector, by message_type: data, control (CloudWatch Logs checking the destination; skipped), unreadable (dead-lettered).',
    });
    this.checkpointCounter = meter.createCounter('sluice_kinesis_checkpoints_total', { description: 'Per-shard checkpoints written after Kafka acknowledged the events up to them.' });
    this.behind = meter.createGauge('sluice_kinesis_millis_behind_latest', { description: "MillisBehindLatest of the last GetRecords response, per shard: how far the reader is behind the stream's tip.", unit: 'ms' });
  }

  /** True once the stream's shards were listed or a record was read (the stream exists and is readable): the role's readiness. */
  get ready(): boolean {
    return this.readOnce || (this.reader?.stats.shardsListed ?? 0) > 0;
  }

  /**
   * Runs until `stop` is aborted, then publishes what it holds and writes the checkpoints.
   * A Kafka or checkpoint failure is thrown.
   */
  async run(stop: AbortSignal): Promise<KinesisFollowStats> {
    try {
      await this.loop(stop);
      await this.checkpoint();
    } catch (err) {
      throw err instanceof FatalFollowError ? err.inner : err;
    }
    return this.stats;
  }

  private async loop(stop: AbortSignal): Promise<void> {
    const { config, logger } = this.deps;
    let failures = 0;
    while (!stop.aborted) {
      const reader = readKinesis({
        client: this.deps.client,
        streamName: this.deps.streamName,
        checkpoints: this.deps.checkpoints,
        ...(this.deps.collector ? { config: this.deps.collector } : {}),
        limit: config.limit,
        pollIntervalMs: config.pollIntervalMs,
        minRoundIntervalMs: config.minRoundIntervalMs,
        signal: stop,
      });
      try {
        this.reader = reader;
        for await (const record of reader) {
          this.readOnce = true;
          failures = 0;
          await this.handle(record);
        }
        // The reader returns when aborted, or when every listed shard is closed and read (a stream being deleted).
        if (!stop.aborted) {
          logger.warn({ stream: this.deps.streamName }, 'every shard of the Kinesis stream is closed and read; listing again after a pause');
          await this.checkpoint();
          await pause(config.pollIntervalMs, stop);
        }
      } catch (err) {
        if (err instanceof FatalFollowError) throw err.inner;
        await this.checkpoint(); // what was read before the failure is published and checkpointed
        if (stop.aborted) break;
        failures++;
        this.stats.retries++;
        this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
        const backoff = Math.min(MAX_BACKOFF_MS, config.retryBackoffMs * 2 ** Math.min(failures - 1, 10));
        logger.warn({ err, failures, backoffMs: backoff, stream: this.deps.streamName }, 'Kinesis read failed; resuming from the checkpoints');
        await pause(backoff, stop);
      } finally {
        this.stats.shardsFinished += reader.stats.shardsFinished;
      }
    }
  }

  private async handle(record: KinesisRecordOutput): Promise<void> {
    const s = this.stats;
    s.records++;
    const type = record.messageType === 'DATA_MESSAGE' ? 'data' : record.messageType === 'CONTROL_MESSAGE' ? 'control' : 'unreadable';
    if (type === 'data') s.dataMessages++;
    else if (type === 'control') s.controlMessages++;
    else s.unreadableRecords++;
    this.recordsCounter.add(1, { ...this.labels, message_type: type });
    try {
      for (const out of record.outputs) await this.deps.publisher.add(out);
    } catch (err) {
      throw new FatalFollowError(err);
    }
    this.pending.set(record.shardId, record.sequenceNumber);
    if (record.millisBehindLatest !== null) this.behind.record(record.millisBehindLatest, { ...this.labels, shard_id: record.shardId });
    if (record.endOfBatch) await this.checkpoint();
  }

  /** Flushes the publisher (Kafka acknowledges), then moves each shard's checkpoint. */
  async checkpoint(): Promise<void> {
    try {
      await this.deps.publisher.flush();
      for (const [shardId, seq] of this.pending) {
        await this.deps.checkpoints.set(this.deps.streamName, shardId, seq);
        this.pending.delete(shardId);
        this.stats.checkpoints++;
        this.checkpointCounter.add(1, this.labels);
      }
    } catch (err) {
      this.deps.publisher.fail(err);
      throw new FatalFollowError(err);
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted
  }
}
