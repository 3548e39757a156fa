/**
 * Group growth for the changelogged detectors of the config, object, inventory and process streams
 * (issue #23): posture, dlp, vulns and process_baseline at once, each on its own 12-partition
 * input topics (vulns on two, co-partitioned), the group growing 1 -> 2 -> 3 members and shrinking
 * back to one (SIGTERM, a clean leave). A member joins as waves 1-2 and 3-4 are processed, one
 * leaves while waves 6 and 8 are in flight, so partitions, with their changelogged states, move
 * mid-stream: dlp objects are half scanned (their chunks span the changes), process_baseline
 * applications in and after discovery, posture resources with failing rules, vulns packages with
 * their images and advisories.
 * No member may crash, and each detector's findings under FINAL, changelog states and remediation
 * action ids must be those of the detector run in-process over the same records
 * (detector-kill.ts reference()). The group has caught up with wave n before wave n + 1 is sent:
 * which of an image and an advisory of one package comes first is then the same in both runs
 * (vulns README exception (2)). The inputs are those of the kill -9 tests (detector-inputs.ts).
 * It found a defect the kill tests missed: a closed dlp object's last chunk, redelivered after a
 * member left, reopened the object (docs/delivery.md, "a replay after a deletion";
 * restore-tombstone.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { STREAMS, type StreamName } from '../../services/core/streams.ts';
import type { DetectorName } from '../../services/detectors/registry.ts';
import { DETECTOR_SPECS } from '../../services/detectors/registry.ts';
import { MINUTE } from '../../services/detectors/process_baseline/tests/fixtures.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { reference, type EncodedInput, type KeyedInput } from './detector-kill.ts';
import { dlpObjects, postureWave, processMinutes, vulnAdvisories, vulnImages, vulnStateMasked } from './detector-inputs.ts';
import { changelogValues, client, faultRun, faultTopics, startProcessor, stopProcessor, storedFindingIds, waitTopicsCaughtUp, withFaultCluster, type ProcessorChild } from './fault-harness.ts';

const PARTITIONS = 12;
const WAVES = 10;
const STACKS = 48;
const OBJECTS = 60;
const CHUNKS = 6;
const IMAGES_PER_SET = 8;
const APPS = 16;
const MINUTES_PER_WAVE = 8;
const DETECTORS = {
  posture: {},
  // Every object with a finding of High or above is to be quarantined (an action per object verdict).
  dlp: { policies: [{ name: 'quarantine-high', action: 'quarantine', minSeverity: 'High' }] },
  vulns: {},
  process_baseline: { discovery: { maxMs: 30 * MINUTE, stableMs: 0, minMs: 0 } },
} as const satisfies Partial<Record<DetectorName, Record<string, unknown>>>;
/** A member is consuming before these waves are sent (started two waves before), and one leaves while these are in flight. */
const JOIN_BEFORE = new Set([2, 4]);
const LEAVE_DURING = new Set([6, 8]);

/** vulns: one stream per wave; images before, between and after the advisories. */
const VULNS: Record<number, () => KeyedInput[]> = {
  0: () => vulnImages(0, IMAGES_PER_SET),
  2: () => vulnImages(IMAGES_PER_SET, 2 * IMAGES_PER_SET),
  4: () => vulnAdvisories('pypi-sample.jsonl'),
  6: () => vulnImages(2 * IMAGES_PER_SET, 3 * IMAGES_PER_SET),
  8: () => [...vulnAdvisories('go-sample.jsonl'), ...vulnAdvisories('GHSA-rwv7-3v45-hg29.derived.json')],
  9: () => vulnImages(3 * IMAGES_PER_SET, 4 * IMAGES_PER_SET),
};

function waves(): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: WAVES }, (_, w) => [...postureWave(STACKS, w), ...(VULNS[w]?.() ?? [])]);
  // dlp: object o's chunks in waves o mod 5 .. o mod 5 + 5, so objects are half scanned at every membership change.
  for (const [o, chunks] of dlpObjects(OBJECTS, CHUNKS).entries()) for (const [i, c] of chunks.entries()) out[(o % 5) + i]!.push(c);
  for (const [n, records] of processMinutes(APPS, WAVES * MINUTES_PER_WAVE).entries()) out[Math.floor(n / MINUTES_PER_WAVE)]!.push(...records);
  return out;
}

