/**
 * Group growth with a realistic set-up and every changelogged detector of the activity, config and
 * flow streams at once (issue #23): 12-partition inputs, event_count, signatures (the shipped pack),
 * principal_anomaly, config_drift and flow_baseline, the group growing 1 -> 2 -> 3 members
 * mid-stream and shrinking back to one (SIGTERM, a clean leave). No member may crash, and each
 * detector's findings under FINAL and changelog state must be those of the detector run in-process
 * over the same records (detector-kill.ts reference(): one instance per worker thread).
 *
 * principal_anomaly's account populations and flow_baseline's namespace baselines are per member
 * (built from the states it holds; a state shard's keys come from many input partitions, so with
 * several members each sees part of a population). The stream keeps their findings independent of
 * that: principal_anomaly's principals all start in the first wave, with one processor, and call
 * alike; flow_baseline's applications all start in the first wave, so none is "new" later, and each
 * is judged against its own baseline. The limits this leaves are in the two READMEs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsConfigCollector } from '../../services/collectors/aws_config/index.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import { STREAMS } from '../../services/core/streams.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { externalEnd, flow, keyOf as appKey, workloadEnd, type WorkloadSpec } from '../../services/detectors/flow_baseline/tests/helpers/flows.ts';
import type { DetectorName } from '../../services/detectors/registry.ts';
import { DETECTOR_SPECS } from '../../services/detectors/registry.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { apiActivity } from '../fixtures/events/api-activity.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { reference, type EncodedInput, type KeyedInput } from './detector-kill.ts';
import { changelogValues, client, faultRun, faultTopics, startProcessor, stopProcessor, storedFindingIds, withFaultCluster, type ProcessorChild } from './fault-harness.ts';

const PARTITIONS = 12;
const WAVES = 10;
const PRINCIPALS = 48;
const RESOURCES = 60;
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 3, 8);
const DETECTORS = {
  event_count: { every: 10 },
  signatures: {},
  // Principals learn after 20 events; account populations are warm with a few principals, so a
  // region no principal of the account uses is rare in any member's population.
  principal_anomaly: { learning: { minEvents: 20, minDays: 0 }, population: { minEvents: 40, minPrincipals: 3 } },
  config_drift: {},
  flow_baseline: { mode: 'monitor', discovery: { maxMs: 30 * MIN, stableMs: 0, minMs: 0 }, burst: { windowMs: 5 * MIN, maxFindings: 50 } },
} as const satisfies Partial<Record<DetectorName, Record<string, unknown>>>;

/** Console sign-ins, four in five failed, a minute apart: signatures' burst rule and its dedup period. */
function activity(w: number): KeyedInput[] {
  const out: KeyedInput[] = [];
  for (let n = w * 8; n < (w + 1) * 8; n++) {
    for (let k = 0; k < PRINCIPALS; k++) {
      const principal = `arn:aws:iam::123456789012:user/grow-${k}`;
      const status = (n + k) % 5 === 0 ? 'Success' : 'Failure';
      const event = apiActivity({ principal, uid: `grow-${k}-${n}`, time: T0 + n * MIN + k, operation: 'ConsoleLogin', service: 'signin.amazonaws.com', status });
      // Once in wave 7, one principal in four signs in from a region and network of its own
      // (principal_anomaly: new to the principal and to its account, whatever member holds it; each
      // value is its own, so no count of "other principals using it" depends on the order).
      const away = n === 7 * 8 + 3 && k % 4 === 0;
      out.push({ stream: 'activity', key: principal, event: away ? { ...event, cloud: { ...event.cloud, region: `ap-rare-${k}` }, src_endpoint: { ...event.src_endpoint, ip: `198.18.${k}.5` } } : event });
    }
  }
  return out;
}

