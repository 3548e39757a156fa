/**
 * Group growth with a realistic set-up (issue #23): 12-partition input, three changelogged
 * detectors (event_count, signatures, principal_anomaly), the group growing 1 -> 2 -> 3 members
 * mid-stream and shrinking back. No member may crash (a crash in SyncGroup was reported here on the
 * librdkafka mock, see test/support/README.md), and the event_count findings and state must be those
 * of an undisturbed run. Runs on the runner's Kafka (local Apache Kafka, else the mock);
 * SLUICE_TEST_FAULTS_ON=mock forces the mock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServicesFromEnv } from '../support/services.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import {
  changelogValues,
  client,
  EVERY,
  faultRun,
  faultTopics,
  startProcessor,
  stopProcessor,
  storedFindingIds,
  undisturbed,
  waitCaughtUp,
  withFaultCluster,
  type ProcessorChild,
} from './fault-harness.ts';

const PARTITIONS = 12;
/** SLUICE_TEST_GROW_KEYS=4100 gives the scale (about 41,000 events, one per principal per wave). */
const KEYS = Number(process.env.SLUICE_TEST_GROW_KEYS ?? 36);
const PER_WAVE = KEYS >= 1000 ? 1 : 10;
const WAVES = 10;
const DETECTORS = ['event_count', 'signatures', 'principal_anomaly'] as const;

test('the group grows 1 -> 2 -> 3 and shrinks with 12 partitions and three changelogged detectors: no crash, exact findings and state', async () => {
  const services = testServicesFromEnv();
  const names = faultTopics('grow12', {
    detectors: {
      sensitive_operation: { enabled: false },
      signatures: { enabled: true },
      posture: { enabled: false },
      config_drift: { enabled: false },
      vulns: { enabled: false },
      event_count: { enabled: true, every: EVERY },
      principal_anomaly: { enabled: true },
    },
  });
  const app = names.input.app as string;
  const activity = (names.input.topics as { activity: string }).activity;
  const topics = [
    ...names.topics.filter((t) => !t.compact).map((t) => (t.name === activity ? { ...t, partitions: PARTITIONS } : t)),
    ...DETECTORS.map((d) => ({ name: changelogTopic(app, d), partitions: PARTITIONS, compact: true })),
  ];
  await withFaultCluster(topics, async (cluster) => {
    process.stdout.write(`grow12: on ${cluster.description}\n`);
    const run = faultRun({ ...names, topics }, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const c = await client(run);
    const children: ProcessorChild[] = [];
    try {
      children.push(startProcessor(run));
      await children[0]!.ready;
      await c.produceWaves(KEYS, PER_WAVE, WAVES, 600, async (wave) => {
        if (wave === 2 || wave === 4) children.push(startProcessor(run));
        if (wave === 6 || wave === 8) await stopProcessor(children.pop()!);
        for (const ch of children) assert.ok(!ch.gone(), `no member crashed (wave ${wave}):\n${ch.tail()}`);
      });
      await waitCaughtUp(c.transport, run, children);
      const want = undisturbed(KEYS, PER_WAVE * WAVES);
      const stored = await storedFindingIds(run, 'event_count');
      assert.equal(stored.rows, want.ids.size, 'one row per finding under FINAL');
      assert.deepEqual(stored.ids, want.ids, 'the event_count findings of an undisturbed run');
      const state = await changelogValues(c.transport, run, 'event_count', PARTITIONS);
      assert.deepEqual(new Map([...state].map(([k, v]) => [k, (v as { count: number }).count])), want.counts, 'the event_count state of an undisturbed run');
      assert.equal((await changelogValues(c.transport, run, 'principal_anomaly', PARTITIONS)).size, KEYS, 'a principal_anomaly state per principal');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await c.close();
    }
  });
});
