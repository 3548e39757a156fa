import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyedState, type KeyedState } from '../../core/state.ts';
import type { FlowBaselineState } from './state.ts';
import { harness } from './tests/helpers/harness.ts';
import { externalEnd, fixtureFlows, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';

const DAY = 86_400_000;
const bookinfo = fixtureFlows();
const app: WorkloadSpec = { namespace: 'shop', name: 'api' };
const KEY = keyOf(app);
const toPort = (port: number, time: number, w: WorkloadSpec = app): KeyedFlow => ({ key: keyOf(w), event: flow(workloadEnd(w, 40000), externalEnd('203.0.113.9', port), { time }) });

function dump(state: KeyedState<FlowBaselineState>): string {
  return JSON.stringify([...state.keys()].sort().map((k) => [k, state.get(k)]));
}

test('state round-trips through JSON: a restored detector continues exactly like the original', () => {
  const cfg = { discovery: { maxMs: DAY, stableMs: 0 }, versions: { removedAfterMs: 1 } } as const;
  const original = harness(cfg);
  original.run(bookinfo);
  // Restore from the JSON text only (what the changelog holds).
  const restoredState = new MemoryKeyedState<FlowBaselineState>();
  for (const [k, v] of JSON.parse(dump(original.state)) as Array<[string, FlowBaselineState]>) restoredState.set(k, v);
  const restored = harness(cfg, restoredState);
  assert.equal(dump(restored.state), dump(original.state));

  const later: KeyedFlow[] = [
    ...bookinfo.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + 2 * DAY } })),
    { key: 'kind/bookinfo/Deployment/details-v1', event: flow(workloadEnd({ cluster: 'kind', namespace: 'bookinfo', name: 'details-v1' }, 40000), externalEnd('203.0.113.77', 443), { time: Date.parse('2021-11-13T00:00:00Z'), uid: 'rt' }) },
  ];
  const a = original.run(later);
  const b = restored.run(later);
  assert.ok(a.some((f) => f.severity !== 'Informational'), 'the continuation has an alert to compare');
  assert.deepEqual(b, a);
  assert.equal(dump(restored.state), dump(original.state));
});

test('a value of another layout is discarded and rebuilt, not thrown on', () => {
  const state = new MemoryKeyedState<FlowBaselineState>();
  state.set(KEY, { v: 0, edges: 'corrupt' } as unknown as FlowBaselineState);
  const h = harness({}, state);
  assert.doesNotThrow(() => h.run([toPort(443, 0)]));
  assert.equal(h.state.get(KEY)!.v, 2);
  assert.equal(h.detector.stats().statesDiscarded, 1);
});

test('edges per workload are bounded (least recently used evicted, counted)', () => {
  const h = harness({ limits: { maxEdges: 10 }, discovery: { maxMs: DAY, stableMs: 0 } });
  const flows = Array.from({ length: 50 }, (_, i) => toPort(1000 + i, i * 1000));
  h.run(flows);
  const s = h.state.get(KEY)!;
  assert.equal(Object.keys(s.edges).length, 10);
  assert.deepEqual(Object.keys(s.edges).map((k) => Number(k.split('|')[3])).sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => 1040 + i), 'the 10 most recent');
  assert.equal(s.counters.edgesEvicted, 40);
  assert.equal(h.detector.stats().edgesEvicted, 40);
});

test('peer labels are kept for baseline edges only, so they are bounded with them', () => {
  const h = harness({ limits: { maxEdges: 10 }, discovery: { maxMs: 100_000, stableMs: 0 } });
  const to = (i: number, time: number): KeyedFlow => ({ key: KEY, event: flow(workloadEnd(app, 40000), workloadEnd({ namespace: 'shop', name: `peer-${i}`, labels: { app: `peer-${i}` } }, 8080), { time }) });
  h.run(Array.from({ length: 50 }, (_, i) => to(i, i * 1000)));
  const s = h.state.get(KEY)!;
  assert.equal(Object.keys(s.peerLabels).length, 10);
  assert.deepEqual(s.peerLabels['w:test/shop/Deployment/peer-49'], { app: 'peer-49' });
  const peersBefore = Object.keys(s.peerLabels).sort();
  h.run(Array.from({ length: 50 }, (_, i) => to(100 + i, 200_000 + i * 1000)));
  const after = h.state.get(KEY)!;
  assert.equal(Object.keys(after.novel).length > 0, true);
  assert.deepEqual(Object.keys(after.peerLabels).sort(), peersBefore, 'novel edges add no peer labels');
});

