import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKafkaMock } from '../support/kafka-mock.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS } from '../support/services.ts';

const CHILD = fileURLToPath(new URL('./produce-child.ts', import.meta.url));
const TOPIC = 'leader-move';
const PARTITIONS = 6;
const COUNT = 2_000;
const MOVES = Number(process.env.SLUICE_LEADER_MOVES ?? 24);
const HARD_KILL_MS = 90_000;

/** Runs the producer child; kills it hard if it hangs, so a stuck client cannot hang CI. */
function runChild(brokers: string[], idempotent: boolean): { done: Promise<{ acked: number[]; failedSends: number }>; finish: () => void } {
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

test('partition leaders move while producing: every acknowledged message is in the log', async () => {
  const mock = await startKafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 }] });
  try {
    const child = runChild(mock.bootstrap, mock.patched);
    // A move every 150 ms: slower than the producer's retry backoff, as on a real cluster, yet many
    // sends see a partition whose new leader already answered for other partitions of the same send.
    await sleep(300);
    for (let moves = 0; moves < MOVES; moves++) {
      const partition = moves % PARTITIONS;
      const leader = 1 + ((moves + Math.floor(moves / PARTITIONS)) % 3); // rotates: never repeats the same map
      await mock.command(`leader ${TOPIC} ${partition} ${leader}`);
      await sleep(150);
    }
    child.finish();
    const { acked, failedSends } = await child.done;
    assert.ok(acked.length >= COUNT, `sends were acknowledged (${acked.length}, ${failedSends} failed sends)`);

    const config = resolveConfig({
      kafka: {
        brokers: mock.bootstrap,
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
  } finally {
    await mock.stop();
  }
});
