import { SluiceError } from '../errors.ts';
import type { AvroType, SchemaRegistry } from './registry.ts';
import { frame, unframe } from './wire.ts';

/** Encodes and decodes records in the Confluent wire format through a registry. */
export class AvroCodec {
  private readonly resolvers = new Map<string, ReturnType<AvroType['createResolver']>>();

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
    if (!type.isValid(value, { errorHook: (path) => problems.push(path.join('.') || '(root)') })) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_ENCODE', `record does not match ${schemaName} at: ${problems.slice(0, 5).join(', ')}`);
    }
    return frame(id, type.toBuffer(value));
  }

  /**
   * Decodes a framed payload. With `readerSchema`, the writer's schema is resolved to the reader's
   * (Avro schema evolution), so an older or newer writer still yields the reader's shape.
   */
  async decode<T>(payload: Buffer, readerSchema?: string): Promise<{ schemaId: number; value: T }> {
    const { schemaId, body } = unframe(payload);
    const writer = await this.registry.typeForId(schemaId);
    const reader = readerSchema ? this.registry.typeForName(readerSchema) : writer;
    try {
      const resolver = reader === writer ? undefined : this.resolver(reader, writer, schemaId);
      return { schemaId, value: (resolver ? reader.fromBuffer(body, resolver) : reader.fromBuffer(body)) as T };
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_DECODE', `payload is not a valid ${reader.name ?? 'Avro'} record (schema id ${schemaId}): ${(cause as Error).message}`, { cause });
    }
  }
}
