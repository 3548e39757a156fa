/**
 * A small CiliumNetworkPolicy evaluator for tests: an endpoint selected by a policy with an
 * `ingress` (`egress`) section is in default deny for that direction and only the rules of the
 * selecting policies allow traffic. Rules: fromEndpoints/toEndpoints (matchLabels, `k8s:`
 * prefixes, namespace label, else the policy's namespace), from/toEntities, from/toCIDR,
 * toFQDNs matchName, toPorts (port string, protocol or ANY), icmps. A rule with no L3 part and
 * an L4 part allows any peer; an empty rule `{}` allows nothing. Cilium allows traffic from the
 * local host by default. A port rule with `rules.http` lets an HTTP request through only when one
 * rule's method and path regexes (RE2, full match as Envoy does) match it; an attempt without an
 * HTTP request (an L3/L4 flow) is judged on its port only. toFQDNs matchPattern: `*` is one label.
 */
import { RE2JS } from '@bufbuild/re2';
import { inCidr, type Attempt, type EvalEnd } from './attempts.ts';

type Labels = Record<string, string>;
interface SelectorLike {
  matchLabels?: Labels;
}
interface RuleLike {
  fromEndpoints?: SelectorLike[];
  toEndpoints?: SelectorLike[];
  fromEntities?: string[];
  toEntities?: string[];
  fromCIDR?: string[];
  toCIDR?: string[];
  toFQDNs?: Array<{ matchName?: string; matchPattern?: string }>;
  toPorts?: Array<{ ports?: Array<{ port: string; protocol?: string }>; rules?: { http?: Array<{ method?: string; path?: string }> } }>;
  icmps?: Array<{ fields: Array<{ family?: string; type: number | string }> }>;
}
/** The parts of a CiliumNetworkPolicy the evaluator reads. */
export interface CnpLike {
  metadata: { namespace?: string };
  spec: { endpointSelector?: SelectorLike; ingress?: RuleLike[]; egress?: RuleLike[] };
}

const NS_LABEL = 'k8s:io.kubernetes.pod.namespace';

function selectorMatches(sel: SelectorLike | undefined, end: EvalEnd, defaultNs: string): boolean {
  if (end.kind !== 'pod') return false;
  const ml = sel?.matchLabels ?? {};
  const ns = ml[NS_LABEL] ?? defaultNs;
  if (ns !== end.namespace) return false;
  return Object.entries(ml).every(([k, v]) => k === NS_LABEL || end.labels[k.replace(/^k8s:/, '')] === v);
}

function entityMatches(entities: string[], end: EvalEnd): boolean {
  return entities.some((e) => {
    if (e === 'all') return true;
    if (e === 'world') return end.kind === 'external';
    if (e === 'cluster') return end.kind !== 'external';
    return e === end.kind;
  });
}

function l3(rule: RuleLike, dir: 'ingress' | 'egress'): { present: boolean; matches: (end: EvalEnd, ns: string) => boolean } {
  const eps = dir === 'ingress' ? rule.fromEndpoints : rule.toEndpoints;
  const ents = dir === 'ingress' ? rule.fromEntities : rule.toEntities;
  const cidrs = dir === 'ingress' ? rule.fromCIDR : rule.toCIDR;
  const fqdns = dir === 'egress' ? rule.toFQDNs : undefined;
  const present = !!(eps || ents || cidrs || fqdns);
  return {
    present,
    matches: (end, ns) =>
      (eps ?? []).some((s) => selectorMatches(s, end, ns)) ||
      entityMatches(ents ?? [], end) ||
      (end.kind === 'external' && (cidrs ?? []).some((c) => inCidr(end.ip, c))) ||
      (end.kind === 'external' && !!end.fqdn && (fqdns ?? []).some((f) => f.matchName === end.fqdn!.toLowerCase() || (!!f.matchPattern && patternMatches(f.matchPattern, end.fqdn!.toLowerCase())))),
  };
}

function l4Matches(rule: RuleLike, a: Attempt): boolean {
  if (!rule.toPorts && !rule.icmps) return true;
  const portOk = (rule.toPorts ?? []).some(
    (pr) =>
      (pr.ports ?? []).some((p) => Number(p.port) === a.port && (!p.protocol || p.protocol === 'ANY' || p.protocol === a.protocol)) &&
      (!pr.rules?.http || !a.http || pr.rules.http.some((h) => fullMatch(h.method, a.http!.method) && fullMatch(h.path, a.http!.path))),
  );
  const icmpOk = (rule.icmps ?? []).some((r) =>
    r.fields.some((f) => Number(f.type) === a.port && ((f.family ?? 'IPv4') === 'IPv6' ? a.protocol === 'ICMPv6' : a.protocol === 'ICMPv4')),
  );
  return portOk || icmpOk;
}

function ruleAllows(rule: RuleLike, dir: 'ingress' | 'egress', remote: EvalEnd, ns: string, a: Attempt): boolean {
  const part = l3(rule, dir);
  if (!part.present && !rule.toPorts && !rule.icmps) return false;
  if (part.present && !part.matches(remote, ns)) return false;
  return l4Matches(rule, a);
}

function sideAllows(policies: readonly CnpLike[], local: EvalEnd, remote: EvalEnd, a: Attempt, dir: 'ingress' | 'egress'): boolean {
  if (local.kind !== 'pod') return true;
  if (dir === 'ingress' && remote.kind === 'host') return true;
  const selecting = policies.filter((p) => selectorMatches(p.spec.endpointSelector, local, p.metadata.namespace ?? 'default') && p.spec[dir] !== undefined);
  if (selecting.length === 0) return true;
  return selecting.some((p) => (p.spec[dir] ?? []).some((r) => ruleAllows(r, dir, remote, p.metadata.namespace ?? 'default', a)));
}

/** True when the policies let `a.client` open the connection and `a.server` accept it. */
export function ciliumAllows(policies: readonly CnpLike[], a: Attempt): boolean {
  return sideAllows(policies, a.client, a.server, a, 'egress') && sideAllows(policies, a.server, a.client, a, 'ingress');
}

function fullMatch(regex: string | undefined, value: string): boolean {
  return regex === undefined || RE2JS.compile(regex).matches(value);
}

/** A toFQDNs matchPattern: `*` matches the characters of one DNS label. */
function patternMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-z0-9_]*')}$`);
  return re.test(name);
}