test('novel edges per workload are bounded, and so is the JSON size under a scan', () => {
  const h = harness({ limits: { maxNovelEdges: 20 }, discovery: { maxMs: 1000, stableMs: 0 } });
  h.run([toPort(443, 0)]);
  h.run(Array.from({ length: 2000 }, (_, i) => toPort(2000 + i, 5000 + i)));
  const s = h.state.get(KEY)!;
  assert.equal(Object.keys(s.novel).length, 20);
  assert.equal(s.counters.novelEvicted, 1980);
  assert.ok(JSON.stringify(s).length < 8000, `state JSON ${JSON.stringify(s).length} bytes`);
});

test('held workloads are bounded: beyond maxWorkloads the least recently seen are deleted', () => {
  const h = harness({ limits: { maxWorkloads: 10, sweepEveryFlows: 0 } });
  for (let i = 0; i < 25; i++) h.run([toPort(443, i * 1000, { namespace: 'shop', name: `w${i}` })]);
  assert.ok(h.state.size <= 10, `held ${h.state.size}`);
  assert.ok(h.state.has(keyOf({ namespace: 'shop', name: 'w24' })), 'the newest is kept');
  assert.equal(h.state.has(keyOf({ namespace: 'shop', name: 'w0' })), false, 'the oldest is gone');
  assert.equal(h.detector.stats().workloadsEvictedLru, 25 - h.state.size);
});

test('idle workloads are swept (event time) through ctx.state.delete', () => {
  const h = harness({ limits: { idleTtlMs: 3_600_000, sweepEveryFlows: 1 } });
  h.run([toPort(443, 0, { namespace: 'shop', name: 'old' }), toPort(443, 1000, { namespace: 'shop', name: 'busy' })]);
  h.run([toPort(443, 2 * 3_600_000, { namespace: 'shop', name: 'busy' })]);
  assert.deepEqual([...h.state.keys()], [keyOf({ namespace: 'shop', name: 'busy' })]);
  assert.equal(h.detector.stats().workloadsEvictedIdle, 1);
  assert.equal(h.detector.sweep(10 * 3_600_000), 1, 'sweep() can also be called by the runtime');
  assert.equal(h.state.size, 0);
});

test('when the runtime refuses deletes of other keys, process() does not throw and stops sweeping', () => {
  const inner = new MemoryKeyedState<FlowBaselineState>();
  let current = '';
  const refusing: KeyedState<FlowBaselineState> = {
    get: (k) => inner.get(k),
    set: (k, v) => {
      current = k;
      inner.set(k, v);
    },
    delete: (k) => {
      if (k !== current) throw new Error('SLUICE_ERR_STATE_KEY');
      inner.delete(k);
    },
    has: (k) => inner.has(k),
    get size() {
      return inner.size;
    },
    keys: () => inner.keys(),
  };
  const h = harness({ limits: { idleTtlMs: 1000, sweepEveryFlows: 1 } }, refusing as MemoryKeyedState<FlowBaselineState>);
  assert.doesNotThrow(() => h.run([toPort(443, 0, { namespace: 'shop', name: 'a' }), toPort(443, 5000, { namespace: 'shop', name: 'b' }), toPort(443, 9000, { namespace: 'shop', name: 'c' })]));
  const stats = h.detector.stats();
  assert.equal(stats.sweepRefused, 1);
  assert.equal(stats.workloads, 3);
});

test('stats({ scan: true }) reports edges, phases and JSON bytes of the held state', () => {
  const h = harness();
  h.run(bookinfo);
  const stats = h.detector.stats({ scan: true });
  const edges = [...h.state.keys()].reduce((n, k) => n + Object.keys(h.state.get(k)!.edges).length, 0);
  assert.equal(stats.scan?.edges, edges);
  assert.equal(stats.scan?.discovering, h.state.size);
  assert.equal(stats.workloads, h.state.size);
  assert.ok((stats.scan?.stateBytes ?? 0) > edges * 20);
  assert.equal(stats.flows, bookinfo.length);
});
