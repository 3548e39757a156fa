/**
 * Partition leaders move while a producer (Sluice's transport, patched kafkajs) sends: every
 * acknowledged message must be in the log. On real Kafka (see fault-harness.ts for the choice) the
 * leaders move by partition reassignment through the admin API (kafkajs has no ElectLeaders): the
 * leader is dropped from the replica set, the controller elects another, and it is added back; on
 * the librdkafka mock by its `leader` fault command.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { moveLeader, withAdmin } from '../support/kafka-admin.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS } from '../support/services.ts';
import { withFaultCluster } from './fault-harness.ts';

const CHILD = fileURLToPath(new URL('./produce-child.ts', import.meta.url));
const TOPIC = `leader-move-${Date.now().toString(36)}`;
const PARTITIONS = 6;
const COUNT = 2_000;
const MOVES = Number(process.env.SLUICE_LEADER_MOVES ?? 24);
const HARD_KILL_MS = 90_000;

/** Runs the producer child; kills it hard if it hangs, so a stuck client cannot hang CI. */
function runChild(brokers: readonly string[], idempotent: boolean): { done: Promise<{ acked: number[]; failedSends: number }>; finish: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, brokers.join(','), TOPIC, String(COUNT), String(idempotent)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), HARD_KILL_MS);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ acked: number[]; failedSends: number }>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      if (code === 0) resolve(JSON.parse(out) as { acked: number[]; failedSends: number });
      else reject(new Error(`producer child exited with ${code ?? signal}`));
    });
  });
  done.catch(() => {}); // awaited later; avoid an unhandled-rejection report meanwhile
  return { done, finish: () => child.stdin.end() };
}

test('partition leaders move while producing: every acknowledged message is in the log', async (t: TestContext) => {
  await withFaultCluster([{ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 }], async (cluster) => {
    if (cluster.kind === 'kafka') {
      const size = await withAdmin(cluster.brokers, async (admin) => (await admin.describeCluster()).brokers.length);
      if (size < 3) {
        t.skip(`${cluster.description} has ${size} broker(s): a leader cannot move by reassignment; runs on the local Apache Kafka or the mock (SLUICE_TEST_FAULTS_ON=mock)`);
        return;
      }
    }
    process.stdout.write(`leader-move: on ${cluster.description}\n`);
    const child = runChild(cluster.brokers, cluster.idempotent);
    const moved: string[] = [];
    const kafkaAdmin = cluster.kind === 'kafka' ? new Kafka({ clientId: 'leader-move', brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin() : null;
    await kafkaAdmin?.connect();
    try {
      // Mock: a move every 150 ms, slower than the producer's retry backoff, as on a real cluster, yet
      // many sends see a partition whose new leader already answered for other partitions of the
      // same send. Kafka: each move is two reassignments that the controller completes in turn.
      await sleep(300);
      for (let moves = 0; moves < MOVES; moves++) {
        const partition = moves % PARTITIONS;
        if (kafkaAdmin) {
          const m = await moveLeader(kafkaAdmin, TOPIC, partition);
          moved.push(`${partition}:${m.from}->${m.to}`);
        } else {
          const leader = 1 + ((moves + Math.floor(moves / PARTITIONS)) % 3); // rotates: never repeats the same map
          await cluster.mock!.command(`leader ${TOPIC} ${partition} ${leader}`);
        }
        await sleep(150);
      }
    } finally {
      await kafkaAdmin?.disconnect();
    }
    if (moved.length) process.stdout.write(`leader-move: leaders moved ${moved.join(' ')}\n`);
    child.finish();
    const { acked, failedSends } = await child.done;
    assert.ok(acked.length >= COUNT, `sends were acknowledged (${acked.length}, ${failedSends} failed sends)`);

    const config = resolveConfig({
      kafka: {
        brokers: cluster.brokers,
        sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout,
        heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval,
        maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs,
      },
    });
    const transport = new KafkaTransport(config.kafka!, silentLogger());
    try {
      const end = await transport.endOffsets(TOPIC);
      const total = [...end.values()].reduce((a, b) => a + b, 0n);
      const seen = new Set<number>();
      let read = 0;
      const consumer = await transport.consumer({ groupId: `verify-${Date.now()}`, topics: [TOPIC], fromBeginning: true });
      await consumer.run(async (batch) => {
        for (const m of batch.messages) {
          seen.add(Number(m.value.toString()));
          read++;
        }
      });
      const deadline = Date.now() + 60_000;
      while (BigInt(read) < total && Date.now() < deadline) await sleep(100);
      await consumer.stop();
      const lost = acked.filter((id) => !seen.has(id));
      assert.deepEqual(lost.slice(0, 20), [], `${lost.length} acknowledged messages are missing from the log`);
      assert.equal(BigInt(read), total, 'read the whole log');
    } finally {
      await transport.close();
    }
  });
});
