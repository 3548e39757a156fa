import type { ApiActivity, DeadLetterStage, Finding } from './events.ts';
import type { ErrorCode } from './errors.ts';
import type { Clock } from './clock.ts';

/** Logical streams a collector can emit to; each maps to a configured topic. */
export type StreamName = 'activity';

/** One input unit handed to a collector: the bytes of a file or message, with a name for positions. */
export interface CollectorInput {
  name: string;
  bytes: Buffer;
}

export interface CollectedEvent {
  kind: 'event';
  stream: StreamName;
  /** Partition key: the entity whose events must stay in order. */
  key: string;
  event: ApiActivity;
  position: string;
}

export interface RejectedRecord {
  kind: 'dead_letter';
  stage: DeadLetterStage;
  source: string;
  position: string;
  reasonCode: ErrorCode;
  reason: string;
  raw: Buffer;
}

export type CollectorOutput = CollectedEvent | RejectedRecord;

/** A source of events. It never throws on bad input: bad records come out as RejectedRecord. */
export interface Collector {
  readonly type: string;
  collect(input: CollectorInput): Iterable<CollectorOutput>;
}

export interface EventMeta {
  key: string;
  topic: string;
  partition: number;
  offset: string;
}

export interface DetectorContext {
  clock: Clock;
}

/** Runs inside a worker thread: init -> process(event)* -> close. */
export interface Detector<TEvent = ApiActivity> {
  readonly name: string;
  process(event: TEvent, meta: EventMeta): Finding[];
  close?(): void;
}

/** A destination for findings. write() resolves only once the data is durably accepted. */
export interface FindingSink {
  readonly name: string;
  start(): Promise<void>;
  write(findings: readonly Finding[]): Promise<void>;
  healthcheck(): Promise<void>;
  close(): Promise<void>;
}
