// The Kafka mock's fault commands and topic auto-creation. Starts its OWN mock cluster (needs the
// launcher built by test/support/prepare.sh), independent of the runner's services.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_MOCK_DEFAULT_PARTITIONS, startKafkaMock, type KafkaMock } from './kafka-mock.ts';

const kafkaFor = (mock: KafkaMock): Kafka =>
  new Kafka({ clientId: 'mock-test', brokers: mock.bootstrap, logLevel: logLevel.NOTHING });

async function leaderOf(mock: KafkaMock, topic: string, partition: number): Promise<number | undefined> {
  const admin = kafkaFor(mock).admin(); // a fresh client, so no cached metadata
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
  } finally {
    await admin.disconnect();
  }
}

describe('kafka mock', { timeout: 60_000 }, () => {
  let mock: KafkaMock;
  before(async () => {
    mock = await startKafkaMock({ brokers: 3, topics: [{ name: 'faults', partitions: 3, replicationFactor: 3 }] });
  });
  after(async () => {
    await mock?.stop();
  });

  test('prints three bootstrap brokers', () => {
    assert.equal(mock.bootstrap.length, 3);
    for (const b of mock.bootstrap) assert.match(b, /^[\w.-]+:\d+$/);
  });

  test('`leader <topic> 0 2` is acknowledged and moves the leader', async () => {
    await mock.command('leader faults 0 3');
    assert.equal(await leaderOf(mock, 'faults', 0), 3);
    await mock.command('leader faults 0 2');
    assert.equal(await leaderOf(mock, 'faults', 0), 2);

    // Producing and fetching still work against the new leader.
    const kafka = kafkaFor(mock);
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'faults', messages: [{ partition: 0, key: 'k', value: 'after-move' }] });
    await producer.disconnect();
    assert.equal(meta?.partition, 0);
  });

  test('unknown and malformed commands are rejected with the launcher error', async () => {
    await assert.rejects(mock.command('no-such-command'), /err unknown command/);
    await assert.rejects(mock.command('leader faults'), /err unknown command/);
    await assert.rejects(mock.command('down 1\nup 1'), /one line/);
    await mock.command('down 2');
    await mock.command('up 2');
  });

  test('a Metadata request auto-creates an unknown topic (12 partitions patched, 4 stock)', async () => {
    const admin = kafkaFor(mock).admin();
    await admin.connect();
    try {
      const md = await admin.fetchTopicMetadata({ topics: ['auto-created-topic'] });
      assert.equal(md.topics[0]?.partitions.length, mock.patched ? KAFKA_MOCK_DEFAULT_PARTITIONS : 4);
      assert.equal(md.topics[0]?.partitions[0]?.replicas.length, 3);
    } finally {
      await admin.disconnect();
    }
  });
});