/** A recorded AWS Config security group cloned into resources; version w edits it, every third version opens a port to the world. */
function config(w: number): KeyedInput[] {
  const url = new URL('../../services/detectors/config_drift/fixtures/test_sg_config_diff__config.GetResourceConfigHistory_1.json', import.meta.url);
  const outs = [...awsConfigCollector({}).collect({ name: url.pathname, bytes: readFileSync(url) })];
  const base = outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : [])).sort((a, b) => a.time - b.time)[0]!;
  return Array.from({ length: RESOURCES }, (_, r) => {
    const uid = `${base.resource.uid}-g${r}`;
    const c = JSON.parse(base.configuration!) as { description?: string; ipPermissions: unknown[] };
    for (let m = 1; m <= w; m++) {
      if (m % 2 === 1) c.description = `edit ${m} of g${r}`;
      if (m % 3 === 2) c.ipPermissions.push({ ipProtocol: 'tcp', fromPort: 3000 + m, toPort: 3000 + m, ipRanges: ['0.0.0.0/0'], prefixListIds: [], userIdGroupPairs: [] });
    }
    const text = JSON.stringify(c);
    const event: ConfigState = {
      ...base,
      resource: { ...base.resource, uid },
      time: base.time + w * 3_600_000 + r * 1000,
      change_type: w === 0 ? base.change_type : 'update',
      configuration: text,
      configuration_hash: createHash('sha256').update(text).digest('hex'),
      metadata: { ...base.metadata, uid: `${uid}@v${w}` },
    };
    return { stream: 'config' as const, key: uid, event };
  });
}

/** Applications of two namespaces: all learn in wave 0 (their usual peer and one of their own), then call it; every third wave a new peer each (a finding). */
function flows(w: number): KeyedInput[] {
  const out: KeyedInput[] = [];
  for (const ns of ['ns0', 'ns1']) {
    for (let i = 0; i < 12; i++) {
      const app: WorkloadSpec = { cluster: 'c1', namespace: ns, name: `app${i}`, app: `app${i}`, labels: { app: `app${i}` } };
      const at = (m: number) => T0 + w * 40 * MIN + m * MIN + i * 1000;
      const call = (to: ReturnType<typeof externalEnd>, m: number, tag: string) => out.push({ stream: 'flow', key: appKey(app), event: flow(workloadEnd(app, 40000 + i), to, { time: at(m), uid: `grow-${ns}-${i}-${w}-${tag}` }) });
      call(externalEnd(`198.51.100.${ns === 'ns0' ? 7 : 8}`, 443), 0, 'usual');
      if (w === 0) call(externalEnd(`203.0.${i}.5`, 443), 1, 'own');
      if (w > 0 && w % 3 === 0) call(externalEnd(`198.18.${w}.${i}`, 8443), 2, 'new');
    }
  }
  return out;
}

