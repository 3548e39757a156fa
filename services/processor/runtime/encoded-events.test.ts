import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import { frame } from '../../core/avro/wire.ts';
import { SCHEMA_NAMES } from '../../core/events.ts';
import { apiActivity } from '../../../test/fixtures/events/api-activity.ts';
import { EventDecoder, encodeEvents, schemaIdOf, schemaText, type EncodedRecord } from './encoded-events.ts';

const registry = new LocalSchemaRegistry();
const codec = new AvroCodec(registry);
const reader = registry.typeForName(SCHEMA_NAMES.apiActivity);
/** The value as the detectors see it, without avsc's record classes. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const meta = (i: number) => ({ key: `k${i}`, topic: 'activity', partition: i % 3, offset: String(100 + i) });

test('events packed into one buffer decode in the worker as AvroCodec.decode does, with their positions', async () => {
  const values = [apiActivity({ uid: 'a' }), apiActivity({ uid: 'b', status: 'Failure', mfa: false }), apiActivity({ uid: 'c', operation: 'DeleteTrail' })];
  const records: EncodedRecord[] = await Promise.all(values.map(async (v, i) => ({ payload: await codec.encode('activity', SCHEMA_NAMES.apiActivity, v), meta: meta(i) })));
  const id = schemaIdOf(records[0]!.payload)!;
  const { events, transfer } = encodeEvents(records, [2, 0, 1], { writers: new Map([[id, schemaText(await registry.typeForId(id))]]), reader: schemaText(reader) });
  assert.equal(transfer.length, 3);
  const r = new EventDecoder().open(events);
  assert.equal(r.length, 3);
  for (const [n, i] of [2, 0, 1].entries()) {
    const decoded = r.decode(n) as Record<string, unknown>;
    assert.deepEqual(plain(decoded), plain((await codec.decode(Buffer.from(records[i]!.payload), SCHEMA_NAMES.apiActivity)).value));
    const enumerable: string[] = [];
    for (const k in decoded) enumerable.push(k);
    assert.deepEqual(enumerable, Object.keys(decoded), 'no enumerable record methods');
    assert.deepEqual(r.meta(n), meta(i));
  }
});

test('an older writer schema is resolved to the reader (a field it lacks takes its default)', () => {
  const schema = JSON.parse(schemaText(reader)) as { fields: Array<{ name: string }> };
  const older = avro.Type.forSchema({ ...schema, fields: schema.fields.filter((f) => f.name !== 'status_detail') } as avro.Schema);
  const { status_detail: _dropped, ...value } = apiActivity({ uid: 'old' });
  const records = [{ payload: frame(9001, older.toBuffer(value)), meta: meta(0) }];
  const { events } = encodeEvents(records, [0], { writers: new Map([[9001, schemaText(older)]]), reader: schemaText(reader) });
  assert.deepEqual(plain(new EventDecoder().open(events).decode(0)), plain({ ...apiActivity({ uid: 'old' }), status_detail: null }));
});

test('a bad payload fails alone, with the codec error codes; the others decode', async () => {
  const good = await codec.encode('activity', SCHEMA_NAMES.apiActivity, apiActivity({ uid: 'ok' }));
  const id = schemaIdOf(good)!;
  const records: EncodedRecord[] = [
    { payload: good.subarray(0, good.length - 4), meta: meta(0) }, // truncated body
    { payload: Buffer.from('{"not":"avro"}'), meta: meta(1) }, // no Confluent header
    { payload: frame(4242, Buffer.from([0])), meta: meta(2) }, // an id the registry did not resolve
    { payload: Buffer.concat([good, Buffer.from([1, 2])]), meta: meta(3) }, // trailing bytes
    { payload: good, meta: meta(4) },
  ];
  const { events } = encodeEvents(records, [0, 1, 2, 3, 4], { writers: new Map([[id, schemaText(reader)]]), reader: schemaText(reader) });
  const r = new EventDecoder().open(events);
  assert.throws(() => r.decode(0), { code: 'SLUICE_ERR_SCHEMA_DECODE', message: /not a valid sluice.ocsf.ApiActivity record \(schema id \d+\): truncated buffer/ });
  assert.throws(() => r.decode(1), { code: 'SLUICE_ERR_SCHEMA_DECODE', message: /Confluent magic byte/ });
  assert.throws(() => r.decode(2), { code: 'SLUICE_ERR_SCHEMA_UNKNOWN' });
  assert.throws(() => r.decode(3), { code: 'SLUICE_ERR_SCHEMA_DECODE', message: /trailing data/ });
  assert.equal((r.decode(4) as { metadata: { uid: string } }).metadata.uid, 'ok');
});
