/** What a load-test run records: the input of the report builder (report.ts), saved as result.json. */
import type { Percentiles } from './stats.ts';

/** One second of one member configuration. */
export interface Sample {
  /** Seconds since this configuration started producing. */
  t: number;
  /** Target rate of the producer at that second (events/s); 0 while draining. */
  offered: number;
  /** Events acknowledged by the brokers in that second. */
  inPerSec: number;
  /** Events the group committed in that second (sum over the input topics). */
  outPerSec: number;
  /** Findings that arrived on the findings topic in that second. */
  findingsPerSec: number;
  /** Consumer lag summed over the input topics' partitions (admin API: end offset - committed). */
  lag: number;
  /** Resident memory of each member process (MB), in member order. */
  rssMb: number[];
}

/** Latency of the injected attacks produced while the producer ran at one offered rate. */
export interface PhaseLatency {
  offered: number;
  latencyMs: Percentiles;
}

export interface MemberRun {
  members: number;
  samples: Sample[];
  phases: PhaseLatency[];
  latencyMs: Percentiles;
  /** Activity-topic partitions per member (from the group's assignment), in member order. */
  partitionShare: number[];
  /** Fraction of the input events (activity, config, flow) in each member's partitions, in member order. */
  eventShare: number[];
  produced: number;
  consumed: number;
  /** Highest out rate of a 5-second window. */
  peakOutPerSec: number;
  /** Out rate over the whole run: consumed / (seconds from the first produce to the last commit). */
  meanOutPerSec: number;
  /** Seconds from the end of producing until the lag was 0 (null: not within the drain time). */
  drainSeconds: number | null;
  injected: number;
  /** Injected attacks with a finding of the expected rule listing the event. */
  detected: number;
  findings: number;
  /** Seconds from the start of the processes until every member logged that it consumes. */
  startSeconds: number;
  /**
   * Per member (member order), from its stopping log: partition batches handled (warm-up included)
   * and the mean milliseconds per batch of each step (decode, detect, sinks, side_outputs,
   * dead_letters, changelog). Absent in results of older runs.
   */
  batchSteps?: Array<{ batches: number; eventsPerBatch: number; msPerBatch: Record<string, number> } | null>;
  error?: string;
}

export interface Anchor {
  name: string;
  /** Events (or rows, messages) per second; null when not measured. */
  perSec: number | null;
  note: string;
}

export interface LoadResult {
  startedAt: string;
  machine: { cores: number; loadAverage: number[]; node: string };
  options: { rate: number; seconds: number; members: number[]; attackEvery: number; seed: number; processor: 'compiled' | 'source'; memberConfig?: Record<string, unknown> };
  services: { kafka: string; clickhouse: string };
  corpus: { events: number; byFeed: Record<string, number>; injected: number; ndjsonBytes: number; avroBytes: number; buildSeconds: number };
  runs: MemberRun[];
  anchors: Anchor[];
}