test('the group grows 1 -> 2 -> 3 and shrinks with 12-partition inputs and posture, dlp, vulns and process_baseline: no crash, findings, states and action ids of the detectors run undisturbed', async () => {
  const started = Date.now();
  const services = testServicesFromEnv();
  const off = Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: false }]));
  const on = Object.fromEntries(Object.entries(DETECTORS).map(([name, cfg]) => [name, { ...cfg, enabled: true }]));
  const names = faultTopics('growmore', { detectors: { ...off, ...on } });
  const app = names.input.app as string;
  const id = app.slice(1);
  const topics = names.input.topics as Record<string, string>;
  const streams: StreamName[] = ['config', 'object_chunk', 'image_inventory', 'advisory', 'process'];
  for (const s of streams) topics[STREAMS[s].topic] = `fault.${id}.${STREAMS[s].topic}`;
  topics.actions = `fault.${id}.actions`;
  topics.control = `fault.${id}.control`;
  names.topics = [
    { name: topics.activity!, partitions: PARTITIONS },
    ...streams.map((s) => ({ name: topics[STREAMS[s].topic]!, partitions: PARTITIONS })),
    { name: topics.actions, partitions: 3 },
    { name: topics.control, partitions: 1, compact: true },
    { name: topics.findings!, partitions: 3 },
    { name: topics.deadLetter!, partitions: 1 },
    ...Object.keys(DETECTORS).map((d) => ({ name: changelogTopic(app, d), partitions: PARTITIONS, compact: true })),
  ];
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`growmore: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const c = await client(run);
    const producer = await c.transport.producer();
    // The first member starts (about 5 s from source) while the inputs and the in-process runs are computed.
    const children: ProcessorChild[] = [startProcessor(run)];
    try {
      const codec = new AvroCodec(new LocalSchemaRegistry());
      const topicOf = (s: StreamName) => run.config.topics[STREAMS[s].topic];
      const encoded: EncodedInput[][] = await Promise.all(
        waves().map((wave) => Promise.all(wave.map(async (r) => ({ ...r, topic: topicOf(r.stream), value: await codec.encode(topicOf(r.stream), STREAMS[r.stream].schema, r.event) })))),
      );
      const want = new Map<DetectorName, Awaited<ReturnType<typeof reference>>>();
      for (const d of Object.keys(DETECTORS) as DetectorName[]) want.set(d, await reference(run, { detector: d }, encoded));
      process.stdout.write(`growmore: inputs and the in-process runs ready at ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const inputs = streams.map(topicOf);
      const groupId = run.config.processor.groupId;
      const members: number[] = [];
      const seconds: string[] = [];
      await children[0]!.ready;
      for (const [w, wave] of encoded.entries()) {
        // A joining member starts (about 5 s from source, more on a busy machine) while the two waves
        // before are processed; this wave is sent once it is consuming.
        if (JOIN_BEFORE.has(w)) await children.at(-1)!.ready;
        for (const topic of inputs) {
          const messages = wave.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.value }));
          for (let i = 0; i < messages.length; i += 500) await producer.send(topic, messages.slice(i, i + 500));
        }
        if (LEAVE_DURING.has(w)) {
          const leaving = children.pop()!;
          const code = await stopProcessor(leaving);
          assert.equal(code, 0, `the member leaving in wave ${w} stopped cleanly:\n${leaving.tail()}`);
        }
        const live = children.filter((ch) => !ch.gone());
        assert.equal(live.length, children.length, `no member crashed (wave ${w}):\n${children.map((ch) => ch.tail()).join('\n---\n')}`);
        if (JOIN_BEFORE.has(w + 2)) children.push(startProcessor(run));
        await waitTopicsCaughtUp(c.transport, groupId, inputs, children);
        members.push(live.length);
        seconds.push(((Date.now() - started) / 1000).toFixed(0));
      }
      process.stdout.write(`growmore: ${encoded.flat().length} records in ${WAVES} waves, processors running per wave ${members.join(',')}, caught up at ${seconds.join(',')} s\n`);
      const figures: string[] = [];
      for (const [d, x] of want) {
        const found = await storedFindingIds(run, d);
        assert.equal(found.rows, found.ids.size, `${d}: one row per finding under FINAL`);
        const lost = [...x.ids].filter((i) => !found.ids.has(i));
        const extra = [...found.ids].filter((i) => !x.ids.has(i));
        assert.ok(lost.length + extra.length === 0, `${d}: the findings of an undisturbed run: ${lost.length} lost (${lost.slice(0, 3).map((i) => x.about.get(i)).join('; ')}), ${extra.length} extra`);
        const states = await changelogValues(c.transport, run, d, PARTITIONS);
        const extraStates = [...states.keys()].filter((k) => !x.states.has(k));
        const lostStates = [...x.states.keys()].filter((k) => !states.has(k));
        assert.ok(lostStates.length + extraStates.length === 0, `${d}: a state for the same keys: ${lostStates.length} missing (${lostStates.slice(0, 3).join(', ')}), ${extraStates.length} extra (${extraStates.slice(0, 3).map((k) => `${k}: ${JSON.stringify(states.get(k)).slice(0, 300)}`).join('; ')})`);
        const comparable = d === 'vulns' ? vulnStateMasked : (s: unknown) => s;
        for (const [key, st] of x.states) assert.deepEqual(comparable(states.get(key)), comparable(st), `${d}: state of ${key}`);
        figures.push(`${d} ${x.ids.size} findings/${x.states.size} states`);
      }
      // Remediation actions (posture and dlp) on the run's actions topic: every id of the undisturbed runs, and no other (copies allowed).
      const gotActions = new Set<string>();
      await c.transport.readPartitions(run.config.topics.actions, [0, 1, 2], (messages) => {
        for (const m of messages) gotActions.add((JSON.parse(m.value.toString()) as { id: string }).id);
      });
      const wantActions = new Set([...want.values()].flatMap((x) => x.emitted.filter((o) => o.stream === 'actions').map((o) => o.value.id)));
      assert.deepEqual(gotActions, wantActions, 'the action ids of an undisturbed run (copies allowed)');
      process.stdout.write(`growmore: as undisturbed: ${figures.join(', ')}, ${wantActions.size} action ids (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      const n = (d: DetectorName) => want.get(d)!.ids.size;
      assert.ok(n('posture') >= STACKS * 4 && n('dlp') >= OBJECTS && n('vulns') >= 4 * IMAGES_PER_SET * 6 && n('process_baseline') >= APPS * 3 && wantActions.size > 0, 'every detector found something');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
});
