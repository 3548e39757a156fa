/**
 * CloudTrail via CloudWatch Logs -> Kinesis: CloudTrail delivers to a CloudWatch Logs group, a
 * subscription filter forwards it to a Kinesis data stream, and this reader consumes the stream.
 *
 * Each Kinesis record's data is gzip of a CloudWatch Logs subscription message
 *   {"messageType":"DATA_MESSAGE","owner","logGroup","logStream","subscriptionFilters":[…],
 *    "logEvents":[{"id","timestamp","message":"<one CloudTrail event as JSON>"}]}
 * CONTROL_MESSAGE records (CloudWatch Logs checking the destination) are skipped and counted.
 *
 * Delivery is at-least-once: the caller sets a shard's checkpoint only after it has published the
 * outputs of the records up to it; after a crash, records after the last checkpoint are read again,
 * and since metadata.uid is the CloudTrail eventID, the duplicates are idempotent downstream.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import type { GetRecordsCommandOutput, KinesisClient, Shard, _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import { isObj, typeName, type Obj } from '../fields.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { parseAwsCloudTrailConfig, type AwsCloudTrailConfig, type AwsCloudTrailConfigInput } from './config.ts';
import { normalizeCloudTrail, SOURCE_TYPE } from './normalize.ts';

// ---------------------------------------------------------------------------------------------
// Checkpoints

/** Where a Kinesis reader resumes: per stream and shard, the last sequence number fully published. */
export interface CheckpointStore {
  /** The checkpointed sequence number of the shard, or null when it has none. */
  get(streamName: string, shardId: string): Promise<string | null>;
  /**
   * Records that every record of the shard up to and including `sequenceNumber` has been published.
   * A sequence number lower than the stored one is ignored (checkpoints never move back).
   */
  set(streamName: string, shardId: string, sequenceNumber: string): Promise<void>;
}

function isLower(candidate: string, current: string | null | undefined): boolean {
  if (current === null || current === undefined) return false;
  try {
    return BigInt(candidate) < BigInt(current);
  } catch {
    return false;
  }
}

/** Checkpoints in memory (tests, or a run that always starts from the trim horizon). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly data = new Map<string, string>();

  async get(streamName: string, shardId: string): Promise<string | null> {
    return this.data.get(`${streamName}\u0000${shardId}`) ?? null;
  }

  async set(streamName: string, shardId: string, sequenceNumber: string): Promise<void> {
    const k = `${streamName}\u0000${shardId}`;
    if (!isLower(sequenceNumber, this.data.get(k))) this.data.set(k, sequenceNumber);
  }

  /** { stream: { shardId: sequenceNumber } }, for inspection. */
  snapshot(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [k, v] of this.data) {
      const [stream, shard] = k.split('\u0000') as [string, string];
      (out[stream] ??= {})[shard] = v;
    }
    return out;
  }
}

interface CheckpointFile {
  version: 1;
  streams: Record<string, Record<string, string>>;
}

/**
 * Checkpoints in a JSON file `{"version":1,"streams":{"<stream>":{"<shardId>":"<sequence>"}}}`.
 * Each set() rewrites the file atomically (write to `<path>.tmp`, then rename); writes are serialized.
 * One process per file: concurrent writers from several processes would overwrite each other.
 */
