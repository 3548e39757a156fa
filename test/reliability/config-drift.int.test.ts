/**
 * Effectively-once for config_drift across a kill -9 of the processor (issue #23's audit of the
 * other stateful detectors). Its state is one value per resource (baseline and current
 * configuration, hashes, last change) and nothing in memory besides the control table of approvals,
 * which is re-read from the control topic; so a restart must give exactly the findings and states of
 * the detector run in-process over the same events. Security groups from the recorded AWS Config
 * histories, cloned into many resources, change version by version: some edits are benign, some
 * open a port to the world (a High finding each); the control topic is there, empty. The processor
 * is killed while a wave is in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsConfigCollector } from '../../services/collectors/aws_config/index.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { SCHEMA_NAMES } from '../../services/core/events.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { ConfigDriftConfig, ConfigDriftDetector, type DriftState } from '../../services/detectors/config_drift/index.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { changelogValues, client, faultRun, faultTopics, PARTITIONS, startProcessor, stopProcessor, storedFindingIds, withFaultCluster, type FaultRun, type ProcessorChild } from './fault-harness.ts';

const FIXTURE = new URL('../../services/detectors/config_drift/fixtures/test_sg_config_diff__config.GetResourceConfigHistory_1.json', import.meta.url);
const RESOURCES = 150;
const WAVES = 8;
const KILL_AFTER_WAVE = 4;
const WORLD = { ipProtocol: 'tcp', ipRanges: ['0.0.0.0/0'], prefixListIds: [], userIdGroupPairs: [] };

/** Version n of resource r: n = 0 is the recorded item; odd n edit the description (benign); n % 3 == 2 also opens port 2000 + n to the world. */
function version(base: ConfigState, r: number, n: number): ConfigState {
  const uid = `${base.resource.uid}-r${r}`;
  const c = JSON.parse(base.configuration!) as Record<string, unknown>;
  const perms = c.ipPermissions as unknown[];
  for (let m = 1; m <= n; m++) {
    if (m % 2 === 1) c.description = `edit ${m} of r${r}`;
    if (m % 3 === 2) perms.push({ ...WORLD, fromPort: 2000 + m, toPort: 2000 + m });
  }
  const text = JSON.stringify(c);
  return {
    ...base,
    resource: { ...base.resource, uid },
    time: base.time + n * 3_600_000 + r * 1000,
    change_type: n === 0 ? base.change_type : 'update',
    configuration: text,
    configuration_hash: createHash('sha256').update(text).digest('hex'),
    metadata: { ...base.metadata, uid: `${uid}@v${n}` },
  };
}

function stream(): ConfigState[][] {
  const outs = [...awsConfigCollector({}).collect({ name: FIXTURE.pathname, bytes: readFileSync(FIXTURE) })];
  const base = outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : [])).sort((a, b) => a.time - b.time)[0]!;
  return Array.from({ length: WAVES }, (_, w) => Array.from({ length: RESOURCES }, (_, r) => version(base, r, w)));
}

function reference(run: FaultRun, events: readonly ConfigState[]) {
  const state = new MemoryKeyedState<DriftState>();
  const d = new ConfigDriftDetector(ConfigDriftConfig.parse({ enabled: true }), { state });
  const ids = new Set<string>();
  events.forEach((e, i) => {
    for (const f of d.process(e, { key: e.resource.uid, topic: run.config.topics.config, partition: 0, offset: String(i) })) ids.add(f.id);
  });
  return { ids, states: new Map([...state.keys()].map((k) => [k, JSON.parse(JSON.stringify(state.get(k))) as unknown])) };
}

async function caughtUp(run: FaultRun, c: Awaited<ReturnType<typeof client>>, child: ProcessorChild): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await isCaughtUp(c.transport, run.config.processor.groupId, run.config.topics.config).catch(() => false))) {
    if (child.gone() || /^sluice: /m.test(child.tail())) throw new Error(`processor exited before catching up:\n${child.tail()}`);
    if (Date.now() > deadline) throw new Error(`not caught up:\n${child.tail()}`);
    await sleep(500);
  }
}

test('config_drift: kill -9 of the processor mid-stream, then a restart: the findings and resource states of an undisturbed run', async () => {
  const services = testServicesFromEnv();
  const id = `cdkill${Date.now().toString(36)}`;
  const names = faultTopics('cdkill', {
    topics: { activity: `fault.${id}.activity`, config: `fault.${id}.config`, control: `fault.${id}.control`, findings: `fault.${id}.findings`, deadLetter: `fault.${id}.dlq` },
    detectors: { sensitive_operation: { enabled: false }, signatures: { enabled: false }, posture: { enabled: false }, vulns: { enabled: false }, event_count: { enabled: false }, config_drift: { enabled: true } },
  });
  const app = names.input.app as string;
  names.topics.push({ name: `fault.${id}.config`, partitions: PARTITIONS }, { name: `fault.${id}.control`, partitions: 1, compact: true }, { name: changelogTopic(app, 'config_drift'), partitions: PARTITIONS, compact: true });
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`cdkill: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const waves = stream();
    const want = reference(run, waves.flat());
    assert.equal(want.ids.size, RESOURCES * [2, 5].filter((n) => n < WAVES).length, 'one finding per port opened');
    const c = await client(run);
    const producer = await c.transport.producer();
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const children: ProcessorChild[] = [startProcessor(run)];
    try {
      for (let w = 0; w < WAVES; w++) {
        const messages = [];
        for (const e of waves[w]!) messages.push({ key: e.resource.uid, value: await codec.encode(run.config.topics.config, SCHEMA_NAMES.configState, e) });
        await producer.send(run.config.topics.config, messages);
        if (w === KILL_AFTER_WAVE - 1) await caughtUp(run, c, children.at(-1)!);
        if (w === KILL_AFTER_WAVE) {
          await sleep(200);
          await stopProcessor(children.at(-1)!, 'SIGKILL');
          children.push(startProcessor(run));
        }
        await sleep(300);
      }
      await caughtUp(run, c, children.at(-1)!);
      const stored = await storedFindingIds(run, 'config_drift');
      assert.equal(stored.rows, stored.ids.size, 'one row per finding under FINAL');
      assert.deepEqual(stored.ids, want.ids, 'the config_drift findings of an undisturbed run: none lost, none extra');
      const states = await changelogValues(c.transport, run, 'config_drift');
      assert.equal(states.size, want.states.size);
      for (const [key, st] of want.states) assert.deepEqual(states.get(key), st, `state of ${key}`);
      assert.match(children.at(-1)!.tail(), /detector state restored/, 'the restarted processor restored its state');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
});
