/**
 * The policy model -> CiliumNetworkPolicy (cilium.io/v2) objects, one per workload of the
 * namespace. Pure. Workload peers become fromEndpoints/toEndpoints (with the namespace label),
 * CIDR buckets fromCIDR/toCIDR, FQDNs toFQDNs (with a DNS rule on the workload's DNS edges so
 * Cilium's DNS proxy learns the names), Cilium entities fromEntities/toEntities, ICMP icmps.
 * Learned HTTP requests become L7 rules (`toPorts[].rules.http: [{method, path}]`) on their port,
 * and the external names the workload resolved become toFQDNs egress rules on the ports it used
 * towards external peers.
 */
import type { CiliumEgressRule, CiliumIngressRule, CiliumNetworkPolicyObject } from './cilium-schema.ts';
import { connectionsOf, endKey, groupByPorts, type HttpRule, policiesPerWorkload, policyMetadata, portSpec, selectorLabels, type PolicyEnd, type PolicyModel, type PolicyWorkload, type PortSpec } from './policy-connections.ts';

/** The label Cilium gives every endpoint with its namespace. */
export const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

const ENTITIES: Readonly<Record<string, 'host' | 'remote-node' | 'health' | 'world'>> = { host: 'host', 'remote-node': 'remote-node', health: 'health', world: 'world' };

type L3 =
  | { kind: 'endpoints'; selector: { matchLabels: Record<string, string> } }
  | { kind: 'entities'; entity: 'host' | 'remote-node' | 'health' | 'world' }
  | { kind: 'cidr'; cidr: string }
  | { kind: 'fqdn'; name: string };

function l3Of(end: PolicyEnd, self: PolicyWorkload, model: PolicyModel, direction: 'ingress' | 'egress', warn: (m: string) => void): L3 | null {
  switch (end.type) {
    case 'workload': {
      const w = model.workloads.get(end.id);
      const labels = selectorLabels(w);
      if (!w || !labels) {
        warn(`${self.id}: peer workload ${end.id} has no known labels; its rule is left out`);
        return null;
      }
      return { kind: 'endpoints', selector: { matchLabels: { ...labels, [CILIUM_NAMESPACE_LABEL]: w.namespace } } };
    }
    case 'cidr':
      return { kind: 'cidr', cidr: end.cidr };
    case 'fqdn':
      if (direction === 'egress') return { kind: 'fqdn', name: end.fqdn };
      warn(`${self.id}: ingress from FQDN ${end.fqdn} cannot be expressed (Cilium has no fromFQDNs); left out`);
      return null;
    case 'entity': {
      const entity = ENTITIES[end.entity];
      if (entity) return { kind: 'entities', entity };
      warn(`${self.id}: reserved identity without a known entity is left out`);
      return null;
    }
    default:
      warn(`${self.id}: a peer without identity is left out`);
      return null;
  }
}

function l3Key(l3: L3): string {
  switch (l3.kind) {
    case 'endpoints':
      return `e:${JSON.stringify(l3.selector.matchLabels)}`;
    case 'entities':
      return `n:${l3.entity}`;
    case 'cidr':
      return `c:${l3.cidr}`;
    default:
      return `f:${l3.name}`;
  }
}

const L4 = new Set(['TCP', 'UDP', 'SCTP']);

