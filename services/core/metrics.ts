import type { Attributes, Counter, Gauge, Histogram, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';

/**
 * Sluice's instruments, named in Vector's style and labelled with the component's id, kind and type.
 * One SluiceMetrics per Telemetry; components take it from the context. docs/telemetry.md lists them.
 */

export type ComponentKind = 'collector' | 'processor' | 'sink' | 'detector';

export interface ComponentLabels {
  component_id: string;
  component_kind: ComponentKind;
  /** The component's type: the folder name (aws_cloudtrail, clickhouse, ...), or `processor`. */
  component_type: string;
  [key: string]: string;
}

/** Components have no user-given ids yet: the id defaults to the type. */
export function componentLabels(kind: ComponentKind, type: string, id: string = type): ComponentLabels {
  return { component_id: id, component_kind: kind, component_type: type };
}

/** Vector's `error_type` values used by Sluice. */
export type ErrorType = 'parser_failed' | 'encoder_failed' | 'decoder_failed' | 'detector_failed' | 'request_failed' | 'writer_failed';
/** Vector's `stage` values. */
export type ErrorStage = 'receiving' | 'processing' | 'sending';

export interface PoolReading {
  queueSize: number;
  /** 0..1: the share of the pool's capacity in use (piscina `utilization`). */
  utilization: number;
}

export interface LagReading {
  topic: string;
  partition: number;
  lag: number;
}

/** Boundaries in seconds, from 1 ms to 1 minute. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class SluiceMetrics {
  private readonly receivedEvents: Counter;
  private readonly sentEvents: Counter;
  private readonly errors: Counter;
  private readonly discardedEvents: Counter;
  private readonly batchDuration: Histogram;
  private readonly sinkFlushDuration: Histogram;
  private readonly batchStageDuration: Histogram;
  private readonly stateSize: Gauge;
  private readonly stateEntities: Gauge;
  private readonly restoreDuration: Histogram;
  private readonly poolQueueDepth: ObservableGauge;
  private readonly poolUtilization: ObservableGauge;
  private readonly consumerLag: ObservableGauge;

  constructor(meter: Meter) {
    this.receivedEvents = meter.createCounter('component_received_events_total', {
      description: 'Events that entered a component: records read by a collector, messages consumed by the processor, findings handed to a sink.',
    });
    this.sentEvents = meter.createCounter('component_sent_events_total', {
      description: 'Events a component passed on and had acknowledged: events published by a collector, findings emitted by the processor, findings stored by a sink.',
    });
    this.errors = meter.createCounter('component_errors_total', { description: 'Errors, by error_type and stage.' });
    this.discardedEvents = meter.createCounter('component_discarded_events_total', {
      description: 'Events sent to the dead-letter topic instead of going on, by reason_code.',
    });
    this.batchDuration = meter.createHistogram('sluice_batch_duration_seconds', {
      description: 'Processor batch, end to end: decode, detectors, every sink and the dead-letter topic acknowledged.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.batchStageDuration = meter.createHistogram('sluice_batch_stage_duration_seconds', {
      description: 'One step of a processor batch, by stage: decode, detect, sinks, side_outputs, dead_letters, changelog (each waits for its acknowledgements; retries included).',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.sinkFlushDuration = meter.createHistogram('sluice_sink_flush_duration_seconds', {
      description: "Time from a sink's write() to its acknowledgement.",
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.stateSize = meter.createGauge('sluice_state_size_bytes', { description: "Approximate size of a detector's state.", unit: 'By' });
    this.stateEntities = meter.createGauge('sluice_state_entities', { description: 'Entities (keys) a detector holds state for in this process.' });
    this.restoreDuration = meter.createHistogram('sluice_state_restore_duration_seconds', {
      description: 'Time to restore detector state from the changelogs (start, rebalance, replaced worker thread).',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.poolQueueDepth = meter.createObservableGauge('sluice_pool_queue_depth', { description: 'Tasks waiting for a detector worker thread.' });
    this.poolUtilization = meter.createObservableGauge('sluice_pool_utilization', {
      description: 'Share of the detector worker pool in use (0..1).',
      unit: '1',
    });
    this.consumerLag = meter.createObservableGauge('sluice_consumer_lag', {
      description: 'Messages between the high watermark and the offset committed after the last batch, per topic and partition.',
    });
  }

  received(labels: ComponentLabels, count: number): void {
    if (count > 0) this.receivedEvents.add(count, labels);
  }

  sent(labels: ComponentLabels, count: number): void {
    if (count > 0) this.sentEvents.add(count, labels);
  }

  error(labels: ComponentLabels, errorType: ErrorType, stage: ErrorStage, count = 1): void {
    if (count > 0) this.errors.add(count, { ...labels, error_type: errorType, stage });
  }

  discarded(labels: ComponentLabels, reasonCode: string, count = 1): void {
    if (count > 0) this.discardedEvents.add(count, { ...labels, reason_code: reasonCode });
  }

  batchSeconds(labels: ComponentLabels, seconds: number): void {
    this.batchDuration.record(seconds, labels);
  }

  batchStageSeconds(labels: ComponentLabels, stage: string, seconds: number): void {
    this.batchStageDuration.record(seconds, { ...labels, stage });
  }

  sinkFlushSeconds(labels: ComponentLabels, seconds: number): void {
    this.sinkFlushDuration.record(seconds, labels);
  }

  /** A detector's state in this process: JSON bytes and entities, polled from the worker threads. */
  stateBytes(labels: ComponentLabels, bytes: number, entities?: number): void {
    this.stateSize.record(bytes, labels);
    if (entities !== undefined) this.stateEntities.record(entities, labels);
  }

  /** One state restore. */
  stateRestored(seconds: number): void {
    this.restoreDuration.record(seconds);
  }

  /** Reports a pool's queue depth and utilization on every collection; the returned function stops it. */
  observePool(labels: ComponentLabels, read: () => PoolReading): () => void {
    const depth = (r: ObservableResult<Attributes>) => r.observe(read().queueSize, labels);
    const utilization = (r: ObservableResult<Attributes>) => r.observe(read().utilization, labels);
    this.poolQueueDepth.addCallback(depth);
    this.poolUtilization.addCallback(utilization);
    return () => {
      this.poolQueueDepth.removeCallback(depth);
      this.poolUtilization.removeCallback(utilization);
    };
  }

  /** Reports consumer lag per topic/partition on every collection; the returned function stops it. */
  observeLag(labels: ComponentLabels, read: () => Iterable<LagReading>): () => void {
    const callback = (r: ObservableResult<Attributes>) => {
      for (const { topic, partition, lag } of read()) r.observe(lag, { ...labels, topic, partition: String(partition) });
    };
    this.consumerLag.addCallback(callback);
    return () => this.consumerLag.removeCallback(callback);
  }
}
