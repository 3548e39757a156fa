// Smoke test of the integration-test services started by test/run.ts: Kafka (kafkajs) and ClickHouse.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KAFKA_TEST_CONSUMER_SETTINGS, testServicesFromEnv } from './support/services.ts';

const services = testServicesFromEnv();
const suffix = randomUUID().slice(0, 8);

describe('harness: Kafka', () => {
  const kafka = new Kafka({ clientId: 'harness-test', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin;
  before(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
  });

  test('keyed messages round-trip with partition affinity and committed offsets', { timeout: 60_000 }, async () => {
    // A unique topic: the mock (and the Kafka container) auto-create it on the first Metadata request.
    const topic = `sluice.test.harness-${suffix}`;
    const groupId = `harness-${suffix}`;
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const sent = keys.flatMap((key) => [0, 1, 2, 3].map((i) => ({ key, value: `${key}-${i}` })));

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: sent.slice(0, 12) });
    await producer.send({ topic, messages: sent.slice(12) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId, ...KAFKA_TEST_CONSUMER_SETTINGS });
    const got: Array<{ key: string; value: string; partition: number; offset: string }> = [];
    let done!: () => void;
    const allReceived = new Promise<void>((r) => (done = r));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({ key: String(message.key), value: String(message.value), partition, offset: message.offset });
          if (got.length >= sent.length) done();
        },
      });
      await allReceived;

      // Committed offsets reach the end of every non-empty partition (kafkajs autoCommit).
      const ends = await admin.fetchTopicOffsets(topic);
      const expected = new Map(ends.filter((p) => p.high !== '0').map((p) => [p.partition, p.high]));
      const deadline = Date.now() + 20_000;
      let committed = new Map<number, string>();
      while (Date.now() < deadline) {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        committed = new Map(offsets!.partitions.map((p) => [p.partition, p.offset]));
        if ([...expected].every(([p, high]) => committed.get(p) === high)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const [p, high] of expected) assert.equal(committed.get(p), high, `committed offset of partition ${p}`);
    } finally {
      await consumer.disconnect();
    }

    assert.equal(got.length, sent.length);
    assert.deepEqual(
      got.map((m) => `${m.key}=${m.value}`).sort(),
      sent.map((m) => `${m.key}=${m.value}`).sort(),
    );
    const partitionOf = new Map<string, number>();
    for (const m of got) {
      const p = partitionOf.get(m.key) ?? m.partition;
      assert.equal(m.partition, p, `key ${m.key} seen on partitions ${p} and ${m.partition}`);
      partitionOf.set(m.key, p);
    }
    assert.ok(new Set(partitionOf.values()).size > 1, 'six keys should spread over more than one partition');
    for (const key of keys) {
      // Within a partition, a key's messages keep their produce order.
      assert.deepEqual(
        got.filter((m) => m.key === key).map((m) => m.value),
        [0, 1, 2, 3].map((i) => `${key}-${i}`),
      );
    }
  });
});

describe('harness: ClickHouse', () => {
  let client: ClickHouseClient;
  const table = `harness_${suffix.replace(/-/g, '')}`;
  before(() => {
    client = createClient({ url: services.clickhouseUrl, request_timeout: 30_000 });
  });
  after(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  test('SELECT version()', async () => {
    const rows = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>();
    assert.match(rows[0]!.v, /^\d+\.\d+/);
  });

  test('CREATE, INSERT, SELECT', async () => {
    await client.command({
      query: `CREATE TABLE ${table} (id UInt64, name String, score Float64) ENGINE = MergeTree ORDER BY id`,
    });
    await client.insert({
      table,
      format: 'JSONEachRow',
      values: [
        { id: 2, name: 'beta', score: 2.5 },
        { id: 1, name: 'alpha', score: 1 },
        { id: 3, name: 'gamma', score: -4.25 },
      ],
    });
    const result = await client.query({
      query: `SELECT id, name, score FROM ${table} ORDER BY id`,
      format: 'JSONEachRow',
      // UInt64 is returned as a JSON string unless this is 0.
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    assert.deepEqual(await result.json(), [
      { id: 1, name: 'alpha', score: 1 },
      { id: 2, name: 'beta', score: 2.5 },
      { id: 3, name: 'gamma', score: -4.25 },
    ]);
  });
});
