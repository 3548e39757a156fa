import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { SignaturesConfig, signaturesSpec } from '../../services/detectors/signatures/index.ts';
import { ATTACK_RULES } from './feeds.ts';
import { buildCorpus } from './generate.ts';

const corpus = await buildCorpus({ count: 3000, seed: 3, attackEvery: 40, prefix: 't' });

test('the corpus mixes the five feeds with unique uids, Confluent-framed Avro values and keys', () => {
  assert.equal(corpus.messages.length, 3000);
  assert.equal(new Set(corpus.messages.map((m) => m.uid)).size, 3000);
  for (const f of ['cloudtrail', 'k8s_audit', 'azure_activity', 'flows', 'aws_config'] as const) assert.ok(corpus.byFeed[f] > 50, `${f}: ${corpus.byFeed[f]}`);
  assert.ok(corpus.byFeed.cloudtrail > corpus.byFeed.k8s_audit && corpus.byFeed.k8s_audit > corpus.byFeed.aws_config);
  for (const m of corpus.messages) {
    assert.equal(m.value[0], 0, 'magic byte');
    assert.ok(m.key.length > 0);
  }
  const streams = new Set(corpus.messages.map((m) => `${m.feed}:${m.stream}`));
  assert.deepEqual([...streams].sort(), ['aws_config:config', 'azure_activity:activity', 'cloudtrail:activity', 'flows:flow', 'k8s_audit:activity']);
});

test('one event in attackEvery of the cloudtrail, k8s_audit and azure_activity feeds is an injected attack', () => {
  const injected = corpus.messages.filter((m) => m.expectRule !== null);
  assert.equal(injected.length, corpus.injected);
  for (const feed of ['cloudtrail', 'k8s_audit', 'azure_activity'] as const) {
    const n = injected.filter((m) => m.feed === feed).length;
    assert.equal(n, Math.floor((corpus.byFeed[feed] + 20) / 40), feed);
    assert.ok(injected.filter((m) => m.feed === feed).every((m) => m.expectRule === ATTACK_RULES[feed]));
  }
  assert.equal(injected.filter((m) => m.feed === 'flows' || m.feed === 'aws_config').length, 0);
});

test('the bundled signatures fire the expected rule on every injected event and never on a benign one', async () => {
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const detector = signaturesSpec.create(SignaturesConfig.parse({}), { clock: { now: () => 0 }, state: new MemoryKeyedState(), emit: () => undefined });
  const attackRules = new Set(Object.values(ATTACK_RULES));
  let hits = 0;
  let offset = 0;
  for (const m of corpus.messages.filter((x) => x.stream === 'activity')) {
    const { value } = await codec.decode<ApiActivity>(m.value);
    const rules = detector.process(value, { key: m.key, topic: 'activity', partition: 0, offset: String(offset++) }).map((f) => f.finding_info.analytic.uid);
    if (m.expectRule) {
      assert.ok(rules.includes(m.expectRule), `${m.feed} ${m.uid}: expected ${m.expectRule}, got ${rules.join(',')}`);
      hits++;
    } else {
      assert.deepEqual(rules.filter((r) => attackRules.has(r)), [], `benign ${m.feed} ${m.uid}`);
    }
  }
  assert.equal(hits, corpus.injected);
});