export class JsonFileCheckpointStore implements CheckpointStore {
  private state: CheckpointFile | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  private async load(): Promise<CheckpointFile> {
    if (this.state) return this.state;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.state = { version: 1, streams: {} });
      throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read checkpoint file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `checkpoint file ${this.path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const streams = (parsed as { streams?: unknown }).streams;
    const valid =
      typeof parsed === 'object' && parsed !== null && (parsed as { version?: unknown }).version === 1 &&
      typeof streams === 'object' && streams !== null &&
      Object.values(streams).every((shards) => typeof shards === 'object' && shards !== null && Object.values(shards).every((s) => typeof s === 'string'));
    if (!valid) throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `checkpoint file ${this.path} is not {"version":1,"streams":{…}}`);
    return (this.state = parsed as CheckpointFile);
  }

  async get(streamName: string, shardId: string): Promise<string | null> {
    const s = await this.load();
    return s.streams[streamName]?.[shardId] ?? null;
  }

  async set(streamName: string, shardId: string, sequenceNumber: string): Promise<void> {
    const s = await this.load();
    const shards = (s.streams[streamName] ??= {});
    if (isLower(sequenceNumber, shards[shardId])) return;
    shards[shardId] = sequenceNumber;
    const text = `${JSON.stringify(s, null, 2)}\n`;
    const write = async (): Promise<void> => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, text, 'utf8');
      await rename(`${this.path}.tmp`, this.path);
    };
    this.writing = this.writing.then(write, write);
    await this.writing;
  }
}

// ---------------------------------------------------------------------------------------------
// One Kinesis record -> CloudTrail events

export type CloudWatchLogsMessageType = 'DATA_MESSAGE' | 'CONTROL_MESSAGE';

export interface SubscriptionRecordResult {
  /** null when the record could not be read as a subscription message. */
  messageType: CloudWatchLogsMessageType | null;
  /** Events and rejects, in logEvents order. Empty for a CONTROL_MESSAGE. */
  outputs: CollectorOutput[];
  /** logEvents in a DATA_MESSAGE. */
  logEvents: number;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads one CloudWatch Logs subscription record (gzip'd, or plain JSON) and normalizes each log event's
 * message as a CloudTrail event (a bare event or an EventBridge envelope). Never throws on bad data.
 * Positions are `<base>#<logEvent index>`; a record that cannot be read at all is one reject at `<base>#0`.
 */
export function decodeSubscriptionRecord(
  data: Uint8Array,
  base: string,
  config: AwsCloudTrailConfig = parseAwsCloudTrailConfig({}),
): SubscriptionRecordResult {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => ({
    kind: 'dead_letter',
    stage: 'collect',
    source: SOURCE_TYPE,
    position,
    reasonCode,
    reason,
    raw,
  });
  const whole = (reasonCode: ErrorCode, reason: string, raw: Buffer): SubscriptionRecordResult => ({
    messageType: null,
    outputs: [reject(`${base}#0`, reasonCode, reason, raw)],
    logEvents: 0,
  });

  let text = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      text = gunzipSync(bytes, { maxOutputLength: config.maxDecompressedBytes });
    } catch (err) {
      const why = err instanceof RangeError ? `decompressed size exceeds ${config.maxDecompressedBytes} bytes` : errText(err);
      return whole('SLUICE_ERR_INPUT_UNREADABLE', `Kinesis record data could not be decompressed: ${why}`, bytes);
    }
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text.toString('utf8'));
  } catch (err) {
    return whole('SLUICE_ERR_INPUT_MALFORMED', `Kinesis record data is not a CloudWatch Logs subscription message: not JSON (${errText(err)})`, text);
  }
  if (!isObj(msg)) {
    return whole('SLUICE_ERR_INPUT_MALFORMED', `Kinesis record data is not a CloudWatch Logs subscription message: ${typeName(msg)}, not an object`, text);
  }
  const messageType = msg.messageType;
  if (messageType === 'CONTROL_MESSAGE') return { messageType, outputs: [], logEvents: 0 };
  if (messageType !== 'DATA_MESSAGE') {
    const got = typeof messageType === 'string' ? `"${messageType.slice(0, 64)}"` : typeName(messageType);
    return whole('SLUICE_ERR_INPUT_MALFORMED', `messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got ${got}`, text);
  }
  const logEvents = msg.logEvents;
  if (!Array.isArray(logEvents)) {
    return whole('SLUICE_ERR_INPUT_MALFORMED', `logEvents must be an array, got ${typeName(logEvents)}`, text);
  }
  const normalizeOpts = { rawCapBytes: config.rawCapBytes, unmappedCapBytes: config.unmappedCapBytes };
  const outputs: CollectorOutput[] = [];
  logEvents.forEach((le: unknown, i: number) => {
    const position = `${base}#${i}`;
    if (!isObj(le)) {
      outputs.push(reject(position, 'SLUICE_ERR_INPUT_MALFORMED', `logEvents[${i}] must be an object, got ${typeName(le)}`, Buffer.from(JSON.stringify(le) ?? 'null', 'utf8')));
      return;
    }
    const message = le.message;
    if (typeof message !== 'string') {
      outputs.push(reject(position, 'SLUICE_ERR_INPUT_MALFORMED', `logEvents[${i}].message must be a string, got ${typeName(message)}`, Buffer.from(JSON.stringify(le), 'utf8')));
      return;
    }
    const raw = Buffer.from(message, 'utf8');
    let record: unknown;
    try {
      record = JSON.parse(message);
    } catch (err) {
      outputs.push(reject(position, 'SLUICE_ERR_INPUT_MALFORMED', `logEvents[${i}].message is not JSON: ${errText(err)}`, raw));
      return;
    }
    try {
      const event = normalizeCloudTrail(record, normalizeOpts);
      outputs.push({ kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position });
    } catch (err) {
      const [code, reason]: [ErrorCode, string] =
        err instanceof SluiceError ? [err.code, err.message] : ['SLUICE_ERR_INPUT_MALFORMED', `normalizer failed unexpectedly: ${errText(err)}`];
      outputs.push(reject(position, code, `logEvents[${i}]: ${reason}`, raw));
    }
  });
  return { messageType, outputs, logEvents: logEvents.length };
}

