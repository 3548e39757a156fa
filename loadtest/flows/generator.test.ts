import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { flowKey } from '../../services/core/model/network-flow.ts';
import { evaluateKind } from './eval.ts';
import { flowGenerator, INJECTED_KINDS, L7_KINDS, type GeneratedFlow } from './generator.ts';
import { shopTopology } from './topology.ts';

const HOUR = 3_600_000;
const options = (seed: number) => ({
  topology: shopTopology(),
  seed,
  start: Date.UTC(2025, 0, 6),
  durationMs: HOUR,
  rateScale: 0.2,
  injectFromMs: 0.3 * HOUR,
  incidents: { lateral_movement: 2, c2_egress: 2, version_backdoor: 2, port_scan: 2, new_workload: 2 },
});

function take(n: number, seed: number): GeneratedFlow[] {
  const out: GeneratedFlow[] = [];
  for (const f of flowGenerator(options(seed)).flows()) {
    out.push(f);
    if (out.length >= n) break;
  }
  return out;
}

test('the generator is deterministic for a seed and differs across seeds', () => {
  const a = take(2000, 1).map((f) => `${f.key}|${f.event.time}|${f.event.dst.ip}:${f.event.dst.port}`);
  const b = take(2000, 1).map((f) => `${f.key}|${f.event.time}|${f.event.dst.ip}:${f.event.dst.port}`);
  const c = take(2000, 2).map((f) => `${f.key}|${f.event.time}|${f.event.dst.ip}:${f.event.dst.port}`);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('flows fit the network_flow Avro schema, are keyed by flowKey, in time order; every incident has ground truth', () => {
  const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/network_flow.v1.avsc', import.meta.url), 'utf8')) as avro.Schema);
  const gen = flowGenerator(options(3));
  const truthByIncident = new Map<string, number>();
  let last = -Infinity;
  let n = 0;
  let outOfOrder = 0;
  const pods = new Set<string>();
  for (const f of gen.flows()) {
    if (n++ % 50 === 0) assert.ok(type.isValid(f.event), `flow ${n} is not valid for network_flow.v1.avsc`);
    assert.equal(f.key, flowKey(f.event.src, 'loadtest'));
    if (f.event.time < last - 1000) outOfOrder++;
    last = Math.max(last, f.event.time);
    if (f.event.src.workload?.name === 'worker') pods.add(f.event.src.workload.pod ?? '');
    if (f.truth) truthByIncident.set(f.truth.incident, (truthByIncident.get(f.truth.incident) ?? 0) + 1);
  }
  assert.equal(outOfOrder, 0);
  assert.equal(gen.incidents.length, 10);
  for (const i of gen.incidents) assert.ok((truthByIncident.get(i.id) ?? 0) > 0, `no flows for ${i.id}`);
  assert.deepEqual([...new Set(gen.incidents.map((i) => i.kind))].sort(), [...INJECTED_KINDS].sort());
  assert.ok(pods.size > 100, `worker pods churn (seconds-long lives): ${pods.size} pods in an hour`);
});

test('a small evaluation run detects each kind and scores benign flows', () => {
  for (const kind of INJECTED_KINDS) {
    const r = evaluateKind(kind, { hours: 1, discoveryHours: 0.4, incidents: 3, seed: 5, rateScale: 0.1, drift: 0 });
    assert.equal(r.incidents, 3, kind);
    assert.equal(r.recall, 1, `${kind}: missed ${r.missed.join('; ')}`);
    assert.ok(r.benignFlowsAfterDiscovery > 5_000, `${kind}: ${r.benignFlowsAfterDiscovery} benign flows after discovery`);
    assert.ok(r.trueAlerts >= 3, kind);
  }
});

test('with l7, HTTP and DNS records ride on the flows and the L7 kinds are detected as new paths and names', () => {
  const flows: GeneratedFlow[] = [];
  for (const f of flowGenerator({ ...options(4), l7: true }).flows()) {
    flows.push(f);
    if (flows.length >= 20_000) break;
  }
  const http = flows.filter((f) => f.event.l7?.http);
  const dns = flows.filter((f) => f.event.l7?.dns);
  assert.ok(http.length > 500 && dns.length > 200, `http ${http.length}, dns ${dns.length}`);
  assert.ok(http.every((f) => f.event.dst.port === 8080 || f.event.src.port === 8080));
  assert.ok(http.some((f) => /\/api\/v1\/items\/[0-9a-f-]{36}$/.test(f.event.l7!.http!.url!)), 'UUID ids');
  assert.ok(take(5000, 4).every((f) => f.event.l7 === null), 'without l7 no flow carries an L7 record');
  for (const kind of L7_KINDS) {
    const r = evaluateKind(kind, { hours: 1, discoveryHours: 0.4, incidents: 3, seed: 5, rateScale: 0.1, drift: 0 });
    assert.equal(r.incidents, 3, kind);
    assert.equal(r.recall, 1, `${kind}: missed ${r.missed.join('; ')}`);
    // In so short a discovery (0.4 h at a tenth of the rate) an edge can be unseen: then its incident is a new_edge.
    assert.ok(r.classified >= 2, `${kind}: classified ${r.classified}`);
  }
});
