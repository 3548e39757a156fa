import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { SluiceError } from '../errors.ts';

export type AvroType = avro.Type;

/** Resolves schema ids for encoding and Avro types for decoding. */
export interface SchemaRegistry {
  readonly kind: 'local' | 'confluent';
  /** The id under which `schemaName` is written to `topic` (registering it when needed). */
  idFor(topic: string, schemaName: string): Promise<number>;
  typeForId(id: number): Promise<AvroType>;
  typeForName(schemaName: string): AvroType;
}

export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/avro/', import.meta.url));

interface IndexEntry {
  id: number;
  name: string;
  file: string;
}

export interface LocalSchema {
  id: number;
  name: string;
  type: AvroType;
  text: string;
}

/** Loads schemas/avro/index.json and the .avsc files it lists. */
export function loadLocalSchemas(dir = SCHEMAS_DIR): LocalSchema[] {
  const index = JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as { schemas: IndexEntry[] };
  return index.schemas.map((e) => {
    const text = readFileSync(`${dir}/${e.file}`, 'utf8');
    const type = avro.Type.forSchema(JSON.parse(text) as avro.Schema);
    if (type.name !== e.name) {
      throw new SluiceError('SLUICE_ERR_SCHEMA_UNKNOWN', `schemas/avro/${e.file} defines ${type.name ?? '(anonymous)'}, index.json says ${e.name}`);
    }
    return { id: e.id, name: e.name, type, text };
  });
}

/**
 * The local registry: fixed ids from schemas/avro/index.json, so processes that share the repo's
 * schemas agree on ids without a registry server.
 */
export class LocalSchemaRegistry implements SchemaRegistry {
  readonly kind = 'local' as const;
  private readonly byId = new Map<number, LocalSchema>();
  private readonly byName = new Map<string, LocalSchema>();

  constructor(schemas: LocalSchema[] = loadLocalSchemas()) {
    for (const s of schemas) {
      this.byId.set(s.id, s);
      this.byName.set(s.name, s);
    }
  }

  async idFor(_topic: string, schemaName: string): Promise<number> {
    return this.schema(schemaName).id;
  }

  async typeForId(id: number): Promise<AvroType> {
    const s = this.byId.get(id);
    if (!s) throw new SluiceError('SLUICE_ERR_SCHEMA_UNKNOWN', `schema id ${id} is not in the local registry (schemas/avro/index.json)`);
    return s.type;
  }

  typeForName(schemaName: string): AvroType {
    return this.schema(schemaName).type;
  }

  schema(schemaName: string): LocalSchema {
    const s = this.byName.get(schemaName);
    if (!s) throw new SluiceError('SLUICE_ERR_SCHEMA_UNKNOWN', `schema ${schemaName} is not in schemas/avro/index.json`);
    return s;
  }

  all(): LocalSchema[] {
    return [...this.byId.values()];
  }
}
