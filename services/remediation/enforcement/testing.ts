/**
 * Test kit of the enforcer: real block decisions from the flow_baseline detector in protect mode,
 * after it learned the bookinfo fixture flows (with their real pod labels); its test helpers drive it.
 */
import type { SideOutput } from '../../core/components.ts';
import { harness } from '../../detectors/flow_baseline/tests/helpers/harness.ts';
import { externalEnd, fixtureFlows, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from '../../detectors/flow_baseline/tests/helpers/flows.ts';
import { labelRegistry } from '../../detectors/flow_baseline/tests/helpers/attempts.ts';

const DAY = 86_400_000;
const bookinfo = fixtureFlows();
const registry = labelRegistry(bookinfo.map((f) => f.event));
const lastTime = Math.max(...bookinfo.map((f) => f.event.time));

function pod(name: string): WorkloadSpec {
  const labels = registry.get(`kind/bookinfo/Deployment/${name}`);
  if (!labels) throw new Error(`no labels for ${name} in the fixtures`);
  return { cluster: 'kind', namespace: 'bookinfo', name, labels, app: labels.app ?? null, appVersion: labels.version ?? null };
}

/** The decisions flow_baseline emits in protect mode for `flows`, after learning the fixtures. */
export function protectDecisions(flows: (t: number) => KeyedFlow[], config: Parameters<typeof harness>[0] = {}): SideOutput[] {
  const h = harness({ discovery: { maxMs: DAY, stableMs: 0 }, mode: 'protect', ...config });
  h.run(bookinfo);
  h.run(bookinfo.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + 2 * DAY } })));
  h.run(flows(lastTime + 2 * DAY + 60_000));
  return h.emitted.filter((o) => o.stream === 'enforcement');
}

/** ratings-v1 calling an external address on TCP/443: one edge decision. */
export const externalEdge = (t: number): KeyedFlow[] => [{ key: keyOf(pod('ratings-v1')), event: flow(workloadEnd(pod('ratings-v1'), 41001), externalEnd('203.0.113.50', 443), { time: t, uid: 'inj-block' }) }];
/** reviews-v2 scanning details-v1's ports: edge decisions, then a burst (non_baseline). */
export const scan = (t: number): KeyedFlow[] =>
  Array.from({ length: 12 }, (_, i) => ({ key: keyOf(pod('reviews-v2')), event: flow(workloadEnd(pod('reviews-v2'), 45000 + i), { ...workloadEnd(pod('details-v1'), null), port: 1000 + i }, { time: t + i * 100, activity: 1 }) }));

