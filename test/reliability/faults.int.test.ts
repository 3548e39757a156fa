/**
 * Fault tests of the stateful runtime, each against a fresh librdkafka mock cluster (3 brokers) and
 * the runner's ClickHouse, with the processor role running as a child process (`sluice processor`,
 * hard-killed if it hangs). Every test ends with the same check: the ClickHouse findings (FINAL) and
 * the event_count state in its changelog equal those of an undisturbed run, 0 lost, 0 duplicated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.ts';
import { testClickHouseControl, testServicesFromEnv } from '../support/services.ts';
import {
  changelogState,
  client,
  faultRun,
  faultTopics,
  startProcessor,
  stopProcessor,
  storedFindings,
  undisturbed,
  waitCaughtUp,
  type FaultRun,
  type ProcessorChild,
} from './fault-harness.ts';

const KEYS = 24;
const SLOW_CHILD = fileURLToPath(new URL('./slow-sink-child.ts', import.meta.url));

async function withCluster(label: string, body: (mock: KafkaMock, run: FaultRun) => Promise<void>, extra?: Record<string, unknown>): Promise<void> {
  const services = testServicesFromEnv();
  const names = faultTopics(label, extra);
  const mock = await startKafkaMock({ brokers: 3, topics: names.topics.map((t) => ({ ...t, replicationFactor: 3 })) });
  try {
    await body(mock, faultRun(names, mock.bootstrap, services.clickhouseUrl, mock.patched));
  } finally {
    await mock.stop();
  }
}

async function check(run: FaultRun, c: Awaited<ReturnType<typeof client>>, perKey: number): Promise<void> {
  const want = undisturbed(KEYS, perKey);
  const stored = await storedFindings(run);
  assert.equal(stored.rowsFinal, want.ids.size, 'one row per finding under FINAL');
  assert.deepEqual(stored.ids, want.ids, 'the findings of an undisturbed run: none lost, none extra');
  assert.deepEqual(await changelogState(c.transport, run), want.counts, 'the state of an undisturbed run');
}

test('kill -9 of the processor mid-stream, then a restart: exact findings and state', async () => {
  await withCluster('kill', async (_mock, run) => {
    const c = await client(run);
    const children: ProcessorChild[] = [];
    try {
      children.push(startProcessor(run));
      await c.produceWaves(KEYS, 10, 8, 400, async (wave) => {
        if (wave === 4) {
          await stopProcessor(children[0]!, 'SIGKILL');
          children.push(startProcessor(run));
        }
      });
      await waitCaughtUp(c.transport, run, children.slice(-1));
      await check(run, c, 80);
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await c.close();
    }
  });
});

test('the group grows from 1 to 2 to 3 members mid-stream, then shrinks: exact findings and state', async () => {
  await withCluster('grow', async (_mock, run) => {
    const c = await client(run);
    const children: ProcessorChild[] = [];
    try {
      children.push(startProcessor(run));
      await c.produceWaves(KEYS, 10, 10, 600, async (wave) => {
        if (wave === 2 || wave === 4) children.push(startProcessor(run));
        if (wave === 6) await stopProcessor(children.pop()!);
        if (wave === 8) await stopProcessor(children.pop()!);
      });
      await waitCaughtUp(c.transport, run, children);
      await check(run, c, 100);
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await c.close();
    }
  });
});

test('ClickHouse stopped for 30 s mid-stream: batches wait and retry, exact findings and state', async () => {
  const clickhouse = testClickHouseControl();
  await withCluster('chdown', async (_mock, run) => {
    const c = await client(run);
    const child = startProcessor(run);
    try {
      await c.produce(KEYS, 0, 20);
      await waitCaughtUp(c.transport, run, [child]);
      await clickhouse.stop();
      try {
        await c.produce(KEYS, 20, 50);
        await sleep(30_000);
        assert.equal(child.proc.exitCode, null, 'the processor waits for ClickHouse instead of exiting');
      } finally {
        await clickhouse.start();
      }
      await waitCaughtUp(c.transport, run, [child]);
      await check(run, c, 50);
    } finally {
      await stopProcessor(child, 'SIGKILL');
      await c.close();
    }
  });
});

test('a crashed worker thread (SIGUSR2 fault hook) is replaced and its shards restored: exact findings and state', async () => {
  await withCluster('crash', async (_mock, run) => {
    const c = await client(run);
    const child = startProcessor(run);
    try {
      await child.ready;
      await c.produceWaves(KEYS, 10, 6, 400, async (wave) => {
        if (wave === 1 || wave === 3) child.proc.kill('SIGUSR2');
      });
      await waitCaughtUp(c.transport, run, [child]);
      await check(run, c, 60);
      assert.match(child.tail(), /detector state restored/, 'the state was restored after the crash');
    } finally {
      await stopProcessor(child, 'SIGKILL');
      await c.close();
    }
  });
});

test('a broker goes down and comes back mid-stream (mock fault injection): exact findings and state', async () => {
  await withCluster('broker', async (mock, run) => {
    const c = await client(run);
    const child = startProcessor(run);
    try {
      // Broker 2 is down between two waves while the processor works through the first; producing
      // goes on once it is back (the mock does not move leadership away from a down broker).
      await c.produceWaves(KEYS, 10, 6, 500, async (wave) => {
        if (wave === 1 || wave === 3) {
          await mock.command('down 2');
          await sleep(8_000);
          assert.ok(!child.gone(), 'the processor rides out the broker outage');
          await mock.command('up 2');
        }
      });
      await waitCaughtUp(c.transport, run, [child]);
      await check(run, c, 60);
    } finally {
      await stopProcessor(child, 'SIGKILL');
      await c.close();
    }
  });
});

/**
 * The stated bounds for a processor whose sink is slower than its input: resident memory grows by
 * less than SLOW_SINK_GROWTH_MB after warm-up (the backlog stays in Kafka: decoded, it would be
 * several hundred MB) and stays under SLOW_SINK_RSS_BOUND_MB in all (2 worker threads included).
 */
const SLOW_SINK_GROWTH_MB = 120;
const SLOW_SINK_RSS_BOUND_MB = 600;

test(`a sink slower than the input slows consumption; memory grows < ${SLOW_SINK_GROWTH_MB} MB after warm-up and stays < ${SLOW_SINK_RSS_BOUND_MB} MB`, async () => {
  await withCluster('slow', async (_mock, run) => {
    const c = await client(run);
    try {
      // 240k events (about 60 MB of Avro) wait in the topic before the processor starts.
      await c.produce(600, 0, 400);
      const child = spawn(process.execPath, ['--import', 'tsx', SLOW_CHILD, run.configFile, '5', '25'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      clearTimeout(kill);
      assert.equal(code, 0, 'the child ran to its end');
      const result = JSON.parse(out) as { warmRssMb: number; maxRssMb: number; eventsIn: number; batches: number };
      assert.ok(result.eventsIn > 0, 'it made progress');
      assert.ok(result.eventsIn < 240_000, `the slow sink held consumption back (${result.eventsIn} of 240000 events in 25 s)`);
      assert.ok(result.maxRssMb < SLOW_SINK_RSS_BOUND_MB, `max RSS ${result.maxRssMb} MB < ${SLOW_SINK_RSS_BOUND_MB} MB`);
      assert.ok(result.maxRssMb - result.warmRssMb < SLOW_SINK_GROWTH_MB, `RSS grew ${result.maxRssMb - result.warmRssMb} MB after warm-up (< ${SLOW_SINK_GROWTH_MB})`);
      process.stdout.write(`# slow sink: ${JSON.stringify(result)}\n`);
    } finally {
      await c.close();
    }
  });
});
