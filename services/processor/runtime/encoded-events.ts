import { createRequire } from 'node:module';
import type avro from 'avsc';
import type { EventMeta } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { MAGIC_BYTE, unframe } from '../../core/avro/wire.ts';
import type { EncodedEvents } from './protocol.ts';

/** One input record as it came from Kafka: its Confluent-framed Avro payload and its position. */
export interface EncodedRecord {
  payload: Uint8Array;
  meta: EventMeta;
}

/** What the worker needs to decode a stream's records: writer schemas by id and the reader schema (Avro JSON). */
export interface EncodedSchemas {
  writers: ReadonlyMap<number, string>;
  reader: string;
}

/** The schema id a framed payload names, or null when it has no Confluent header (the worker rejects it). */
export function schemaIdOf(payload: Uint8Array): number | null {
  if (payload.length < 5 || payload[0] !== 0) return null;
  return ((payload[1]! << 24) | (payload[2]! << 16) | (payload[3]! << 8) | payload[4]!) >>> 0;
}

/** An Avro type's schema as JSON with its defaults and attributes (what a resolver needs). */
export function schemaText(type: avro.Type): string {
  return JSON.stringify(type.schema({ exportAttrs: true }));
}

const texts = new WeakMap<avro.Type, string>();

/** schemaText, computed once per type (the processor sends it with every request). */
export function cachedSchemaText(type: avro.Type): string {
  let text = texts.get(type);
  if (text === undefined) texts.set(type, (text = schemaText(type)));
  return text;
}

/**
 * Packs records `indexes` of `records` (all of one topic) into one buffer plus their keys and
 * offsets: one copy of the payload bytes, no per-event objects crossing the thread boundary.
 */
export function encodeEvents(records: readonly EncodedRecord[], indexes: readonly number[], schemas: EncodedSchemas): { events: EncodedEvents; transfer: ArrayBuffer[] } {
  let size = 0;
  for (const i of indexes) size += records[i]!.payload.length;
  const data = new Uint8Array(size);
  const ends = new Int32Array(indexes.length);
  const partitions = new Int32Array(indexes.length);
  const keys = new Array<string>(indexes.length);
  const offsets = new Array<string>(indexes.length);
  const writers: Record<number, string> = {};
  let at = 0;
  let topic: string | undefined;
  for (let n = 0; n < indexes.length; n++) {
    const { payload, meta } = records[indexes[n]!]!;
    topic ??= meta.topic;
    if (meta.topic !== topic) throw new Error(`encodeEvents: records of ${topic} and ${meta.topic} in one request`);
    data.set(payload, at);
    at += payload.length;
    ends[n] = at;
    partitions[n] = meta.partition;
    keys[n] = meta.key;
    offsets[n] = meta.offset;
    const id = schemaIdOf(payload);
    if (id !== null && writers[id] === undefined) {
      const text = schemas.writers.get(id);
      if (text !== undefined) writers[id] = text;
    }
  }
  const events: EncodedEvents = { encoding: 'avro', data: data.buffer, ends: ends.buffer, partitions: partitions.buffer, keys, offsets, topic: topic ?? '', writers, reader: schemas.reader };
  return { events, transfer: [data.buffer, ends.buffer, partitions.buffer] };
}

type Resolver = ReturnType<avro.Type['createResolver']>;

/** avsc, loaded on the first encoded request: a worker thread that is only sent objects starts without it. */
let avsc: typeof avro | undefined;
const loadAvsc = (): typeof avro => (avsc ??= createRequire(import.meta.url)('avsc') as typeof avro);

/**
 * The worker's side: decodes the events of an EncodedEvents, with the same writer-to-reader
 * resolution as AvroCodec.decode. Types and resolvers are built once per schema and kept.
 */
export class EventDecoder {
  private readonly types = new Map<string, avro.Type>();
  private readonly resolvers = new Map<avro.Type, Map<avro.Type, Resolver>>();

