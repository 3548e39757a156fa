import avro from 'avsc';
import type { Client } from '@confluentinc/schemaregistry';
import { SluiceError } from '../errors.ts';
import { LocalSchemaRegistry, type AvroType, type SchemaRegistry } from './registry.ts';

/**
 * Schemas registered and resolved through a Confluent-compatible Schema Registry
 * (@confluentinc/schemaregistry). Subjects follow the TopicNameStrategy: `<topic>-value`.
 * The schema text comes from schemas/avro/; ids come from the registry.
 */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly kind = 'confluent' as const;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly types = new Map<number, Promise<AvroType>>();

  constructor(
    private readonly client: Client,
    private readonly local: LocalSchemaRegistry = new LocalSchemaRegistry(),
  ) {}

  static async connect(url: string): Promise<ConfluentSchemaRegistry> {
    // Loaded only when a registry is configured: the package is large.
    const { SchemaRegistryClient } = await import('@confluentinc/schemaregistry');
    return new ConfluentSchemaRegistry(new SchemaRegistryClient({ baseURLs: [url] }));
  }

  idFor(topic: string, schemaName: string): Promise<number> {
    const subject = `${topic}-value`;
    const cacheKey = `${subject}\u0000${schemaName}`;
    let id = this.ids.get(cacheKey);
    if (!id) {
      const { text } = this.local.schema(schemaName);
      id = this.client.register(subject, { schemaType: 'AVRO', schema: text }, false).catch((cause: unknown) => {
        this.ids.delete(cacheKey);
        throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', `registering ${schemaName} under ${subject} failed: ${(cause as Error).message}`, { cause });
      });
      this.ids.set(cacheKey, id);
    }
    return id;
  }

  typeForId(id: number): Promise<AvroType> {
    let type = this.types.get(id);
    if (!type) {
      type = this.client
        .getBySubjectAndId('', id)
        .then((info) => avro.Type.forSchema(JSON.parse(info.schema) as avro.Schema))
        .catch((cause: unknown) => {
          this.types.delete(id);
          // Only the registry's own "not found" is final; anything else (down, timeout) is retried.
          const notFound = (cause as { status?: unknown }).status === 404;
          throw new SluiceError(
            notFound ? 'SLUICE_ERR_SCHEMA_UNKNOWN' : 'SLUICE_ERR_SCHEMA_REGISTRY',
            `schema id ${id} could not be resolved: ${(cause as Error).message}`,
            { cause },
          );
        });
      this.types.set(id, type);
    }
    return type;
  }

  typeForName(schemaName: string): AvroType {
    return this.local.typeForName(schemaName);
  }
}
