import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 loses an acknowledged send when a partition's leadership moves to a broker that
 * already answered the same send. This reproduces that sequence deterministically against the
 * patched sendMessages (what Sluice runs) and against the upstream file (kept in
 * test/reliability/upstream/), proving the test catches the bug.
 */
const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
const patched = require('kafkajs/src/producer/sendMessages.js') as SendMessagesFactory;
const upstream = require('../../../test/reliability/upstream/kafkajs-2.2.4-sendMessages.cjs') as SendMessagesFactory;

type SendMessagesFactory = (deps: object) => (args: object) => Promise<Array<{ topicName: string; partition: number }>>;

interface Broker {
  nodeId: number;
  produce(req: { topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: unknown[] }> }> }): Promise<object>;
}

function scenario() {
  const leaders = new Map<number, number>([
    [0, 0],
    [1, 1],
  ]);
  const written: Array<{ broker: number; partition: number; value: string }> = [];
  let failedOnce = false;
  const broker = (nodeId: number): Broker => ({
    nodeId,
    async produce({ topicData }) {
      const t = topicData[0]!;
      if (nodeId === 1 && !failedOnce) {
        // Broker 1 lost leadership of partition 1 to broker 0, which has already answered for partition 0.
        failedOnce = true;
        leaders.set(1, 0);
        throw createErrorFromCode(6); // NOT_LEADER_FOR_PARTITION
      }
      for (const p of t.partitions) for (const m of p.messages as Array<{ value: string }>) written.push({ broker: nodeId, partition: p.partition, value: m.value });
      return { topics: [{ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })) }] };
    },
  });
  const brokers = [broker(0), broker(1)];
  const cluster = {
    targetTopics: new Set<string>(),
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {},
    async addMultipleTargetTopics() {},
    isConnected: () => true,
    findTopicPartitionMetadata: () => [...leaders].map(([partitionId, leader]) => ({ partitionId, leader })),
    findLeaderForPartitions(_topic: string, partitions: Array<string | number>) {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders.get(p)!] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers[Number(nodeId)]!,
  };
  const eosManager = {
    acquireBrokerLock: async () => {},
    releaseBrokerLock: async () => {},
    isTransactional: () => false,
    getSequence: () => 0,
    updateSequence: () => {},
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
  };
  const logger = { debug() {}, error() {}, warn() {}, info() {} };
  const retrier = createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 });
  const deps = { logger, cluster, partitioner: ({ message }: { message: { partition: number } }) => message.partition, eosManager, retrier };
  const args = {
    acks: -1,
    timeout: 1000,
    topicMessages: [{ topic: 't', messages: [{ partition: 0, value: 'm0' }, { partition: 1, value: 'm1' }] }],
  };
  return { deps, args, written };
}

test('patched sendMessages: a leader move to a broker that already answered loses nothing', async () => {
  const { deps, args, written } = scenario();
  const acks = await patched(deps)(args);
  assert.deepEqual(written.map((w) => w.value).sort(), ['m0', 'm1']);
  assert.deepEqual(acks.map((a) => a.partition).sort(), [0, 1]);
  assert.deepEqual(written.find((w) => w.value === 'm1'), { broker: 0, partition: 1, value: 'm1' }, 'resent to the new leader');
});

test('upstream kafkajs 2.2.4 sendMessages resolves the same send without writing m1 (the bug this test guards)', async () => {
  const { deps, args, written } = scenario();
  await upstream(deps)(args);
  assert.deepEqual(written.map((w) => w.value), ['m0'], 'upstream acknowledged the send but never wrote m1');
});
