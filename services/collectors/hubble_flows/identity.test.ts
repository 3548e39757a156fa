import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hubbleFlowsCollector } from './index.ts';
import { applicationOf, splitVersionSuffix, type NetworkFlow } from '../../core/model/network-flow.ts';

/** The kind-cluster bookinfo capture (150 real flows, see services/detectors/flow_baseline/fixtures/SOURCE.md). */
const TCP = fileURLToPath(new URL('../../detectors/flow_baseline/fixtures/kind-bookinfo-tcp.jsonl', import.meta.url));

function collect(config: Parameters<typeof hubbleFlowsCollector>[0] = {}): Array<{ key: string; event: NetworkFlow }> {
  const out: Array<{ key: string; event: NetworkFlow }> = [];
  for (const o of hubbleFlowsCollector(config).collect({ name: 'tcp', bytes: readFileSync(TCP) })) {
    assert.equal(o.kind, 'event');
    if (o.kind === 'event' && o.stream === 'flow') out.push({ key: o.key, event: o.event });
  }
  return out;
}

test('bookinfo canary pattern: reviews-v1, -v2 and -v3 (app: reviews, version labels) are one application with three versions', () => {
  const flows = collect();
  const reviews = flows.filter((f) => f.event.src.workload?.name.startsWith('reviews-'));
  const controllers = new Set(reviews.map((f) => f.event.src.workload!.name));
  assert.deepEqual([...controllers].sort(), ['reviews-v1', 'reviews-v2', 'reviews-v3']);
  // One key (one partition, one baseline) for all three Deployments; the version is an attribute.
  assert.deepEqual([...new Set(reviews.map((f) => f.key))], ['kind/bookinfo/app/reviews']);
  const versions = new Map(reviews.map((f) => [f.event.src.workload!.name, f.event.src.workload!.app_version]));
  assert.deepEqual(Object.fromEntries(versions), { 'reviews-v1': 'v1', 'reviews-v2': 'v2', 'reviews-v3': 'v3' });
  // Ends Hubble reported without labels (reviews-v3's, in this capture) get the same application from the controller name.
  const unlabelled = flows.flatMap((f) => [f.event.src, f.event.dst]).filter((e) => e.workload && e.workload.labels.length === 0);
  assert.ok(unlabelled.length > 0, 'the capture has ends without labels');
  for (const e of unlabelled) {
    const labelled = flows.flatMap((f) => [f.event.src, f.event.dst]).find((x) => x.workload?.name === e.workload!.name && x.workload.labels.length > 0);
    if (labelled) assert.equal(e.workload!.app, labelled.workload!.app, e.workload!.name);
  }
  // Keys never carry an IP or a pod.
  for (const f of flows) {
    assert.ok(!f.key.includes(f.event.src.ip ?? '§'), f.key);
    if (f.event.src.workload?.pod) assert.ok(!f.key.includes(f.event.src.workload.pod), f.key);
  }
});

test('identity.key workload keeps the controller keys of earlier releases (state kept from them stays addressed)', () => {
  const flows = collect({ identity: { key: 'workload' } });
  const keys = new Set(flows.map((f) => f.key));
  for (const k of ['kind/bookinfo/Deployment/reviews-v1', 'kind/bookinfo/Deployment/reviews-v2', 'kind/bookinfo/Deployment/reviews-v3']) assert.ok(keys.has(k), k);
  assert.ok(flows.every((f) => f.event.src.workload?.app === undefined));
});

test('applicationOf: labels first, then the controller name without its version suffix; the instance label scopes', () => {
  const w = (name: string, labels: Record<string, string>, image_version: string | null = null) => ({
    kind: 'Deployment',
    name,
    labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
    image_version,
  });
  assert.deepEqual(applicationOf(w('reviews-v2', { app: 'reviews', version: 'v2' })), { app: 'reviews', version: 'v2' });
  assert.deepEqual(applicationOf(w('productpage-v2', {})), { app: 'productpage', version: 'v2' }, 'no labels: the name suffix');
  assert.deepEqual(applicationOf(w('web', { 'app.kubernetes.io/name': 'shop', app: 'x' }, '1.4.0')), { app: 'shop', version: '1.4.0' }, 'image tag without a version label');
  assert.deepEqual(applicationOf(w('pg-a', { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'orders' })).app, 'postgresql@orders');
  assert.deepEqual(applicationOf(w('pg', { 'app.kubernetes.io/name': 'pg', 'app.kubernetes.io/instance': 'pg' })).app, 'pg');
  assert.deepEqual(applicationOf({ ...w('debug-v1', {}), kind: 'Pod' }), { app: 'debug-v1', version: null }, 'a bare pod keeps its name');
  assert.deepEqual(splitVersionSuffix('my-v8-engine'), { name: 'my-v8-engine', version: null });
  assert.deepEqual(splitVersionSuffix('checkout-v1.5.0'), { name: 'checkout', version: 'v1.5.0' });
});
