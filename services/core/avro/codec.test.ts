import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { AvroDeserializer, AvroSerializer, MockClient, SerdeType } from '@confluentinc/schemaregistry';
import { AvroCodec } from './codec.ts';
import { ConfluentSchemaRegistry } from './confluent-registry.ts';
import { LocalSchemaRegistry, loadLocalSchemas } from './registry.ts';
import { SCHEMA_NAMES } from '../events.ts';
import { SluiceError } from '../errors.ts';
import { apiActivity } from '../../../test/fixtures/events/api-activity.ts';

/** avsc decodes into record classes; compare as plain data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const event = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', mfa: true });

test('local registry: Confluent framing with the fixed id from schemas/avro/index.json', async () => {
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const buf = await codec.encode('sluice.activity.v1', SCHEMA_NAMES.apiActivity, event);
  assert.equal(buf[0], 0);
  assert.equal(buf.readInt32BE(1), 1001);
  const { schemaId, value } = await codec.decode(buf, SCHEMA_NAMES.apiActivity);
  assert.equal(schemaId, 1001);
  assert.deepEqual(plain(value), event);
});

test('every local schema id and name is unique', () => {
  const schemas = loadLocalSchemas();
  assert.equal(new Set(schemas.map((s) => s.id)).size, schemas.length);
  assert.equal(new Set(schemas.map((s) => s.name)).size, schemas.length);
});

test('bad payloads and bad records fail with clear codes', async () => {
  const codec = new AvroCodec(new LocalSchemaRegistry());
  await assert.rejects(codec.decode(Buffer.from('{"json":true}')), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_DECODE');
  await assert.rejects(codec.decode(Buffer.from([0, 0, 0, 0, 7, 1])), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_UNKNOWN');
  const truncated = (await codec.encode('t', SCHEMA_NAMES.apiActivity, event)).subarray(0, 40);
  await assert.rejects(codec.decode(truncated), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_DECODE');
  await assert.rejects(
    codec.encode('t', SCHEMA_NAMES.apiActivity, { ...event, time: 'yesterday' }),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_ENCODE' && e.message.includes('time'),
  );
});

test('Confluent registry: registers under <topic>-value and interoperates with the Confluent serdes', async () => {
  const client = new MockClient();
  const codec = new AvroCodec(new ConfluentSchemaRegistry(client));
  const buf = await codec.encode('sluice.activity.v1', SCHEMA_NAMES.apiActivity, event);
  const id = buf.readInt32BE(1);
  assert.equal(await client.getId('sluice.activity.v1-value', { schemaType: 'AVRO', schema: new LocalSchemaRegistry().schema(SCHEMA_NAMES.apiActivity).text }), id);

  // Confluent's own deserializer reads what Sluice wrote...
  const theirs = await new AvroDeserializer(client, SerdeType.VALUE, {}).deserialize('sluice.activity.v1', buf);
  assert.equal(theirs.api.operation, 'StopLogging');
  assert.equal(theirs.metadata.uid, event.metadata.uid);
  // ...and Sluice reads what Confluent's serializer wrote.
  const written = await new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true }).serialize('sluice.activity.v1', event);
  const { value } = await codec.decode(written, SCHEMA_NAMES.apiActivity);
  assert.deepEqual(plain(value), event);
});

test('an older writer schema resolves to the current reader schema', async () => {
  // Writer v0: the current schema without the defaulted user_agent field.
  const current = new LocalSchemaRegistry().schema(SCHEMA_NAMES.apiActivity);
  const v0 = JSON.parse(current.text) as { fields: Array<{ name: string }> };
  v0.fields = v0.fields.filter((f) => f.name !== 'user_agent');
  const client = new MockClient();
  const oldId = await client.register('sluice.activity.v1-value', { schemaType: 'AVRO', schema: JSON.stringify(v0) }, false);
  const oldType = avro.Type.forSchema(v0 as avro.Schema);
  const { user_agent: _dropped, ...oldEvent } = event;
  const payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), oldType.toBuffer(oldEvent)]);
  payload.writeInt32BE(oldId, 1);
  const { value } = await new AvroCodec(new ConfluentSchemaRegistry(client)).decode<typeof event>(payload, SCHEMA_NAMES.apiActivity);
  assert.equal(value.user_agent, null);
  assert.equal(value.api.operation, 'StopLogging');
});

test('Confluent registry: an unknown id is final (SCHEMA_UNKNOWN), an unreachable registry is retriable', async () => {
  const unknown = new AvroCodec(new ConfluentSchemaRegistry(new MockClient()));
  await assert.rejects(unknown.decode(Buffer.from([0, 0, 0, 0x7f, 1, 2])), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_UNKNOWN' && !e.retriable);
  const down = new MockClient();
  down.getBySubjectAndId = async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:8081');
  };
  const codec = new AvroCodec(new ConfluentSchemaRegistry(down));
  await assert.rejects(codec.decode(Buffer.from([0, 0, 0, 0x7f, 1, 2])), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_REGISTRY' && e.retriable);
});

test('encode writes the same bytes as avsc for small and large records (the scratch buffer grows past 16 KiB)', async () => {
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const type = new LocalSchemaRegistry().typeForName(SCHEMA_NAMES.apiActivity);
  const large = { ...event, raw_data: 'x'.repeat(40_000) };
  for (const value of [event, large, event]) {
    const buf = await codec.encode('t', SCHEMA_NAMES.apiActivity, value);
    const body = type.toBuffer(value);
    assert.equal(buf.length, 5 + body.length);
    assert.deepEqual(buf.subarray(5), body);
    assert.equal(buf.readInt32BE(1), 1001);
    assert.deepEqual(plain((await codec.decode(buf, SCHEMA_NAMES.apiActivity)).value), plain(value));
  }
});
