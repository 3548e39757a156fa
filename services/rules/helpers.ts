import { BlockList, isIP } from 'node:net';
import { CelScalar, celFunc, isCelList, isCelMap, isCelUint, type CelFunc, type CelValue } from '@bufbuild/cel';

/**
 * Helper functions added to the CEL environment of rules (documented in README.md, "Helpers").
 * None of them throws or returns a CEL error: a value of the wrong kind (null, a number where a
 * string is expected, a bad address) gives false, '' or null, so a rule reading an optional field
 * does not fail on events that lack it.
 */

/** A CEL value turned back into plain JSON (maps to objects, lists to arrays, ints to numbers). */
export function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return v;
  if (isCelUint(v)) return Number(v.value);
  if (isCelList(v)) return [...v].map(toPlain);
  if (isCelMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v.entries()) out[String(k)] = toPlain(val);
    return out;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v.entries()) out[String(k)] = toPlain(val);
    return out;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return null;
}

/** Text of a scalar: strings as they are, numbers without a trailing .0, null as ''; maps and lists as JSON. */
export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (isCelUint(v)) return String(v.value);
  return JSON.stringify(toPlain(v));
}

/** One step into a map or list; undefined when absent. */
function step(cur: unknown, seg: string): unknown {
  if (isCelMap(cur) || cur instanceof Map) {
    const v = (cur as Map<string, unknown>).get(seg);
    return v === undefined ? undefined : v;
  }
  if (isCelList(cur) && /^\d+$/.test(seg)) return cur.get(Number(seg));
  if (Array.isArray(cur) && /^\d+$/.test(seg)) return cur[Number(seg)];
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
    const o = cur as Record<string, unknown>;
    return Object.hasOwn(o, seg) ? o[seg] : undefined;
  }
  return undefined;
}

/** Safe path lookup: `get(obj, 'a.b.0.c')` or `get(obj, ['a', 'b.with.dots'])`; null when any step is missing. */
export function getPath(obj: unknown, path: unknown): unknown {
  const segs = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : isCelList(path) ? [...path].map(str) : null;
  if (segs === null) return null;
  let cur: unknown = obj;
  for (const seg of segs) {
    cur = step(cur, seg);
    if (cur === undefined || cur === null) return null;
  }
  return cur;
}

const cidrCache = new Map<string, BlockList | null>();

