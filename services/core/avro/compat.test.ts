import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import { loadLocalSchemas, SCHEMAS_DIR } from './registry.ts';

/**
 * Backward compatibility: every current schema reads data written with each released version of
 * the same record (schemas/avro/released/). Random records of the old version are written with the
 * old schema and read through an avsc resolver into the current one.
 */
const RELEASED_DIR = `${SCHEMAS_DIR}/released`;

function released(): Array<{ file: string; type: avro.Type }> {
  return readdirSync(RELEASED_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .map((file) => ({ file, type: avro.Type.forSchema(JSON.parse(readFileSync(`${RELEASED_DIR}/${file}`, 'utf8')) as avro.Schema) }));
}

/** Reads `count` random records written by `writer` through `reader`; throws when incompatible. */
export function assertReadable(reader: avro.Type, writer: avro.Type, count = 50): void {
  const resolver = reader.createResolver(writer);
  for (let i = 0; i < count; i++) {
    const value: unknown = writer.random();
    const decoded: unknown = reader.fromBuffer(writer.toBuffer(value), resolver);
    assert.ok(reader.isValid(decoded));
  }
}

test('every schema of the local registry has a released version', () => {
  const names = new Set(released().map((r) => r.type.name));
  for (const s of loadLocalSchemas()) assert.ok(names.has(s.name), `${s.name} has no copy in schemas/avro/released/`);
});

test('current schemas read data written with every released version', () => {
  const current = new Map(loadLocalSchemas().map((s) => [s.name, s.type]));
  for (const { file, type } of released()) {
    const reader = current.get(type.name ?? '');
    assert.ok(reader, `${file}: ${type.name} is no longer in the registry (a schema must not disappear while data may use it)`);
    assert.doesNotThrow(() => assertReadable(reader, type), `${file} -> current ${type.name}`);
  }
});

test('the check catches an incompatible change (a new field without a default)', () => {
  const dead = released().find((r) => r.type.name === 'sluice.DeadLetter');
  assert.ok(dead);
  const old = dead.type;
  const schema = JSON.parse(JSON.stringify(old.schema())) as { fields: object[] };
  schema.fields.push({ name: 'tenant', type: 'string' });
  assert.throws(() => assertReadable(avro.Type.forSchema(schema as avro.Schema), old));
  schema.fields[schema.fields.length - 1] = { name: 'tenant', type: ['null', 'string'], default: null };
  assert.doesNotThrow(() => assertReadable(avro.Type.forSchema(schema as avro.Schema), old), 'a defaulted field is compatible');
});