function portsPart(ports: readonly PortSpec[], dnsVisibility: boolean): Pick<CiliumEgressRule, 'toPorts' | 'icmps'> {
  const l4 = ports.filter((p) => L4.has(p.protocol));
  const icmp = ports.filter((p) => p.protocol === 'ICMPv4' || p.protocol === 'ICMPv6');
  const out: Pick<CiliumEgressRule, 'toPorts' | 'icmps'> = {};
  if (l4.length) {
    const dns = dnsVisibility ? l4.filter((p) => p.port === 53) : [];
    const http = l4.filter((p) => p.http && p.http.length && p.protocol === 'TCP' && !dns.includes(p));
    const rest = l4.filter((p) => !dns.includes(p) && !http.includes(p));
    out.toPorts = [];
    if (rest.length) out.toPorts.push({ ports: rest.map((p) => ({ port: String(p.port), protocol: p.protocol as 'TCP' | 'UDP' | 'SCTP' })) });
    // One port rule per HTTP port: its L7 rules allow exactly the learned (method, path) pairs.
    for (const p of http) out.toPorts.push({ ports: [{ port: String(p.port), protocol: 'TCP' }], rules: { http: p.http!.map(httpRule) } });
    if (dns.length) {
      out.toPorts.push({ ports: dns.map((p) => ({ port: '53', protocol: p.protocol as 'TCP' | 'UDP' | 'SCTP' })), rules: { dns: [{ matchPattern: '*' }] } });
    }
  }
  if (icmp.length) out.icmps = [{ fields: icmp.map((p) => ({ family: p.protocol === 'ICMPv6' ? ('IPv6' as const) : ('IPv4' as const), type: p.port })) }];
  return out;
}

function httpRule(r: HttpRule): { method?: string; path: string } {
  return r.method ? { method: `^${r.method}$`, path: r.path } : { path: r.path };
}

function rulesFor(
  self: PolicyWorkload,
  model: PolicyModel,
  direction: 'ingress' | 'egress',
  warn: (m: string) => void,
): { rules: Array<{ l3s: L3[]; ports: PortSpec[] }>; hasFqdn: boolean } {
  const entries: Array<{ peer: L3; peerKey: string; port: PortSpec }> = [];
  let hasFqdn = false;
  for (const { c, remote } of connectionsOf(model, self, direction)) {
    const l3 = l3Of(remote, self, model, direction, warn);
    if (!l3) continue;
    const port = portSpec(c);
    if (typeof port === 'string') {
      warn(`${self.id}: ${direction} ${endKey(remote)} ${port} cannot be expressed; left out`);
      continue;
    }
    if (l3.kind === 'fqdn') hasFqdn = true;
    entries.push({ peer: l3, peerKey: l3Key(l3), port: c.http ? { ...port, http: c.http } : port });
  }
  // One L3 kind per rule (toFQDNs may not share a rule with other L3 selectors).
  const byKind = new Map<string, typeof entries>();
  for (const e of entries) {
    const list = byKind.get(e.peer.kind) ?? [];
    list.push(e);
    byKind.set(e.peer.kind, list);
  }
  const rules: Array<{ l3s: L3[]; ports: PortSpec[] }> = [];
  for (const kind of ['endpoints', 'entities', 'cidr', 'fqdn']) {
    for (const g of groupByPorts(byKind.get(kind) ?? [])) rules.push({ l3s: g.peers, ports: g.ports });
  }
  return { rules, hasFqdn };
}

function ingressRule(l3s: L3[], ports: PortSpec[]): CiliumIngressRule {
  const r: CiliumIngressRule = {};
  const first = l3s[0]!;
  if (first.kind === 'endpoints') r.fromEndpoints = l3s.map((x) => (x as Extract<L3, { kind: 'endpoints' }>).selector);
  else if (first.kind === 'entities') r.fromEntities = l3s.map((x) => (x as Extract<L3, { kind: 'entities' }>).entity);
  else if (first.kind === 'cidr') r.fromCIDR = l3s.map((x) => (x as Extract<L3, { kind: 'cidr' }>).cidr);
  return { ...r, ...portsPart(ports, false) };
}

/** matchName for a name as learned; matchPattern when it was generalised (a `*` label). */
function fqdnSelector(name: string): { matchName: string } | { matchPattern: string } {
  return name.includes('*') ? { matchPattern: name } : { matchName: name };
}

