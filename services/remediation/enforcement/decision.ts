/**
 * A block decision of flow_baseline (the value of a record on topics.enforcement, JSON):
 * `{ id, decision: 'block', scope: 'edge' | 'non_baseline', workload, selector, direction, peer,
 * protocol, port, finding_id, rule, time, reason, ... }` (services/detectors/flow_baseline/README.md),
 * parsed into what the enforcer needs, or the reason it cannot be.
 */

/** The workload a decision is about, from its key `<cluster>/<namespace>/<kind>/<name>`. */
export interface DecisionWorkload {
  key: string;
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** The workload's pod labels (the decision's selector); null when unknown. */
  labels: Record<string, string> | null;
}

/** The edge an `edge` decision blocks; the peer in flow_baseline's form (w:, cidr:, fqdn:, ent:). */
export interface DecisionEdge {
  direction: 'egress' | 'ingress';
  peer: string;
  protocol: string;
  /** Null for protocols without ports (ICMP). */
  port: number | null;
}

export interface BlockDecision {
  id: string;
  scope: 'edge' | 'non_baseline';
  workload: DecisionWorkload;
  /** Present for scope edge. */
  edge: DecisionEdge | null;
  findingId: string | null;
  rule: string | null;
  detector: string | null;
  reason: string;
  time: number | null;
}

const ID = /^[\w-]{1,128}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function labels(v: unknown): Record<string, string> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return Object.keys(out).length ? out : null;
}

/** The decision, or why it cannot be enforced (`id` is the claimed id, when there is one). */
export function parseBlockDecision(value: unknown): { ok: true; decision: BlockDecision } | { ok: false; id: string | null; reason: string } {
  const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const id = typeof v.id === 'string' && ID.test(v.id) ? v.id : null;
  const fail = (reason: string) => ({ ok: false as const, id, reason });
  if (id === null) return fail('id is missing or not valid');
  if (v.decision !== 'block') return fail(`decision ${JSON.stringify(v.decision ?? null)} is not "block"`);
  if (v.scope !== 'edge' && v.scope !== 'non_baseline') return fail(`scope ${JSON.stringify(v.scope ?? null)} is not edge or non_baseline`);
  const key = str(v.workload);
  const parts = key?.split('/') ?? [];
  if (key === null || parts.length < 4) return fail('workload is not a key <cluster>/<namespace>/<kind>/<name>');
  const [cluster, namespace, kind, ...rest] = parts as [string, string, string, ...string[]];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) return fail(`workload ${key} names no namespace: a network policy is namespaced`);
  const workload: DecisionWorkload = { key, cluster, namespace, kind, name: rest.join('/'), labels: labels(v.selector) };
  let edge: DecisionEdge | null = null;
  if (v.scope === 'edge') {
    if (v.direction !== 'egress' && v.direction !== 'ingress') return fail('an edge decision needs direction egress or ingress');
    const peer = str(v.peer);
    const protocol = str(v.protocol);
    if (peer === null || protocol === null) return fail('an edge decision needs peer and protocol');
    const port = typeof v.port === 'number' && Number.isInteger(v.port) && v.port >= 0 && v.port <= 65535 ? v.port : null;
    edge = { direction: v.direction, peer, protocol, port };
  }
  return {
    ok: true,
    decision: { id, scope: v.scope, workload, edge, findingId: str(v.finding_id), rule: str(v.rule), detector: str(v.detector), reason: str(v.reason) ?? '', time: typeof v.time === 'number' ? v.time : null },
  };
}
