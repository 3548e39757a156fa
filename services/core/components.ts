import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ApiActivity, DeadLetterStage, Finding } from './events.ts';
import type { ErrorCode } from './errors.ts';
import type { Clock } from './clock.ts';
import type { SluiceConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { Telemetry } from './telemetry.ts';
import type { Producer } from './transport.ts';
import type { Context as TraceContext } from '@opentelemetry/api';

import type { StreamEvents, StreamName } from './streams.ts';
import type { KeyedState } from './state.ts';

export type { StreamName } from './streams.ts';

/** One input unit handed to a collector: the bytes of a file or message, with a name for positions. */
export interface CollectorInput {
  name: string;
  bytes: Buffer;
}

/** A normalized event bound for its stream's topic, keyed by the entity whose events must stay in order. */
export type CollectedEvent = {
  [S in StreamName]: { kind: 'event'; stream: S; key: string; event: StreamEvents[S]; position: string };
}[StreamName];

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

/**
 * An event a detector emits besides findings: a remediation action (`sluice.actions.v1`), an
 * enforcement decision (`sluice.enforcement.v1`) or a re-scan request (`sluice.rescan.v1`,
 * model/rescan-request.ts), published as JSON after the batch's findings.
 * `id` must be deterministic (derived from the input), so a replay re-emits the same record.
 */
export interface SideOutput {
  stream: 'actions' | 'enforcement' | 'rescan';
  /** Partition key, e.g. the object or workload the action is about. */
  key: string;
  value: { id: string; [field: string]: unknown };
}

/** What the runtime hands a detector when it builds it, inside its worker thread. */
export interface DetectorContext<V = unknown> {
  clock: Clock;
  /** This detector's durable per-entity state (see services/core/state.ts for the rules). */
  state: KeyedState<V>;
  /** Emits a side output for the event being processed. */
  emit(output: SideOutput): void;
  /**
   * The state shard a key's state lives in (inside the processor: murmur2(key) mod
   * processor.stateShards; absent elsewhere, where all state is one scope). A shard is always
   * processed by one thread and restored as a whole, so in-memory aggregates derived from the
   * entities' state (principal_anomaly's account populations) are kept per shard: they then do
   * not depend on which thread holds which shards, and restored() can rebuild them exactly.
   */
  shardOf?(key: string): number;
}

/** Runs inside a worker thread: init -> process(event)* -> close. */
export interface Detector<TEvent = ApiActivity> {
  readonly name: string;
  process(event: TEvent, meta: EventMeta): Finding[];
  /**
   * Called by the runtime between batches (every processor.maintenanceIntervalMs) on each worker
   * thread: the place to delete idle entities' state (ctx.state.delete of any key this thread
   * holds; set() is refused here). The deletions go to the changelog as tombstones.
   */
  maintain?(): void;
  /**
   * Control messages for this detector from the control topic (`sluice.control.v1`), the whole
   * current set each time it changes (a broadcast table, as a Kafka Streams GlobalKTable): every
   * worker thread of every processor gets all of them. Values are untrusted JSON: validate them.
   * A detector applies a message to an entity's state when it next processes that entity.
   */
  control?(messages: readonly unknown[]): void;
  /**
   * Called on a worker thread after one state shard was (re)loaded from the changelog (start,
   * partition assignment, a replaced thread), with the keys this detector holds in that shard:
   * the place to rebuild in-memory structures derived from the entities' durable state
   * (principal_anomaly's account populations). Read only: get and has of ctx.state; set and
   * delete are refused here. A throw fails the restore. `shard` is the shard just loaded (its
   * previous content, and anything derived from it, is gone).
   */
  restored?(keys: readonly string[], shard?: number): void;
  close?(): void;
}

/**
 * What every detector folder's index.ts exports as `<name>Spec`: the stream it consumes, its
 * config schema (a zod strictObject with `enabled` and .describe() on each field) and a factory.
 */
export interface DetectorSpec<S extends StreamName = StreamName, C = unknown, V = unknown> {
  readonly kind: 'detector';
  /** snake_case, the folder name; also names the changelog topic `<app>-<name>-changelog`. */
  readonly name: string;
  readonly stream: S;
  /**
   * Further input streams this detector joins with `stream`: their records must be keyed by the
   * same entity key (so one thread owns an entity's state for all of them) and their topics need
   * the partition count of `stream`'s topic. The events of every stream go to the same process().
   */
  readonly alsoReads?: readonly S[];
  readonly description: string;
  readonly configSchema: import('zod').ZodType<C>;
  /** True for detectors whose instances implement control(): the processor then reads the control topic. */
  readonly takesControl?: boolean;
  /** False for detectors that never use ctx.state: no changelog is read or written for them. Default true. */
  readonly stateful?: boolean;
  /**
   * Imports the implementation (a dynamic import(), see lazyModule), so that reading the spec
   * (name, stream, config schema) loads none of the detector's dependencies. create() needs it to
   * have resolved; a spec without load() can create at once. Importing a detector folder's
   * index.ts loads it too.
   */
  load?(): Promise<void>;
  create(config: C, ctx: DetectorContext<V>): Detector<StreamEvents[S]>;
}

/** What comes with a write besides the findings. */
export interface SinkWriteOptions {
  /** Trace context of the write (its span); sinks that publish messages inject it into their headers. */
  context?: TraceContext;
}

/** A destination for findings. write() resolves only once the data is durably accepted. */
export interface FindingSink {
  readonly name: string;
  start(): Promise<void>;
  write(findings: readonly Finding[], options?: SinkWriteOptions): Promise<void>;
  /** Sinks that also store the normalized input events (ClickHouse) implement this; resolves once stored. */
  writeEvents?(stream: StreamName, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void>;
  healthcheck(): Promise<void>;
  close(): Promise<void>;
}

/** What the runtime hands a sink when it builds it. */
export interface SinkContext {
  /** The whole validated config (connections such as `clickhouse`, topic names). */
  readonly app: SluiceConfig;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  /** The process's producer, for sinks that publish to topics. */
  readonly producer: Producer;
}

/** A service a sink needs from the top-level config. */
export type SinkRequirement = 'clickhouse';

/**
 * What every sink folder's index.ts exports as `<name>Spec`: its config schema (a zod
 * strictObject with .describe() on each field, `sinks.<name>` in the config), the services it
 * needs, when it is active, and a factory. The health check is the sink's own healthcheck().
 */
export interface SinkSpec<C = unknown> {
  readonly kind: 'sink';
  /** snake_case, the folder name. */
  readonly name: string;
  readonly description: string;
  readonly configSchema: import('zod').ZodType<C>;
  readonly requires: readonly SinkRequirement[];
  /** Whether the sink runs with this config; an explicit `enabled` wins, else it follows its services. */
  active(config: C, app: SluiceConfig): boolean;
  /** Validates nothing more (the schema did) and builds the sink; no I/O before start(). */
  create(config: C, ctx: SinkContext): FindingSink;
}

/**
 * What every collector folder's index.ts exports as `<name>Spec`: its type, config schema (a zod
 * strictObject with .describe() on each field), factory, and a sniffer for `--source auto`.
 */
export interface CollectorSpec {
  readonly kind: 'collector';
  /** snake_case, the folder name, e.g. aws_cloudtrail. */
  readonly type: string;
  readonly description: string;
  readonly streams: readonly StreamName[];
  readonly configSchema: import('zod').ZodType;
  /** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and builds the collector. */
  create(config?: Record<string, unknown>): Collector;
  /** True when one parsed native record (not an envelope) looks like this source's. */
  sniff(record: unknown): boolean;
}

/**
 * A component's own settings from the validated config (the output of its spec's schema, which
 * the assembled schema applied). Throws when the component was not registered in that schema.
 */
function section<C>(kind: string, all: Readonly<Record<string, unknown>>, name: string): C {
  const value = all[name];
  if (value === undefined) throw new Error(`${kind} "${name}" is not part of this configuration schema (is it registered?)`);
  return value as C;
}

export function detectorConfig<S extends StreamName, C, V>(spec: DetectorSpec<S, C, V>, app: SluiceConfig): C {
  return section<C>('detector', app.detectors, spec.name);
}

export function sinkConfig<C>(spec: SinkSpec<C>, app: SluiceConfig): C {
  return section<C>('sink', app.sinks, spec.name);
}

export function collectorConfig(spec: CollectorSpec, app: SluiceConfig): Record<string, unknown> {
  return section<Record<string, unknown>>('collector', app.collectors, spec.type);
}

/**
 * A sink spec with the usual defaults: it needs no service beyond the transport and runs when
 * its `enabled` setting is true. `opts` overrides either.
 */
export function defineSink<C extends { readonly enabled?: boolean | undefined }>(
  name: string,
  description: string,
  configSchema: import('zod').ZodType<C>,
  create: (config: C, ctx: SinkContext) => FindingSink,
  opts: { requires?: readonly SinkRequirement[]; active?: (config: C, app: SluiceConfig) => boolean } = {},
): SinkSpec<C> {
  return { kind: 'sink', name, description, configSchema, requires: opts.requires ?? [], active: opts.active ?? ((config) => config.enabled === true), create };
}

/**
 * A component's implementation, imported on first use with a dynamic import(): its spec (name,
 * description, config schema) stays cheap to import, and a command loads only the dependencies of
 * the components it builds (@bufbuild/cel, semver, the AWS SDK...).
 */
export interface LazyModule<T> {
  /** Imports it once; later calls return the same promise. A failed import is retried next time. */
  load(): Promise<T>;
  /** The loaded value; without a synchronous fallback, throws (a programmer error) when load() has not resolved yet. */
  get(): T;
}

/**
 * `importer` imports the module with import(); `requirer`, if given, loads it synchronously when
 * get() comes before load() resolved: a processor worker thread builds its detectors while it is
 * itself imported (piscina loads it with require()), so there they are loaded with requireSibling.
 */
export function lazyModule<T>(what: string, importer: () => Promise<T>, requirer?: () => T): LazyModule<T> {
  let loaded: { value: T } | undefined;
  let pending: Promise<T> | undefined;
  return {
    load: () =>
      (pending ??= importer().then(
        (value) => {
          loaded = { value };
          return value;
        },
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      )),
    get: () => {
      if (!loaded && requirer) loaded = { value: requirer() };
      if (!loaded) throw new Error(`${what} is not loaded yet: await its spec's load() before create()`);
      return loaded.value;
    },
  };
}

/**
 * Loads the module `<name>` beside `moduleUrl` synchronously with require() (`.ts` from source,
 * through tsx's require hook; `.js` compiled; ES modules without top-level await, Node >= 20.19).
 */
export function requireSibling(moduleUrl: string, name: string): unknown {
  const ext = moduleUrl.endsWith('.js') ? 'js' : 'ts';
  return createRequire(moduleUrl)(fileURLToPath(new URL(`./${name}.${ext}`, moduleUrl)));
}

/**
 * The implementation `pick` selects from the module `name` beside `moduleUrl` (a spec's
 * `detector.ts`): `importer` is the spec's own `() => import('./<name>.ts')`, and the synchronous
 * fallback requires the same file (requireSibling).
 */
export function implementationIn<M, T>(moduleUrl: string, name: string, importer: () => Promise<M>, pick: (module: M) => T): LazyModule<T> {
  return lazyModule(`${name} beside ${moduleUrl}`, async () => pick(await importer()), () => pick(requireSibling(moduleUrl, name) as M));
}

/**
 * A detector spec whose class is loaded on first use: load() imports it; create() builds an
 * instance (requiring the module synchronously when load() has not run, as in a worker thread).
 */
export function lazyDetectorSpec<S extends StreamName, C, V = unknown>(
  spec: Omit<DetectorSpec<S, C, V>, 'kind' | 'load' | 'create'>,
  implementation: LazyModule<new (config: C, ctx: DetectorContext<V>) => Detector<StreamEvents[S]>>,
): DetectorSpec<S, C, V> {
  return { kind: 'detector', ...spec, load: async () => void (await implementation.load()), create: (config, ctx) => new (implementation.get())(config, ctx) };
}