function egressRule(l3s: L3[], ports: PortSpec[], dnsVisibility: boolean): CiliumEgressRule {
  const r: CiliumEgressRule = {};
  const first = l3s[0]!;
  if (first.kind === 'endpoints') r.toEndpoints = l3s.map((x) => (x as Extract<L3, { kind: 'endpoints' }>).selector);
  else if (first.kind === 'entities') r.toEntities = l3s.map((x) => (x as Extract<L3, { kind: 'entities' }>).entity);
  else if (first.kind === 'cidr') r.toCIDR = l3s.map((x) => (x as Extract<L3, { kind: 'cidr' }>).cidr);
  else r.toFQDNs = l3s.map((x) => fqdnSelector((x as Extract<L3, { kind: 'fqdn' }>).name));
  return { ...r, ...portsPart(ports, dnsVisibility && first.kind !== 'fqdn') };
}

/**
 * The toFQDNs rule for the external names a workload resolved and that no FQDN edge names already:
 * on the ports it used towards external peers (FQDN, CIDR bucket or world), so a connection that
 * Hubble saw as an address is allowed again after the address changes. Null when there is none.
 */
function resolvedNamesRule(w: PolicyWorkload, model: PolicyModel, warn: (m: string) => void): { l3s: L3[]; ports: PortSpec[] } | null {
  if (!w.dnsNames.length) return null;
  const fqdnPeers = new Set<string>();
  const ports = new Map<string, PortSpec>();
  for (const { c, remote } of connectionsOf(model, w, 'egress')) {
    if (remote.type === 'fqdn') fqdnPeers.add(remote.fqdn);
    if (remote.type !== 'fqdn' && remote.type !== 'cidr' && !(remote.type === 'entity' && remote.entity === 'world')) continue;
    const p = portSpec(c);
    if (typeof p !== 'string' && L4.has(p.protocol)) ports.set(`${p.protocol}/${p.port}`, { protocol: p.protocol, port: p.port });
  }
  const names = w.dnsNames.filter((n) => !fqdnPeers.has(n));
  if (!names.length) return null;
  if (!ports.size) {
    warn(`${w.id}: ${names.length} resolved external name(s) (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}) have no learned external connection; no toFQDNs rule written for them`);
    return null;
  }
  const sorted = [...ports.values()].sort((a, b) => (a.protocol === b.protocol ? a.port - b.port : a.protocol < b.protocol ? -1 : 1));
  return { l3s: names.map((name) => ({ kind: 'fqdn', name })), ports: sorted };
}

/** CiliumNetworkPolicy objects for every workload of `namespace` with usable labels, sorted by name. */
export function ciliumPolicies(model: PolicyModel, namespace: string, warnings: string[]): CiliumNetworkPolicyObject[] {
  return policiesPerWorkload(model, namespace, warnings, (w, labels, warn): CiliumNetworkPolicyObject => {
    const ingress = rulesFor(w, model, 'ingress', warn);
    const egress = w.hasState ? rulesFor(w, model, 'egress', warn) : null;
    if (!w.hasState) warn(`${w.id}: no flow from it was seen, so its egress is left unrestricted`);
    const spec: CiliumNetworkPolicyObject['spec'] = {
      description: `Baseline learned by Sluice flow_baseline for ${w.kind}/${w.name}`,
      endpointSelector: { matchLabels: { ...labels } },
      // `[{}]` puts the endpoint in default deny for that direction without allowing anything.
      ingress: ingress.rules.length ? ingress.rules.map((r) => ingressRule(r.l3s, r.ports)) : [{}],
    };
    if (egress) {
      const fqdnRule = resolvedNamesRule(w, model, warn);
      if (fqdnRule) {
        egress.rules.push(fqdnRule);
        egress.hasFqdn = true;
      }
      const dnsPorts = egress.rules.some((r) => r.l3s[0]!.kind !== 'fqdn' && r.ports.some((p) => p.port === 53 && L4.has(p.protocol)));
      if (egress.hasFqdn && !dnsPorts) warn(`${w.id}: toFQDNs rules need DNS visibility, but no DNS (port 53) edge was learned`);
      spec.egress = egress.rules.length ? egress.rules.map((r) => egressRule(r.l3s, r.ports, egress.hasFqdn)) : [{}];
    }
    return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: policyMetadata(w, namespace), spec };
  });
}
