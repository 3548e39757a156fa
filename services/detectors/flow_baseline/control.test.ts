import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { FlowBaselineConfig } from './config.ts';
import { applyFlowControl, controlApplies, parseFlowControl, type FlowControl } from './control.ts';
import { RULES } from './findings.ts';
import { configuredMode } from './modes.ts';
import { newState } from './state.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { externalEnd, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';

const MIN = 60_000;
const api: WorkloadSpec = { cluster: 'prod', namespace: 'shop', name: 'api' };
const KEY = keyOf(api);
const to = (port: number, time: number, w: WorkloadSpec = api): KeyedFlow => ({ key: keyOf(w), event: flow(workloadEnd(w, 40000), externalEnd('203.0.113.9', port), { time }) });

test('discovery ends on stability (no new edge for stableMs, event time), recorded in state and as a finding', () => {
  const h = harness({ discovery: { maxMs: 24 * 60 * MIN, stableMs: 30 * MIN, minMs: 10 * MIN } });
  assert.deepEqual(h.run([to(443, 0), to(8443, 5 * MIN), to(443, 20 * MIN)]), []);
  assert.equal(h.state.get(KEY)!.phase, 'discover');
  const out = h.run([to(443, 35 * MIN)]);
  assert.deepEqual(out.map((f) => f.rule), [RULES.discoveryEnded]);
  assert.equal(out[0]!.severity, 'Informational');
  assert.equal(out[0]!.evidences[0]!.reason, 'stable');
  assert.equal(out[0]!.evidences[0]!.learned_edges, 2);
  const s = h.state.get(KEY)!;
  assert.equal(s.phase, 'active');
  assert.deepEqual([s.discovery.end, s.discovery.reason], [35 * MIN, 'stable']);
  assert.equal(alerts(h.run([to(22, 36 * MIN)])).length, 1, 'alerts after discovery');
});

test('stability never ends discovery before minMs; maxMs ends it regardless', () => {
  const early = harness({ discovery: { maxMs: 24 * 60 * MIN, stableMs: MIN, minMs: 60 * MIN } });
  early.run([to(443, 0), to(443, 10 * MIN)]);
  assert.equal(early.state.get(KEY)!.phase, 'discover');
  const capped = harness({ discovery: { maxMs: 60 * MIN, stableMs: 0 } });
  capped.run([to(443, 0), to(80, 59 * MIN)]);
  assert.equal(capped.state.get(KEY)!.phase, 'discover');
  const out = capped.run([to(8080, 60 * MIN)]);
  assert.deepEqual(out.map((f) => f.rule), [RULES.discoveryEnded, RULES.newEdge]);
  assert.equal(capped.state.get(KEY)!.discovery.reason, 'duration');
});

test('mode rules: workload beats namespace beats default; discover keeps learning forever', () => {
  const cfg = FlowBaselineConfig.parse({
    mode: 'monitor',
    modes: [
      { namespace: 'shop', mode: 'protect' },
      { namespace: 'shop', workload: 'Deployment/api', mode: 'discover' },
      { namespace: 'shop', workload: 'web', cluster: 'staging', mode: 'discover' },
    ],
  });
  const id = (name: string, cluster = 'prod') => newState({ type: 'workload', cluster, namespace: 'shop', kind: 'Deployment', name, image_repository: null }, 0).identity;
  assert.equal(configuredMode(cfg, id('api')), 'discover');
  assert.equal(configuredMode(cfg, id('web')), 'protect', 'the web rule is for staging only');
  assert.equal(configuredMode(cfg, id('web', 'staging')), 'discover');
  assert.equal(configuredMode(cfg, { ...id('x'), namespace: 'other' }), 'monitor');

  const h = harness({ modes: [{ namespace: 'shop', mode: 'discover' }], discovery: { maxMs: MIN, stableMs: 0 } });
  assert.deepEqual(h.run([to(443, 0), to(22, 10 * MIN), to(4444, 1000 * MIN)]), []);
  assert.equal(Object.keys(h.state.get(KEY)!.edges).length, 3);
});

test('control messages are validated: unknown fields and bad modes are rejected with every problem', () => {
  const ok = parseFlowControl({ type: 'set_mode', scope: { namespace: 'shop' }, mode: 'protect', time: 5, id: 'ticket-1' });
  assert.equal(ok.type, 'set_mode');
  assert.throws(
    () => parseFlowControl({ type: 'set_mode', scope: { namespace: 'shop', extra: 1 }, mode: 'block', time: 5 }),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED' && /scope/.test(e.message) && /mode/.test(e.message),
  );
  assert.throws(() => parseFlowControl({ type: 'delete_everything', scope: { namespace: 'shop' }, time: 1 }), SluiceError);
  assert.throws(() => parseFlowControl('reset'), SluiceError);
});