// ---------------------------------------------------------------------------------------------
// The reader

export interface KinesisReadOptions {
  client: KinesisClient;
  streamName: string;
  checkpoints: CheckpointStore;
  /** aws_cloudtrail collector config (raw/unmapped caps, gzip guard). */
  config?: AwsCloudTrailConfigInput;
  /** GetRecords Limit, 1..10000. Default 1000. */
  limit?: number;
  /** Wait between rounds that brought no records. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Least time between two rounds of GetRecords (Kinesis allows 5 calls/s per shard). Default 200 ms. */
  minRoundIntervalMs?: number;
  /** Stop once every readable shard is at its tip (no records, MillisBehindLatest 0). Default false: run until aborted. */
  stopWhenCaughtUp?: boolean;
  signal?: AbortSignal;
}

/** One Kinesis record read, with what it became. Checkpoint (shardId, sequenceNumber) once `outputs` are published. */
export interface KinesisRecordOutput {
  streamName: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string | null;
  /** Epoch ms, or null. */
  approximateArrivalTimestamp: number | null;
  messageType: CloudWatchLogsMessageType | null;
  outputs: CollectorOutput[];
  /** True for the last record of one GetRecords response: a good point to flush and checkpoint. */
  endOfBatch: boolean;
  /** MillisBehindLatest of the GetRecords response the record came in (how far the shard's reader lags). */
  millisBehindLatest: number | null;
}

export interface KinesisReadStats {
  /** Kinesis records read. */
  records: number;
  dataMessages: number;
  /** CONTROL_MESSAGE records, skipped. */
  controlMessages: number;
  /** Records that were not readable subscription messages. */
  unreadableRecords: number;
  logEvents: number;
  events: number;
  rejected: number;
  getRecordsCalls: number;
  /** Closed shards read to their end (after a reshard). */
  shardsFinished: number;
  /** Shards in the last successful ListShards (0 until one succeeded). */
  shardsListed: number;
}

export interface KinesisReader extends AsyncIterable<KinesisRecordOutput> {
  readonly stats: KinesisReadStats;
}

interface ShardState {
  iterator: string | null;
  /** Last sequence number yielded by this reader (resume point after an expired iterator). */
  lastSeq: string | null;
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
}

/**
 * Reads a Kinesis stream of CloudWatch Logs subscription records carrying CloudTrail events.
 *
 * Shards are listed with ListShards; each is read with GetShardIterator (AFTER_SEQUENCE_NUMBER of its
 * checkpoint, else TRIM_HORIZON) then GetRecords. Resharding: a shard is read only once all its
 * parents (ParentShardId, AdjacentParentShardId) still listed have been read to their end
 * (NextShardIterator null); when a shard ends, shards are listed again to find its children, which
 * start at TRIM_HORIZON. So for one partition key, records of a parent always come before those of
 * its children. After a restart, a parent whose checkpoint is at its end is confirmed finished with
 * one empty GetRecords.
 *
 * Outputs come per Kinesis record, in shard order. Set checkpoints only after publishing (see
 * CheckpointStore). Errors of the Kinesis API are thrown (an expired iterator is renewed).
 */