async function caughtUp(c: Awaited<ReturnType<typeof client>>, groupId: string, topics: readonly string[], children: readonly ProcessorChild[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (const topic of topics) {
    while (!(await isCaughtUp(c.transport, groupId, topic).catch(() => false))) {
      const dead = children.find((ch) => ch.gone() || /^sluice: SLUICE_ERR_/m.test(ch.tail()));
      if (dead) throw new Error(`a member exited before catching up:\n${dead.tail()}`);
      if (Date.now() > deadline) throw new Error(`not caught up on ${topic}:\n${children.map((ch) => ch.tail()).join('\n---\n')}`);
      await sleep(300);
    }
  }
}

test('the group grows 1 -> 2 -> 3 and shrinks with 12 partitions and five changelogged detectors: no crash, findings and states of the detectors run undisturbed', async () => {
  const services = testServicesFromEnv();
  const off = Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: false }]));
  const on = Object.fromEntries(Object.entries(DETECTORS).map(([name, cfg]) => [name, { ...cfg, enabled: true }]));
  const names = faultTopics('growall', { detectors: { ...off, ...on } });
  const app = names.input.app as string;
  const id = app.slice(1);
  const topics = names.input.topics as Record<string, string>;
  topics.config = `fault.${id}.config`;
  topics.flow = `fault.${id}.flow`;
  topics.control = `fault.${id}.control`;
  names.topics = [
    { name: topics.activity!, partitions: PARTITIONS },
    { name: topics.config, partitions: PARTITIONS },
    { name: topics.flow, partitions: PARTITIONS },
    { name: topics.control, partitions: 1, compact: true },
    { name: topics.findings!, partitions: 3 },
    { name: topics.deadLetter!, partitions: 1 },
    ...Object.keys(DETECTORS).map((d) => ({ name: changelogTopic(app, d), partitions: PARTITIONS, compact: true })),
  ];
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`growall: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const encoded: EncodedInput[][] = [];
    for (let w = 0; w < WAVES; w++) {
      const wave = [...activity(w), ...config(w), ...flows(w)];
      encoded.push(await Promise.all(wave.map(async (r) => {
        const topic = run.config.topics[STREAMS[r.stream].topic];
        return { ...r, topic, value: await codec.encode(topic, STREAMS[r.stream].schema, r.event) };
      })));
    }
    const want = new Map<string, Awaited<ReturnType<typeof reference>>>();
    for (const d of Object.keys(DETECTORS) as DetectorName[]) want.set(d, await reference(run, { detector: d }, encoded));
    const c = await client(run);
    const producer = await c.transport.producer();
    const inputs = [run.config.topics.activity, run.config.topics.config, run.config.topics.flow];
    const children: ProcessorChild[] = [startProcessor(run)];
    const members: number[] = [];
    try {
      await children[0]!.ready;
      for (const [w, wave] of encoded.entries()) {
        for (const topic of inputs) {
          const messages = wave.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.value }));
          for (let i = 0; i < messages.length; i += 500) await producer.send(topic, messages.slice(i, i + 500));
        }
        // Wave 0 with one member: every principal and application starts there (see the header).
        if (w === 0) await caughtUp(c, run.config.processor.groupId, inputs, children);
        if (w === 2 || w === 4) children.push(startProcessor(run));
        if (w === 6 || w === 8) await stopProcessor(children.splice(-1)[0]!);
        const live = children.filter((ch) => !ch.gone());
        assert.equal(live.length, children.length, `no member crashed (wave ${w}):\n${children.map((ch) => ch.tail()).join('\n---\n')}`);
        members.push(live.length);
        await sleep(800);
      }
      await caughtUp(c, run.config.processor.groupId, inputs, children);
      process.stdout.write(`growall: members per wave ${members.join(',')}\n`);
      const figures: string[] = [];
      for (const [d, x] of want) {
        const found = await storedFindingIds(run, d);
        assert.equal(found.rows, found.ids.size, `${d}: one row per finding under FINAL`);
        const lost = [...x.ids].filter((i) => !found.ids.has(i));
        const extra = [...found.ids].filter((i) => !x.ids.has(i));
        assert.ok(lost.length + extra.length === 0, `${d}: the findings of an undisturbed run: ${lost.length} lost (${lost.slice(0, 3).map((i) => x.about.get(i)).join('; ')}), ${extra.length} extra`);
        const states = await changelogValues(c.transport, run, d, PARTITIONS);
        assert.deepEqual([...states.keys()].sort(), [...x.states.keys()].sort(), `${d}: a state for the same keys`);
        for (const [key, st] of x.states) assert.deepEqual(states.get(key), st, `${d}: state of ${key}`);
        figures.push(`${d} ${x.ids.size} findings/${x.states.size} states`);
      }
      process.stdout.write(`growall: as undisturbed: ${figures.join(', ')}\n`);
      assert.ok(want.get('signatures')!.ids.size >= PRINCIPALS && want.get('config_drift')!.ids.size >= RESOURCES && want.get('principal_anomaly')!.ids.size > 0 && want.get('flow_baseline')!.ids.size > 0, 'the detectors found something');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
});