/** A BlockList holding one CIDR (an address alone counts as /32 or /128); null when it is not one. */
function cidrList(cidr: string): BlockList | null {
  let b = cidrCache.get(cidr);
  if (b !== undefined) return b;
  b = null;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(cidr.trim());
  if (m) {
    const family = isIP(m[1]!);
    const max = family === 4 ? 32 : 128;
    const prefix = m[2] === undefined ? max : Number(m[2]);
    if (family !== 0 && prefix <= max) {
      b = new BlockList();
      b.addSubnet(m[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }
  if (cidrCache.size > 10_000) cidrCache.clear();
  cidrCache.set(cidr, b);
  return b;
}

/** True when `cidr` is a valid IPv4/IPv6 CIDR or address (used by the rule checker on literals). */
export function isValidCidr(cidr: string): boolean {
  return cidrList(cidr) !== null;
}

/** Whether an address is inside a CIDR (or any CIDR of a list). Non-addresses give false. */
export function inCidr(ip: unknown, cidrs: unknown): boolean {
  if (typeof ip !== 'string') return false;
  const family = isIP(ip);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const all = typeof cidrs === 'string' ? [cidrs] : isCelList(cidrs) ? [...cidrs] : Array.isArray(cidrs) ? cidrs : [];
  for (const c of all) {
    if (typeof c !== 'string') continue;
    const b = cidrList(c);
    if (b && b.check(ip, type)) return true;
  }
  return false;
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32]] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}
const PRIVATE = new BlockList();
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['fc00::', 7], ['fe80::', 10], ['::1', 128]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

/** RFC 1918, CGNAT (100.64/10), loopback, link-local, IPv6 ULA. */
export function isPrivateIp(ip: unknown): boolean {
  if (typeof ip !== 'string') return false;
  const f = isIP(ip);
  return f !== 0 && PRIVATE.check(ip, f === 4 ? 'ipv4' : 'ipv6');
}

/** A valid address that is globally routable: not private, loopback, link-local, documentation, multicast or reserved. */
export function isPublicIp(ip: unknown): boolean {
  if (typeof ip !== 'string') return false;
  const f = isIP(ip);
  return f !== 0 && !NON_PUBLIC.check(ip, f === 4 ? 'ipv4' : 'ipv6');
}

/** The 16 bytes of an IPv6 address (already validated by isIP). */
function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

/**
 * The network an address belongs to, as a stable string: its /24 for IPv4 (`203.0.113.0/24`,
 * also for IPv4-mapped IPv6 `::ffff:203.0.113.9`), its /48 for IPv6 (`2001:db8:1::/48`); '' for
 * anything that is not an address (an AWS service name).
 */
export function network(ip: unknown): string {
  if (typeof ip !== 'string') return '';
  const f = isIP(ip);
  if (f === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  if (f !== 6) return '';
  const b = ipv6Bytes(ip.split('%')[0]!);
  // An IPv4-mapped address (::ffff:a.b.c.d) is its IPv4 address.
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.0/24`;
  const g = (i: number): string => ((b[i]! << 8) | b[i + 1]!).toString(16);
  return `${g(0)}:${g(2)}:${g(4)}::/48`;
}

const globCache = new Map<string, RegExp>();

/** `*` any run of characters, `?` one character, `\*` `\?` `\\` literal; the rest literal. */
export function globRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1]!)) {
      src += `\\${pattern[++i]}`;
    } else if (c === '*') src += '[\\s\\S]*';
    else if (c === '?') src += '[\\s\\S]';
    else src += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, caseInsensitive ? 'i' : '');
  if (globCache.size > 10_000) globCache.clear();
  globCache.set(key, re);
  return re;
}

/** Parses JSON text; a map or list passes through unchanged (fields that are a JSON string in some records and an object in others). */
export function json(v: unknown): unknown {
  if (typeof v !== 'string') return isCelMap(v) || isCelList(v) ? v : null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return null;
  }
}

/** The value as a list: [] for null, the list itself, else a one-element list. */
export function values(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (isCelList(v)) return [...v];
  if (Array.isArray(v)) return v;
  return [v];
}

/** The Statement entries of an IAM policy (object or JSON text); [] when it is not one. */
function policyStatements(policy: unknown): unknown[] {
  let p = toPlain(policy);
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return [];
    }
  }
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return [];
  const st = (p as Record<string, unknown>).Statement;
  return Array.isArray(st) ? st : st && typeof st === 'object' ? [st] : [];
}

/**
 * Whether a resource policy (object or JSON text; AWS IAM policy grammar) has an Allow statement
 * for everyone: Principal `*`, `{"AWS":"*"}` or a list holding `*`, with no Condition other than
 * `aws:SecureTransport` (a condition on source IP, VPC, org or account makes it not public).
 */
export function policyIsPublic(policy: unknown): boolean {
  const statements = policyStatements(policy);
  return statements.some((s) => {
    if (s === null || typeof s !== 'object') return false;
    const { Effect, Principal, Condition } = s as Record<string, unknown>;
    if (Effect !== 'Allow') return false;
    if (!principalIsEveryone(Principal)) return false;
    if (Condition === undefined || Condition === null) return true;
    if (typeof Condition !== 'object') return false;
    const keys = Object.values(Condition as Record<string, unknown>).flatMap((c) => (c && typeof c === 'object' ? Object.keys(c) : []));
    return keys.every((k) => k.toLowerCase() === 'aws:securetransport');
  });
}

function principalIsEveryone(p: unknown): boolean {
  if (p === '*') return true;
  if (Array.isArray(p)) return p.includes('*');
  if (p && typeof p === 'object') {
    return Object.values(p as Record<string, unknown>).some((v) => v === '*' || (Array.isArray(v) && v.includes('*')));
  }
  return false;
}

/**
 * Whether a policy (object or JSON text) has an Allow statement granting every action on every
 * resource: Action `*` (or `*:*`, or a list holding one) with Resource `*`. NotAction is not read.
 */
export function policyAllowsAll(policy: unknown): boolean {
  const statements = policyStatements(policy);
  const star = (v: unknown): boolean => v === '*' || v === '*:*' || (Array.isArray(v) && v.some((x) => x === '*' || x === '*:*'));
  return statements.some((s) => s !== null && typeof s === 'object' && (s as Record<string, unknown>).Effect === 'Allow' && star((s as Record<string, unknown>).Action) && star((s as Record<string, unknown>).Resource));
}

/** Parts of a Kubernetes event's object reference, from the normalized fields (see README). */
export function k8sRef(event: unknown, part: unknown): string {
  const service = str(getPath(event, 'api.service_name'));
  const m = /^k8s:([^/]+)\/([^/]+)(?:\/(.+))?$/.exec(service);
  switch (part) {
    case 'apiGroup':
      return m ? (m[1] === 'core' ? '' : m[1]!) : '';
    case 'resource':
      return m ? m[2]! : '';
    case 'subresource':
      return m?.[3] ?? '';
    case 'name':
      return str(getPath(event, 'resources.0.name'));
    case 'namespace': {
      const uid = str(getPath(event, 'resources.0.uid')).split('/');
      if (uid.length >= 4 && uid[1] === 'namespaces') return uid[2]!;
      return str(getPath(k8sRequest(event), 'metadata.namespace'));
    }
    default:
      return '';
  }
}

/** The request body of a Kubernetes event: `unmapped.requestObject` (native, EKS, AKS) or `unmapped.protoPayload.request` (GKE); null when absent. */
export function k8sRequest(event: unknown): unknown {
  return getPath(event, 'unmapped.requestObject') ?? getPath(event, 'unmapped.protoPayload.request');
}

/**
 * The pod spec inside a Kubernetes request body, whatever the workload: a Pod (`spec`), a
 * Deployment, DaemonSet, StatefulSet, ReplicaSet, Job or pod template (`spec.template.spec`), a
 * CronJob (`spec.jobTemplate.spec.template.spec`). null when the body holds none.
 */
export function k8sPodSpec(event: unknown): unknown {
  const req = k8sRequest(event);
  if (req === null) return null;
  for (const path of ['spec', 'spec.template.spec', 'spec.jobTemplate.spec.template.spec', 'template.spec']) {
    const spec = getPath(req, path);
    if (spec !== null && (getPath(spec, 'containers') !== null || getPath(spec, 'ephemeralContainers') !== null || getPath(spec, 'volumes') !== null || getPath(spec, 'hostNetwork') !== null || getPath(spec, 'hostPID') !== null || getPath(spec, 'hostIPC') !== null)) return spec;
  }
  return null;
}

/** Every container of the pod spec (containers, initContainers, ephemeralContainers); [] when none. */
export function k8sContainers(event: unknown): unknown[] {
  const spec = k8sPodSpec(event);
  if (spec === null) return [];
  return ['containers', 'initContainers', 'ephemeralContainers'].flatMap((k) => values(getPath(spec, k)));
}

const D = CelScalar.DYN;
const B = CelScalar.BOOL;
const S = CelScalar.STRING;

/** The helper functions, ready for celEnv({ funcs }). */
export const RULE_HELPERS: readonly CelFunc[] = [
  celFunc('inCidr', [D, D], B, (ip, cidrs) => inCidr(ip, cidrs)),
  celFunc('isPrivateIp', [D], B, (ip) => isPrivateIp(ip)),
  celFunc('isPublicIp', [D], B, (ip) => isPublicIp(ip)),
  celFunc('network', [D], S, (ip) => network(ip)),
  celFunc('glob', [D, D], B, (s, p) => typeof s === 'string' && typeof p === 'string' && globRegExp(p, false).test(s)),
  celFunc('iglob', [D, D], B, (s, p) => typeof p === 'string' && s !== null && typeof s !== 'object' && globRegExp(p, true).test(str(s))),
  celFunc('get', [D, D], D, (o, p) => getPath(o, p) as CelValue),
  celFunc('get', [D, D, D], D, (o, p, d) => (getPath(o, p) ?? d) as CelValue),
  celFunc('json', [D], D, (v) => json(v) as CelValue),
  celFunc('toJson', [D], S, (v) => JSON.stringify(toPlain(v)) ?? 'null'),
  celFunc('str', [D], S, (v) => str(v)),
  celFunc('lower', [D], S, (v) => str(v).toLowerCase()),
  celFunc('values', [D], D, (v) => values(v) as unknown as CelValue),
  celFunc('containsAny', [D, D], B, (s, list) => {
    if (s === null || typeof s === 'object') return false;
    const text = str(s).toLowerCase();
    return values(list).some((x) => typeof x === 'string' && text.includes(x.toLowerCase()));
  }),
  celFunc('policyIsPublic', [D], B, (p) => policyIsPublic(p)),
  celFunc('policyAllowsAll', [D], B, (p) => policyAllowsAll(p)),
  celFunc('k8sRef', [D, D], S, (e, part) => k8sRef(e, part)),
  celFunc('k8sPodSpec', [D], D, (e) => k8sPodSpec(e) as CelValue),
  celFunc('k8sContainers', [D], D, (e) => k8sContainers(e) as unknown as CelValue),
  celFunc('k8sRequest', [D], D, (e) => k8sRequest(e) as CelValue),
];

/** Names of the helpers, for the README check and the rule checker. */
export const HELPER_NAMES: readonly string[] = [...new Set(RULE_HELPERS.map((f) => f.name))];