export function readKinesis(options: KinesisReadOptions): KinesisReader {
  const config = parseAwsCloudTrailConfig(options.config ?? {});
  const limit = Math.min(10_000, Math.max(1, Math.trunc(options.limit ?? 1000)));
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const minRoundIntervalMs = options.minRoundIntervalMs ?? 200;
  const { client, streamName, checkpoints, signal } = options;
  const stats: KinesisReadStats = {
    records: 0,
    dataMessages: 0,
    controlMessages: 0,
    unreadableRecords: 0,
    logEvents: 0,
    events: 0,
    rejected: 0,
    getRecordsCalls: 0,
    shardsFinished: 0,
    shardsListed: 0,
  };

  // The SDK's commands are loaded on first use, so importing this module (and the collector's index) stays cheap.
  const sdk = import('@aws-sdk/client-kinesis');
  sdk.catch(() => undefined); // a load failure surfaces on first use

  async function listShards(): Promise<Shard[]> {
    const { ListShardsCommand } = await sdk;
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }), { abortSignal: signal });
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    stats.shardsListed = shards.length;
    return shards;
  }

  async function iteratorFor(shardId: string, after: string | null): Promise<string | null> {
    const { GetShardIteratorCommand } = await sdk;
    const res = await client.send(
      new GetShardIteratorCommand(
        after
          ? { StreamName: streamName, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' },
      ),
      { abortSignal: signal },
    );
    return res.ShardIterator ?? null;
  }

  function toOutput(shardId: string, r: KinesisRecord): KinesisRecordOutput {
    const seq = r.SequenceNumber ?? '';
    const decoded = decodeSubscriptionRecord(r.Data ?? new Uint8Array(), `kinesis:${streamName}/${shardId}@${seq}`, config);
    stats.records++;
    if (decoded.messageType === 'CONTROL_MESSAGE') stats.controlMessages++;
    else if (decoded.messageType === 'DATA_MESSAGE') stats.dataMessages++;
    else stats.unreadableRecords++;
    stats.logEvents += decoded.logEvents;
    for (const o of decoded.outputs) {
      if (o.kind === 'event') stats.events++;
      else stats.rejected++;
    }
    return {
      streamName,
      shardId,
      sequenceNumber: seq,
      partitionKey: r.PartitionKey ?? null,
      approximateArrivalTimestamp: r.ApproximateArrivalTimestamp ? r.ApproximateArrivalTimestamp.getTime() : null,
      messageType: decoded.messageType,
      outputs: decoded.outputs,
      endOfBatch: false,
      millisBehindLatest: null,
    };
  }

  async function pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !signal?.aborted;
    try {
      await sleep(ms, undefined, signal ? { signal } : {});
      return true;
    } catch {
      return false; // aborted
    }
  }

  async function* run(): AsyncGenerator<KinesisRecordOutput, void, undefined> {
    const { GetRecordsCommand } = await sdk;
    let shards = await listShards();
    const finished = new Set<string>();
    const states = new Map<string, ShardState>();

    while (!signal?.aborted) {
      const listed = new Set(shards.map((s) => s.ShardId));
      const parentDone = (id: string | undefined): boolean => id === undefined || !listed.has(id) || finished.has(id);
      const ready = shards.filter(
        (s) => s.ShardId !== undefined && !finished.has(s.ShardId) && parentDone(s.ParentShardId) && parentDone(s.AdjacentParentShardId),
      );
      if (ready.length === 0) return; // every listed shard is closed and read: nothing will come any more
      const roundStart = Date.now();
      let progressed = false;
      let caughtUp = true;
      let relist = false;

      for (const shard of ready) {
        const id = shard.ShardId!;
        let st = states.get(id);
        if (!st) {
          st = { iterator: null, lastSeq: await checkpoints.get(streamName, id) };
          states.set(id, st);
        }
        st.iterator ??= await iteratorFor(id, st.lastSeq);
        if (st.iterator === null) {
          // No iterator: the shard is closed and past its end.
          finished.add(id);
          stats.shardsFinished++;
          relist = true;
          continue;
        }
        let res: GetRecordsCommandOutput;
        try {
          stats.getRecordsCalls++;
          res = await client.send(new GetRecordsCommand({ ShardIterator: st.iterator, Limit: limit }), { abortSignal: signal });
        } catch (err) {
          if (errorName(err) === 'ExpiredIteratorException') {
            st.iterator = null; // renewed from lastSeq next round
            caughtUp = false;
            continue;
          }
          throw err;
        }
        const records = res.Records ?? [];
        for (const [i, r] of records.entries()) {
          const out = toOutput(id, r);
          out.endOfBatch = i === records.length - 1;
          out.millisBehindLatest = res.MillisBehindLatest ?? null;
          st.lastSeq = out.sequenceNumber;
          progressed = true;
          yield out;
          if (signal?.aborted) return;
        }
        if (!res.NextShardIterator) {
          finished.add(id);
          stats.shardsFinished++;
          relist = true;
          progressed = true;
        } else {
          st.iterator = res.NextShardIterator;
          if (records.length > 0 || (res.MillisBehindLatest ?? 0) > 0) caughtUp = false;
        }
      }

      if (relist) shards = await listShards();
      else if (options.stopWhenCaughtUp && caughtUp && !progressed) return;
      const wait = progressed ? minRoundIntervalMs - (Date.now() - roundStart) : pollIntervalMs;
      if (!(await pause(wait))) return;
    }
  }

  /** An abort ends the iteration, even when it cancels a request in flight (which then throws an AbortError). */
  async function* guarded(): AsyncGenerator<KinesisRecordOutput, void, undefined> {
    try {
      yield* run();
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  return {
    stats,
    [Symbol.asyncIterator]: () => guarded(),
  };
}
