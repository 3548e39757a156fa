/**
 * A small Kubernetes NetworkPolicy evaluator for tests (networking.k8s.io/v1 semantics): a pod
 * selected by a policy with Ingress (Egress) in policyTypes only accepts (opens) connections some
 * selecting policy's rules allow; unselected pods are open; traffic with the pod's own node is
 * always allowed; replies of allowed connections are allowed. Selectors: matchLabels only.
 */
import { inCidr, labelsMatch, type Attempt, type EvalEnd } from './attempts.ts';

/** The parts of a NetworkPolicy the evaluator reads (plain objects, e.g. parsed from YAML). */
export interface NetpolLike {
  metadata: { namespace?: string };
  spec: {
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: NetpolRuleLike[];
    egress?: NetpolRuleLike[];
  };
}
interface NetpolPeerLike {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface NetpolRuleLike {
  from?: NetpolPeerLike[];
  to?: NetpolPeerLike[];
  ports?: Array<{ protocol?: string; port?: number | string }>;
}

function selects(p: NetpolLike, end: EvalEnd): boolean {
  return end.kind === 'pod' && (p.metadata.namespace ?? 'default') === end.namespace && labelsMatch(p.spec.podSelector?.matchLabels, end.labels);
}

function types(p: NetpolLike): string[] {
  if (p.spec.policyTypes) return p.spec.policyTypes;
  return p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

function peerMatches(peer: NetpolPeerLike, policyNs: string, end: EvalEnd): boolean {
  if (peer.ipBlock) {
    if (end.kind !== 'external') return false;
    return inCidr(end.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(end.ip, c));
  }
  if (end.kind !== 'pod') return false;
  const nsOk = peer.namespaceSelector
    ? labelsMatch(peer.namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': end.namespace })
    : end.namespace === policyNs;
  const podOk = peer.podSelector ? labelsMatch(peer.podSelector.matchLabels, end.labels) : true;
  return nsOk && podOk;
}

function portMatches(rule: NetpolRuleLike, a: Attempt): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => (p.protocol ?? 'TCP') === a.protocol && (p.port === undefined || Number(p.port) === a.port));
}

function ruleAllows(rule: NetpolRuleLike, peers: NetpolPeerLike[] | undefined, policyNs: string, remote: EvalEnd, a: Attempt): boolean {
  const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, policyNs, remote));
  return peerOk && portMatches(rule, a);
}

function sideAllows(policies: readonly NetpolLike[], local: EvalEnd, remote: EvalEnd, a: Attempt, dir: 'Ingress' | 'Egress'): boolean {
  if (local.kind !== 'pod') return true;
  // Traffic with the pod's own node is always allowed.
  if (remote.kind === 'host') return true;
  const selecting = policies.filter((p) => selects(p, local) && types(p).includes(dir));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (dir === 'Ingress' ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])).some((r) =>
      ruleAllows(r, dir === 'Ingress' ? r.from : r.to, p.metadata.namespace ?? 'default', remote, a),
    ),
  );
}

/** True when the policies let `a.client` open the connection and `a.server` accept it. */
export function netpolAllows(policies: readonly NetpolLike[], a: Attempt): boolean {
  return sideAllows(policies, a.client, a.server, a, 'Egress') && sideAllows(policies, a.server, a.client, a, 'Ingress');
}
