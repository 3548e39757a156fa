/** Process identity from Tetragon (issue 22): edges are (application, version, binary) when a flow names its process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tetragonCollector } from '../../collectors/tetragon/index.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { RULES } from './findings.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import type { KeyedFlow } from './tests/helpers/flows.ts';

const DAY = 86_400_000;
/** The real Tetragon network events (test/fixtures/tetragon, see SOURCE.md) through the collector. */
const events: KeyedFlow[] = [];
for (const o of tetragonCollector().collect({ name: 'sel', bytes: readFileSync(new URL('../../../test/fixtures/tetragon/security-observability-selected.jsonl', import.meta.url)) })) {
  if (o.kind === 'event' && o.stream === 'flow') events.push({ key: o.key, event: o.event });
}
const connect = (binary: string): KeyedFlow => events.find((f) => f.event.process?.binary === binary && f.event.metadata.log_name === 'process_connect')!;
const curl = connect('/usr/bin/curl');
const nc = connect('/usr/bin/nc');
const at = (f: KeyedFlow, time: number, dst?: NetworkFlow['dst']): KeyedFlow => ({ key: f.key, event: { ...f.event, time, ...(dst ? { dst } : {}) } });

function learnedCurl(config: Parameters<typeof harness>[0] = {}) {
  assert.equal(curl.key, nc.key, 'curl and nc ran in pods of the same application (elasticsearch)');
  const h = harness({ discovery: { maxMs: DAY, stableMs: 0 }, ...config });
  const t0 = curl.event.time;
  assert.deepEqual(h.run([at(curl, t0)]), []);
  assert.deepEqual(alerts(h.run([at(curl, t0 + 2 * DAY)])), [], 'the learned call is silent after discovery');
  return { h, t: t0 + 2 * DAY + 60_000 };
}

test('nc spawned by sh in the elasticsearch container connecting out is reported with its binary and parent', () => {
  const { h, t } = learnedCurl();
  const out = alerts(h.run([at(nc, t)]));
  assert.equal(out.length, 1);
  const e = out[0]!.evidences[0]!;
  assert.deepEqual([out[0]!.rule, out[0]!.severity, e.application, e.binary, e.parent_binary, e.peer, e.port], [RULES.newEdge, 'High', 'elasticsearch', '/usr/bin/nc', null, 'cidr:64.225.45.0/24', 443]);
});

test('by default the binary is part of the edge: nc reaching the endpoint curl uses is told apart from the known traffic; off merges them', () => {
  const { h, t } = learnedCurl();
  const sameEndpoint = at(nc, t, curl.event.dst);
  const out = alerts(h.run([sameEndpoint]));
  assert.deepEqual(out.map((f) => [f.rule, f.evidences[0]!.binary, f.evidences[0]!.peer, f.evidences[0]!.port]), [[RULES.newEdge, '/usr/bin/nc', 'cidr:142.250.180.0/24', 80]]);
  assert.deepEqual(alerts(h.run([at(curl, t + 1000)])), [], 'curl itself stays silent');
  const off = learnedCurl({ processIdentity: 'off' });
  assert.deepEqual(alerts(off.h.run([at(nc, off.t, curl.event.dst)])), [], 'without process identity the same peer and port is known');
  const withParent = learnedCurl({ processIdentity: 'binary_and_parent' });
  const p = alerts(withParent.h.run([at(nc, withParent.t)]));
  assert.equal(p[0]!.evidences[0]!.parent_binary, '/usr/bin/sh');
});