test('controlApplies matches namespace, cluster, kind/name or bare name', () => {
  const c = (scope: FlowControl['scope']): FlowControl => ({ type: 'reset_baseline', scope, time: 0 });
  assert.equal(controlApplies(c({ namespace: 'shop' }), KEY), true);
  assert.equal(controlApplies(c({ namespace: 'shop', cluster: 'dev' }), KEY), false);
  assert.equal(controlApplies(c({ namespace: 'shop', workload: 'Deployment/api' }), KEY), true);
  assert.equal(controlApplies(c({ namespace: 'shop', workload: 'StatefulSet/api' }), KEY), false);
  assert.equal(controlApplies(c({ namespace: 'shop', workload: 'api' }), KEY), true);
  assert.equal(controlApplies(c({ namespace: 'other' }), KEY), false);
  assert.equal(controlApplies(c({ namespace: 'shop' }), 'external/203.0.113.0/24'), false);
});

test('set_mode protect ends discovery now (reason control) and is pure; the switch is reported on the next flow', () => {
  const h = harness({ discovery: { maxMs: 1000 * MIN, stableMs: 0 } });
  h.run([to(443, 0)]);
  const before = h.state.get(KEY)!;
  const snapshot = structuredClone(before);
  const ctl: FlowControl = { type: 'set_mode', scope: { namespace: 'shop', workload: 'api' }, mode: 'protect', time: 5 * MIN, id: 'chg-42' };
  const after = applyFlowControl(before, ctl, KEY)!;
  assert.deepEqual(before, snapshot, 'input not modified');
  assert.equal(applyFlowControl(before, ctl, 'prod/shop/Deployment/web'), before, 'other workloads untouched');
  assert.equal(applyFlowControl(undefined, ctl, KEY), undefined);
  assert.deepEqual([after.phase, after.modeOverride, after.discovery.end, after.discovery.reason], ['active', 'protect', 5 * MIN, 'control']);
  assert.deepEqual(after.control, { id: 'chg-42', type: 'set_mode', time: 5 * MIN });
  h.state.set(KEY, after);
  const out = h.run([to(22, 6 * MIN)]);
  assert.deepEqual(out.map((f) => f.rule), [RULES.discoveryEnded, RULES.newEdge]);
  assert.equal(out[0]!.evidences[0]!.reason, 'control');
  assert.equal(h.emitted.length, 1, 'protect: a block decision');
  assert.equal(h.detector.modeOf(KEY), 'protect');
});

test('reset_baseline forgets the edges and learns again; set_mode discover on an active workload learns again', () => {
  const h = harness({ discovery: { maxMs: 10 * MIN, stableMs: 0 } });
  h.run([to(443, 0), to(443, 20 * MIN)]);
  assert.equal(h.state.get(KEY)!.phase, 'active');
  const reset = applyFlowControl(h.state.get(KEY), { type: 'reset_baseline', scope: { namespace: 'shop' }, time: 30 * MIN }, KEY)!;
  assert.deepEqual([reset.phase, Object.keys(reset.edges).length, reset.counters.resets], ['discover', 0, 1]);
  h.state.set(KEY, reset);
  assert.deepEqual(h.run([to(9999, 31 * MIN)]), [], 'learning again');
  assert.ok(h.state.get(KEY)!.edges['o|cidr:203.0.113.0/24|TCP|9999']);

  const d = harness({ discovery: { maxMs: 10 * MIN, stableMs: 0 } });
  d.run([to(443, 0), to(443, 20 * MIN)]);
  d.state.set(KEY, applyFlowControl(d.state.get(KEY), { type: 'set_mode', scope: { namespace: 'shop' }, mode: 'discover', time: 25 * MIN }, KEY)!);
  assert.deepEqual(d.run([to(7000, 26 * MIN), to(7001, 500 * MIN)]), [], 'discover until told otherwise');
  assert.equal(d.state.get(KEY)!.phase, 'discover');
});

test('control messages from the control topic (via control()) switch a namespace to protect: a new edge is blocked', () => {
  const h = harness({ mode: 'discover', discovery: { maxMs: 24 * 60 * MIN, stableMs: 0 } });
  h.run([to(443, 0), to(443, MIN)]);
  assert.equal(h.state.get(KEY)!.phase, 'discover');
  h.detector.control([
    { detector: 'flow_baseline', type: 'set_mode', scope: { namespace: 'shop' }, mode: 'protect', time: 2 * MIN, id: 'c-1' },
    { detector: 'flow_baseline', type: 'set_mode', scope: { namespace: 'shop' }, mode: 'sideways', time: 3 * MIN },
  ]);
  assert.equal(h.detector.stats().controlsRejected, 1, 'the invalid message is counted and ignored');
  const out = alerts(h.run([to(22, 4 * MIN)]));
  assert.equal(out.length, 1, 'the new edge raises an alert');
  assert.ok(h.emitted.some((o) => o.stream === 'enforcement' && o.value.decision === 'block'), 'and a block decision');
  assert.equal(h.state.get(KEY)!.control?.id, 'c-1');
  assert.equal(alerts(h.run([to(443, 5 * MIN)])).length, 0, 'learned edges stay allowed; the control is not applied twice');
});
