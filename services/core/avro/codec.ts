import { SluiceError } from '../errors.ts';
import type { AvroType, SchemaRegistry } from './registry.ts';
import { MAGIC_BYTE, unframe } from './wire.ts';

/** The first size of the encode buffer; it grows to the largest record encoded. */
const SCRATCH_BYTES = 16 * 1024;

/** Encodes and decodes records in the Confluent wire format through a registry. */
export class AvroCodec {
  private readonly resolvers = new Map<string, ReturnType<AvroType['createResolver']>>();
  /**
   * One buffer every encode writes into (header and body), then copied out once. avsc's toBuffer
   * writes into a 1 KiB buffer and writes a larger record a second time (a normalized event is
   * about 2 KiB), and framing the body copied it again.
   */
  private scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

  constructor(readonly registry: SchemaRegistry) {}

  private resolver(reader: AvroType, writer: AvroType, writerId: number): ReturnType<AvroType['createResolver']> {
    const key = `${reader.name ?? ''}\u0000${writerId}`;
    let r = this.resolvers.get(key);
    if (!r) {
      r = reader.createResolver(writer);
      this.resolvers.set(key, r);
    }
    return r;
  }

  async encode(topic: string, schemaName: string, value: unknown): Promise<Buffer> {
    const id = await this.registry.idFor(topic, schemaName);
    const type = this.registry.typeForName(schemaName);
    const problems: string[] = [];
    // The check without a hook is the fast one (no path bookkeeping per field); the paths are
    // collected only for a record that fails it.
    if (!type.isValid(value) && !type.isValid(value, { errorHook: (path) => problems.push(path.join('.') || '(root)') })) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_ENCODE', `record does not match ${schemaName} at: ${problems.slice(0, 5).join(', ')}`);
    }
    return this.framed(id, type, value);
  }

  /** The Confluent frame of `value`: written once into the scratch buffer (grown when short), copied out once. */
  private framed(schemaId: number, type: AvroType, value: unknown): Buffer {
    for (;;) {
      const scratch = this.scratch;
      // Type.encode returns the end offset, or minus the bytes it was short of.
      const end = type.encode(value, scratch, 5);
      if (end >= 0) {
        scratch.writeUInt8(MAGIC_BYTE, 0);
        scratch.writeInt32BE(schemaId, 1);
        const out = Buffer.allocUnsafe(end);
        scratch.copy(out, 0, 0, end);
        return out;
      }
      this.scratch = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, scratch.length - end));
    }
  }

  /**
   * Decodes a framed payload. With `readerSchema`, the writer's schema is resolved to the reader's
   * (Avro schema evolution), so an older or newer writer still yields the reader's shape.
   */
  async decode<T>(payload: Buffer, readerSchema?: string): Promise<{ schemaId: number; value: T }> {
    const { schemaId, writer } = await this.writerOf(payload);
    return { schemaId, value: this.decodeWith<T>(payload, schemaId, writer, readerSchema) };
  }

  /**
   * The first half of decode: checks the Confluent header and resolves the writer's schema from the
   * registry (SLUICE_ERR_SCHEMA_DECODE, SLUICE_ERR_SCHEMA_UNKNOWN, or the registry's retriable error).
   */
  async writerOf(payload: Buffer): Promise<{ schemaId: number; writer: AvroType }> {
    const { schemaId } = unframe(payload);
    return { schemaId, writer: await this.registry.typeForId(schemaId) };
  }

  /** The second half of decode: reads the body with a writer from writerOf (SLUICE_ERR_SCHEMA_DECODE when it does not fit). */
  decodeWith<T>(payload: Buffer, schemaId: number, writer: AvroType, readerSchema?: string): T {
    const { body } = unframe(payload);
    const reader = readerSchema ? this.registry.typeForName(readerSchema) : writer;
    try {
      const resolver = reader === writer ? undefined : this.resolver(reader, writer, schemaId);
      return (resolver ? reader.fromBuffer(body, resolver) : reader.fromBuffer(body)) as T;
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload is not a valid ${reader.name ?? 'Avro'} record (schema id ${schemaId}): ${(cause as Error).message}`, { cause });
    }
  }
}
