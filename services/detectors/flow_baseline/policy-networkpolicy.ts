/**
 * The policy model -> Kubernetes NetworkPolicy (networking.k8s.io/v1) objects, one per workload
 * of the namespace. Pure. What NetworkPolicy cannot say (FQDNs, Cilium entities, ICMP, other
 * protocols, learned HTTP rules and resolved names) is left out with a warning; traffic with the pod's own node is always allowed by
 * Kubernetes, so `host` peers need no rule.
 */
import { connectionsOf, endKey, groupByPorts, policiesPerWorkload, policyMetadata, portSpec, selectorLabels, type PolicyEnd, type PolicyModel, type PolicyWorkload, type PortSpec } from './policy-connections.ts';

/** A NetworkPolicy peer (from/to element). */
export interface NetworkPolicyPeer {
  podSelector?: { matchLabels: Record<string, string> };
  namespaceSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: string };
}

/** A NetworkPolicy ingress or egress rule. */
export interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports: Array<{ protocol: string; port: number }>;
}

/** The NetworkPolicy objects flow_baseline writes. */
export interface NetworkPolicyObject {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: Array<'Ingress' | 'Egress'>;
    ingress: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
  };
}

/** The label Kubernetes sets on every namespace (1.21+) with its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const L4 = new Set(['TCP', 'UDP', 'SCTP']);

function peerOf(end: PolicyEnd, self: PolicyWorkload, model: PolicyModel, warn: (m: string) => void): NetworkPolicyPeer | null | 'implicit' | 'world' {
  switch (end.type) {
    case 'workload': {
      const w = model.workloads.get(end.id);
      const labels = selectorLabels(w);
      if (!w || !labels) {
        warn(`${self.id}: peer workload ${end.id} has no known labels; its rule is left out`);
        return null;
      }
      return w.namespace === self.namespace
        ? { podSelector: { matchLabels: { ...labels } } }
        : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: w.namespace } }, podSelector: { matchLabels: { ...labels } } };
    }
    case 'cidr':
      return { ipBlock: { cidr: end.cidr } };
    case 'entity':
      if (end.entity === 'host') return 'implicit';
      if (end.entity === 'world') return 'world';
      warn(`${self.id}: Cilium entity ${end.entity} cannot be expressed in a NetworkPolicy (use --format cilium); left out`);
      return null;
    case 'fqdn':
      warn(`${self.id}: FQDN ${end.fqdn} cannot be expressed in a NetworkPolicy (use --format cilium for toFQDNs); left out`);
      return null;
    default:
      warn(`${self.id}: a peer without identity is left out`);
      return null;
  }
}

function rules(
  self: PolicyWorkload,
  model: PolicyModel,
  direction: 'ingress' | 'egress',
  warn: (m: string) => void,
): NetworkPolicyRule[] {
  const entries: Array<{ peer: NetworkPolicyPeer; peerKey: string; port: PortSpec }> = [];
  for (const { c, remote } of connectionsOf(model, self, direction)) {
    const found = peerOf(remote, self, model, warn);
    if (found === null || found === 'implicit') continue;
    // Any external address: every IPv4 and IPv6 address.
    const peers = found === 'world' ? [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] : [found];
    const port = portSpec(c);
    if (typeof port === 'string' || !L4.has(port.protocol)) {
      warn(`${self.id}: ${direction} ${endKey(remote)} ${typeof port === 'string' ? port : `${port.protocol} type ${port.port}`} cannot be expressed in a NetworkPolicy; left out`);
      continue;
    }
    if (c.http?.length) {
      warn(
        `${self.id}: ${c.http.length} learned HTTP rule(s) on ${direction} ${endKey(remote)} ${port.protocol}/${port.port} cannot be expressed in a NetworkPolicy (L3/L4 only); ` +
          'the port is allowed for every request (use --format cilium for L7 rules)',
      );
    }
    for (const peer of peers) entries.push({ peer, peerKey: JSON.stringify(peer), port: { protocol: port.protocol, port: port.port } });
  }
  return groupByPorts(entries).map((g) => {
    const ports = g.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
    return direction === 'ingress' ? { from: g.peers, ports } : { to: g.peers, ports };
  });
}

/** NetworkPolicy objects for every workload of `namespace` with usable labels, sorted by name. */
export function networkPolicies(model: PolicyModel, namespace: string, warnings: string[]): NetworkPolicyObject[] {
  return policiesPerWorkload(model, namespace, warnings, (w, labels, warn): NetworkPolicyObject => {
    const policyTypes: Array<'Ingress' | 'Egress'> = w.hasState ? ['Ingress', 'Egress'] : ['Ingress'];
    if (!w.hasState) warn(`${w.id}: no flow from it was seen, so its egress is left unrestricted`);
    const spec: NetworkPolicyObject['spec'] = {
      podSelector: { matchLabels: { ...labels } },
      policyTypes,
      ingress: rules(w, model, 'ingress', warn),
    };
    if (w.hasState) spec.egress = rules(w, model, 'egress', warn);
    if (w.dnsNames.length) {
      warn(
        `${w.id}: ${w.dnsNames.length} resolved external name(s) (${w.dnsNames.slice(0, 3).join(', ')}${w.dnsNames.length > 3 ? ', …' : ''}) cannot be expressed in a NetworkPolicy ` +
          '(no FQDN rules); its external egress is allowed by address only (use --format cilium for toFQDNs)',
      );
    }
    return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: policyMetadata(w, namespace), spec };
  });
}