  private type(text: string): avro.Type {
    let t = this.types.get(text);
    // Records without avsc's enumerable helper methods: `for...in` sees the fields only, as it does on
    // the structured clones the threads otherwise receive.
    if (!t) this.types.set(text, (t = loadAvsc().Type.forSchema(JSON.parse(text) as avro.Schema, { omitRecordMethods: true })));
    return t;
  }

  /** A reader over one request's events; decode(i) throws a SluiceError for a bad payload. */
  open(events: EncodedEvents): EncodedEventsReader {
    const reader = this.type(events.reader);
    const byId = new Map<number, { type: avro.Type; resolver: Resolver | undefined }>();
    for (const [id, text] of Object.entries(events.writers)) {
      const writer = this.type(text);
      let resolver: Resolver | undefined;
      if (writer !== reader) {
        let forWriter = this.resolvers.get(reader);
        if (!forWriter) this.resolvers.set(reader, (forWriter = new Map()));
        resolver = forWriter.get(writer);
        if (!resolver) forWriter.set(writer, (resolver = reader.createResolver(writer)));
      }
      byId.set(Number(id), { type: reader, resolver });
    }
    return new EncodedEventsReader(events, byId);
  }
}

export class EncodedEventsReader {
  private readonly data: Buffer;
  private readonly ends: Int32Array;
  private readonly partitions: Int32Array;

  constructor(
    private readonly events: EncodedEvents,
    private readonly byId: ReadonlyMap<number, { type: avro.Type; resolver: Resolver | undefined }>,
  ) {
    this.data = Buffer.from(events.data);
    this.ends = new Int32Array(events.ends);
    this.partitions = new Int32Array(events.partitions);
  }

  get length(): number {
    return this.ends.length;
  }

  meta(i: number): EventMeta {
    return { key: this.events.keys[i]!, topic: this.events.topic, partition: this.partitions[i]!, offset: this.events.offsets[i]! };
  }

  decode(i: number): unknown {
    const start = i === 0 ? 0 : this.ends[i - 1]!;
    const end = this.ends[i]!;
    // The Confluent header, checked as unframe() does.
    if (end - start < 5 || this.data[start] !== MAGIC_BYTE) unframe(this.data.subarray(start, end));
    const schemaId = this.data.readInt32BE(start + 1);
    const schema = this.byId.get(schemaId);
    if (!schema) throw new SluiceError('SLUICE_ERR_SCHEMA_UNKNOWN', `schema id ${schemaId} was not resolved by the registry`);
    let problem: string;
    try {
      // Read in place (no per-event Buffer view); like fromBuffer, the body must be read exactly.
      const { value, offset } = schema.type.decode(this.data.subarray(0, end), start + 5, schema.resolver);
      if (offset === end) return value;
      problem = offset < 0 ? 'truncated buffer' : 'trailing data';
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload is not a valid ${schema.type.name ?? 'Avro'} record (schema id ${schemaId}): ${(cause as Error).message}`, { cause });
    }
    throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload is not a valid ${schema.type.name ?? 'Avro'} record (schema id ${schemaId}): ${problem}`);
  }
}

/**
 * An input record the processor hands to the worker threads undecoded: its framed payload, position
 * and the writer schema the registry resolved (the header and schema id were checked). `event`
 * decodes it on the main thread on first read only (a detector failure's dead letter), with `read`.
 */
export class PendingEvent<T> {
  private value: T | undefined;
  private read: ((pending: PendingEvent<T>) => T) | undefined;

  constructor(
    readonly meta: EventMeta,
    readonly payload: Buffer,
    readonly schemaId: number,
    readonly writer: avro.Type,
    read: (pending: PendingEvent<T>) => T,
  ) {
    this.read = read;
  }

  get event(): T {
    if (this.read) {
      this.value = this.read(this);
      this.read = undefined;
    }
    return this.value as T;
  }
}
