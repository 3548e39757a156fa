import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { partitionForKey } from '../../core/partitioner.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { FlowBaselineConfig, type FlowBaselineConfigInput } from './config.ts';
import { FlowBaselineDetector } from './detector.ts';
import { RULES } from './findings.ts';
import type { FlowBaselineState } from './state.ts';
import { externalEnd, flow, keyOf, metaFor, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const SHARDS = 4;
const shardOf = (key: string): number => partitionForKey(key, SHARDS);
const CFG: FlowBaselineConfigInput = {
  discovery: { maxMs: 60 * MIN, stableMs: 0, minMs: 0 },
  dedupWindowMs: 30 * MIN,
  burst: { windowMs: 5 * MIN, maxFindings: 50 },
  limits: { maxEdges: 6, idleTtlMs: 240 * MIN, sweepEveryFlows: 40 },
};
/** A reset of one namespace's baselines mid-stream (control topic), applied as its workloads are next seen. */
/** When the last wave of applications starts: after every app2 was deleted (idle since 150 min, TTL 240 min). */
const LAST_WAVE_MIN = 410;
const CONTROLS = [{ type: 'reset_baseline', scope: { namespace: 'ns1' }, time: T0 + 200 * MIN }];

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Applications of three namespaces appearing in waves (the later ones are judged against their
 * namespace from their first connection), each calling a few of its namespace's usual peers and,
 * now and then, something new; edges are evicted, ns1 is reset, and app2 of each namespace, alone
 * in calling an endpoint of its own, goes idle and is deleted before the last wave calls it.
 */
function stream(seed: number): KeyedFlow[] {
  const r = rng(seed);
  const apps: Array<{ w: WorkloadSpec; from: number; until: number }> = [];
  for (let n = 0; n < 3; n++) {
    for (let a = 0; a < 9; a++) {
      const from = T0 + (a < 4 ? 0 : a < 7 ? 90 : LAST_WAVE_MIN) * MIN + Math.floor(r() * 20) * MIN;
      const until = a === 2 ? T0 + 150 * MIN : T0 + 600 * MIN; // one application per namespace goes idle
      apps.push({ w: { cluster: 'c1', namespace: `ns${n}`, name: `app${a}`, app: `app${a}`, labels: { app: `app${a}` } }, from, until });
    }
  }
  const out: KeyedFlow[] = [];
  for (let t = T0; t < T0 + (LAST_WAVE_MIN + 100) * MIN; t += MIN) {
    for (const { w, from, until } of apps) {
      if (t < from || t >= until || r() < 0.7) continue;
      const x = r();
      const own = w.name === 'app2' ? r() < 0.4 : from >= T0 + LAST_WAVE_MIN * MIN && r() < 0.3;
      const peer = own
        ? externalEnd(`192.0.2.${w.namespace.length + Number(w.namespace.slice(2)) * 16}`, 443)
        : x < 0.5
          ? externalEnd(`198.51.100.${1 + Math.floor(r() * 4)}`, 443) // the namespace's usual endpoints
          : x < 0.8
            ? workloadEnd({ cluster: 'c1', namespace: w.namespace, name: `app${Math.floor(r() * 3)}`, app: `app${Math.floor(r() * 3)}` }, 8080)
            : x < 0.95
              ? externalEnd(`203.0.${Math.floor(r() * 200)}.7`, [443, 8443, 22][Math.floor(r() * 3)]!) // something new
              : externalEnd('198.51.100.1', 5432 + Math.floor(r() * 4));
      out.push({ key: keyOf(w), event: flow(workloadEnd(w, 40000 + Math.floor(r() * 20000)), peer, { time: t + Math.floor(r() * 50_000) }) });
    }
  }
  return out;
}

function detector(state = new MemoryKeyedState<FlowBaselineState>()): { d: FlowBaselineDetector; state: MemoryKeyedState<FlowBaselineState> } {
  const d = new FlowBaselineDetector(FlowBaselineConfig.parse({ enabled: true, ...CFG }), { state, emit: () => {}, shardOf });
  d.control(CONTROLS);
  return { d, state };
}

/** A new instance over a JSON copy of the state (what the changelog holds), told about each restored shard as the runtime does. */
function restart(state: MemoryKeyedState<FlowBaselineState>, announce = true): { d: FlowBaselineDetector; state: MemoryKeyedState<FlowBaselineState> } {
  const copy = new MemoryKeyedState<FlowBaselineState>();
  for (const k of state.keys()) copy.set(k, JSON.parse(JSON.stringify(state.get(k))) as FlowBaselineState);
  const next = detector(copy);
  if (announce) for (let s = 0; s < SHARDS; s++) next.d.restored([...copy.keys()].filter((k) => shardOf(k) === s), s);
  return next;
}

const dump = (state: MemoryKeyedState<FlowBaselineState>): string => JSON.stringify([...state.keys()].sort().map((k) => [k, state.get(k)]));

/** Runs the stream, replacing the instance by a restarted one after each index in `crashes`. */
function run(flows: readonly KeyedFlow[], crashes: ReadonlySet<number>, announce = true) {
  let cur = detector();
  const findings: Finding[] = [];
  flows.forEach((f, i) => {
    findings.push(...cur.d.process(f.event, metaFor(f.key)));
    if (crashes.has(i)) cur = restart(cur.state, announce);
  });
  return { findings, cur };
}

test('namespace baselines kept up to date equal those rebuilt from the states at every step (discovery ends, resets, evictions, idle deletes)', () => {
  const flows = stream(7);
  let live = detector();
  let checked = 0;
  flows.forEach((f, i) => {
    live.d.process(f.event, metaFor(f.key));
    if (i % 53 !== 0) return;
    assert.deepEqual(restart(live.state).d.namespaceBaselines(), live.d.namespaceBaselines(), `after flow ${i}`);
    checked++;
  });
  assert.ok(checked > 20);
  const stats = live.d.stats();
  assert.ok(stats.workloadsEvictedIdle > 0, 'idle applications were deleted');
  assert.ok(stats.edgesEvicted > 0, 'edges were evicted');
  assert.ok(stats.namespaces.held === 3, 'three namespace baselines');
  live = restart(live.state);
  assert.equal(live.d.stats().namespaces.held, 3);
});

test('an instance replaced mid-stream (a crash, then a restore) judges new applications exactly as an undisturbed one', () => {
  const flows = stream(11);
  const undisturbed = run(flows, new Set());
  const judged = undisturbed.findings.filter((f) => f.rule === RULES.newApplicationEdge);
  assert.ok(judged.length >= 5, `new applications were judged against their namespaces (${judged.length})`);
  const lastWave = flows.findIndex((f) => f.event.time >= T0 + (LAST_WAVE_MIN - 5) * MIN);
  const crashes = new Set([Math.floor(flows.length * 0.3), Math.floor(flows.length * 0.45), Math.floor(flows.length * 0.6), lastWave]);
  const crashed = run(flows, crashes);
  assert.deepEqual(crashed.findings.map((f) => f.id), undisturbed.findings.map((f) => f.id));
  assert.deepEqual(crashed.findings, undisturbed.findings);
  assert.equal(dump(crashed.cur.state), dump(undisturbed.cur.state));
  assert.deepEqual(crashed.cur.d.namespaceBaselines(), undisturbed.cur.d.namespaceBaselines());
  // What an instance that kept deleted applications in its baselines (the in-memory fold before
  // this design) gets wrong after a restart: the last wave's calls to the endpoint only the deleted
  // app2 used are new to the namespace, and are reported, crash or not.
  assert.ok(judged.some((f) => String(f.evidences[0]!.peer).startsWith('cidr:192.0.2.')), 'the deleted applications\' endpoints are judged new');
});

test('a deleted application (idle sweep) takes its share out of its namespace baseline', () => {
  const app = (name: string): WorkloadSpec => ({ cluster: 'c1', namespace: 'solo', name, app: name, labels: { app: name } });
  const { d, state } = detector();
  const out = (w: WorkloadSpec, ip: string, t: number): KeyedFlow => ({ key: keyOf(w), event: flow(workloadEnd(w, 41000), externalEnd(ip, 443), { time: t }) });
  for (const f of [out(app('a'), '198.51.100.1', T0), out(app('a'), '198.51.100.1', T0 + 61 * MIN)]) d.process(f.event, metaFor(f.key));
  assert.deepEqual(d.namespaceBaselines(), [{ namespace: 'c1/solo', apps: 1, edges: [['o|cidr:198.51.100.0/24|TCP|443', 1]] }]);
  // Idle past the TTL: the sweep deletes it, and its share with it.
  assert.equal(d.sweep(T0 + 61 * MIN + 240 * MIN), 1);
  assert.equal(state.size, 0);
  assert.deepEqual(d.namespaceBaselines(), []);
});
