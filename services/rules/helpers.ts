import { inCidr as netInCidr, isPrivateIp as netIsPrivateIp, isPublicIp as netIsPublicIp, isValidCidr as netIsValidCidr, networkOf } from '../core/net.ts';
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

/** True when `cidr` is a valid IPv4/IPv6 CIDR or address (used by the rule checker on literals). */
export function isValidCidr(cidr: string): boolean {
  return netIsValidCidr(cidr);
}

/** Whether an address is inside a CIDR (or any CIDR of a list). Non-addresses give false. */
export function inCidr(ip: unknown, cidrs: unknown): boolean {
  const all = typeof cidrs === 'string' ? [cidrs] : isCelList(cidrs) ? [...cidrs] : Array.isArray(cidrs) ? cidrs : [];
  return netInCidr(ip, all);
}

/** RFC 1918, CGNAT (100.64/10), loopback, link-local, IPv6 ULA (services/core/net.ts). */
export function isPrivateIp(ip: unknown): boolean {
  return netIsPrivateIp(ip);
}

/** A valid address that is globally routable: not private, loopback, link-local, documentation, multicast or reserved. */
export function isPublicIp(ip: unknown): boolean {
  return netIsPublicIp(ip);
}

/**
 * The network an address belongs to, as a stable string: its /24 for IPv4 (`203.0.113.0/24`,
 * also for IPv4-mapped IPv6 `::ffff:203.0.113.9`), its /48 for IPv6 (`2001:db8:1::/48`); '' for
 * anything that is not an address (an AWS service name).
 */
export function network(ip: unknown): string {
  return networkOf(ip) ?? '';
}

/** A compiled glob: `test(text)` runs in O(text length x pattern length) at worst, never backtracking. */
export interface GlobMatcher {
  test(text: string): boolean;
}

const globCache = new Map<string, GlobMatcher>();

/** One code unit folded to lower case when that keeps it one code unit (RegExp `i`-like, per unit). */
function foldCase(s: string): string {
  const lower = s.toLowerCase();
  if (lower.length === s.length) return lower;
  let out = '';
  for (const c of s) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : c;
  }
  return out;
}

/** The longest run of literal characters in a segment (the last one on ties) and where it starts. */
function anchorOf(seg: string, wild: readonly boolean[]): { text: string; offset: number } {
  let best = { text: '', offset: 0 };
  for (let i = 0; i < seg.length; ) {
    if (wild[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < seg.length && !wild[j]) j++;
    if (j - i >= best.text.length) best = { text: seg.slice(i, j), offset: i };
    i = j;
  }
  return best;
}

/** Index of the first match of `seg` (`wild[j]`: any code unit at j) in text at or after `from`, ending at or before `end`; -1 if none. */
function findSegment(text: string, seg: string, wild: readonly boolean[], from: number, end: number): number {
  if (!wild.includes(true)) {
    const i = text.indexOf(seg, from);
    return i >= 0 && i + seg.length <= end ? i : -1;
  }
  // Candidates come from indexOf on the segment's longest literal run, then are checked whole.
  const anchor = anchorOf(seg, wild);
  if (anchor.text === '') return from + seg.length <= end ? from : -1;
  for (let j = text.indexOf(anchor.text, from + anchor.offset); j >= 0; j = text.indexOf(anchor.text, j + 1)) {
    const i = j - anchor.offset;
    if (i + seg.length > end) return -1;
    if (segmentAt(text, seg, wild, i)) return i;
  }
  return -1;
}

function segmentAt(text: string, seg: string, wild: readonly boolean[], at: number): boolean {
  if (at < 0 || at + seg.length > text.length) return false;
  for (let j = 0; j < seg.length; j++) if (!wild[j] && text.charCodeAt(at + j) !== seg.charCodeAt(j)) return false;
  return true;
}

/**
 * Compiles a glob: `*` any run of code units, `?` one code unit, `\*` `\?` `\\` literal; the rest
 * literal. Matching never backtracks (the pattern is split at `*` into segments, each found at its
 * leftmost place after the previous one, which is correct for globs), so a rule or a Sigma
 * `contains` with many wildcards costs linear time in the field, whatever an attacker puts in it.
 */
export function compileGlob(pattern: string, caseInsensitive: boolean): GlobMatcher {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let m = globCache.get(key);
  if (m) return m;
  // Segments between unescaped stars; `wild[j]` marks a `?` at position j of a segment.
  const segs: Array<{ text: string; wild: boolean[] }> = [{ text: '', wild: [] }];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const seg = segs[segs.length - 1]!;
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1]!)) {
      seg.text += pattern[++i]!;
      seg.wild.push(false);
    } else if (c === '*') segs.push({ text: '', wild: [] });
    else if (c === '?') {
      seg.text += '?';
      seg.wild.push(true);
    } else {
      seg.text += c;
      seg.wild.push(false);
    }
  }
  if (caseInsensitive) for (const s of segs) s.text = foldCase(s.text);
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s.text.length > 0);
  const fold = caseInsensitive ? foldCase : (s: string): string => s;
  m = {
    test(input: string): boolean {
      const text = fold(input);
      if (segs.length === 1) return text.length === first.text.length && segmentAt(text, first.text, first.wild, 0);
      if (!segmentAt(text, first.text, first.wild, 0)) return false;
      const tailStart = text.length - last.text.length;
      if (tailStart < first.text.length || !segmentAt(text, last.text, last.wild, tailStart)) return false;
      let pos = first.text.length;
      for (const s of middle) {
        const at = findSegment(text, s.text, s.wild, pos, tailStart);
        if (at < 0) return false;
        pos = at + s.text.length;
      }
      return true;
    },
  };
  if (globCache.size > 10_000) globCache.clear();
  globCache.set(key, m);
  return m;
}

/** The matcher of a glob (the former RegExp form, kept for callers): see compileGlob. */
export const globRegExp = compileGlob;

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

/** One step into a map or list, the key matched ignoring ASCII case when no key matches exactly. */
function istep(cur: unknown, seg: string): unknown {
  const exact = step(cur, seg);
  if (exact !== undefined) return exact;
  const want = seg.toLowerCase();
  let entries: Iterable<[unknown, unknown]> | null = null;
  if (isCelMap(cur) || cur instanceof Map) entries = (cur as Map<unknown, unknown>).entries();
  else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !isCelList(cur)) entries = Object.entries(cur as Record<string, unknown>);
  if (entries === null) return undefined;
  for (const [k, v] of entries) if (typeof k === 'string' && k.toLowerCase() === want) return v;
  return undefined;
}

/**
 * `get` with property names compared ignoring case (`iget(body, 'properties.networkAcls.defaultAction')`
 * also reads `Properties.NetworkAcls.DefaultAction`): for request bodies of APIs that read their JSON
 * case-insensitively (Azure Resource Manager), whose clients differ in casing. An exact match wins.
 */
export function igetPath(obj: unknown, path: unknown): unknown {
  const segs = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : isCelList(path) ? [...path].map(str) : null;
  if (segs === null) return null;
  let cur: unknown = obj;
  for (const seg of segs) {
    cur = istep(cur, seg);
    if (cur === undefined || cur === null) return null;
  }
  return cur;
}

/** One step into a map or list, the key matched as a protobuf field name: `source_ranges` and `sourceRanges` are one field. */
function pstep(cur: unknown, seg: string): unknown {
  const exact = step(cur, seg);
  if (exact !== undefined) return exact;
  const want = seg.replaceAll('_', '').toLowerCase();
  let entries: Iterable<[unknown, unknown]> | null = null;
  if (isCelMap(cur) || cur instanceof Map) entries = (cur as Map<unknown, unknown>).entries();
  else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !isCelList(cur)) entries = Object.entries(cur as Record<string, unknown>);
  if (entries === null) return undefined;
  for (const [k, v] of entries) if (typeof k === 'string' && k.replaceAll('_', '').toLowerCase() === want) return v;
  return undefined;
}

/**
 * `get` for protobuf messages written as JSON (GCP audit log request, response and metadata
 * structs): a path segment matches the field's JSON name (`sourceRanges`) or its proto name
 * (`source_ranges`), which services differ on; an exact match wins.
 */
export function pgetPath(obj: unknown, path: unknown): unknown {
  const segs = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : isCelList(path) ? [...path].map(str) : null;
  if (segs === null) return null;
  let cur: unknown = obj;
  for (const seg of segs) {
    cur = pstep(cur, seg);
    if (cur === undefined || cur === null) return null;
  }
  return cur;
}

/**
 * The ARM request body of an Azure activity event, parsed: `unmapped.properties.requestbody`
 * (JSON text in the export, REST and Log Analytics forms; an object passes through), any casing of
 * the key. null when the event has none or it is not JSON. Read it with `iget`.
 */
export function azureRequest(event: unknown): unknown {
  const body = igetPath(event, 'unmapped.properties.requestbody');
  if (body !== null && typeof body === 'object') return body;
  const v = json(body);
  return v !== null && typeof v === 'object' ? v : null;
}

/**
 * The ARM response body of an Azure activity event, parsed: `unmapped.properties.responseBody`
 * (the resource as the write left it, logged on the Accept/Success event of a PUT while the request
 * body is logged on its Start event). null when absent or not JSON. Read it with `iget`.
 */
export function azureResponse(event: unknown): unknown {
  const body = igetPath(event, 'unmapped.properties.responseBody');
  if (body !== null && typeof body === 'object') return body;
  const v = json(body);
  return v !== null && typeof v === 'object' ? v : null;
}

/**
 * True for the Start record of an ARM write that carries its request body: in Azure Resource
 * Manager's own activity log the request body is logged on the Start record (resultType `Start`,
 * REST `status.value` `Started`) and the outcome records carry the response instead. Rules that
 * judge a change by its request body accept this record as the attempt, beside a Success record
 * that carries the body (the form exports and peers' test suites use).
 */
export function azureRequestStarted(event: unknown): boolean {
  return azureResultIs(event, 'start') && azureRequest(event) !== null;
}

/**
 * True for the Accepted record of an ARM operation (resultType `Accept`/`Accepted`, REST
 * `status.value` `Accepted`): an asynchronous write or delete the platform took on, logged with
 * status_id 0 (unknown) because its outcome comes later. Rules that count the attempt accept it
 * beside Success.
 */
export function azureAccepted(event: unknown): boolean {
  return azureResultIs(event, 'accept');
}

/** An unknown-outcome (status_id 0) Azure record whose result (resultType, status.value or status) starts with `prefix`. */
function azureResultIs(event: unknown, prefix: string): boolean {
  const status = igetPath(event, 'status_id');
  if (status !== 0 && status !== 0n) return false;
  const result = igetPath(event, 'unmapped.resultType') ?? igetPath(event, 'unmapped.status.value') ?? igetPath(event, 'unmapped.status');
  return typeof result === 'string' && result.toLowerCase().startsWith(prefix);
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

/**
 * The command of a Kubernetes `pods/exec` request as one text, words joined by spaces: the request
 * body's `command` list (GKE, some exports), else the `command=` parameters of `requestURI`
 * (URL-decoded, as kubectl sends them). '' when neither is there.
 */
export function k8sExecCommand(event: unknown): string {
  const parts = values(getPath(k8sRequest(event), 'command')).map((c) => str(c));
  if (parts.length === 0) {
    const uri = str(getPath(event, 'unmapped.requestURI'));
    const q = uri.indexOf('?');
    if (q >= 0) {
      for (const kv of uri.slice(q + 1).split('&')) {
        const eq = kv.indexOf('=');
        if (eq < 0 || kv.slice(0, eq) !== 'command') continue;
        const v = kv.slice(eq + 1).replace(/\+/g, ' ');
        try {
          parts.push(decodeURIComponent(v));
        } catch {
          parts.push(v);
        }
      }
    }
  }
  return parts.join(' ');
}

/** User names of managed control planes that the collector cannot tell from their prefix (AKS). */
const K8S_PLATFORM_USERS = new Set(['aksService', 'masterclient', 'nodeclient', 'aksProblemDetector', 'kubelet', 'kube-proxy', 'kube-apiserver-healthcheck']);

/**
 * Whether a Kubernetes event was made by the cluster's own machinery: `system:` identities other
 * than system:anonymous and service accounts outside kube-system (controllers, scheduler, nodes,
 * the API server), kube-system service accounts, EKS (`eks:`), AKS (`aksService`, `masterclient`…)
 * and GKE (`…@container-engine-robot.iam.gserviceaccount.com`) managers.
 */
export function k8sSystemActor(event: unknown): boolean {
  const uid = str(getPath(event, 'actor.user.uid'));
  const type = str(getPath(event, 'actor.user.type'));
  if (type === 'System' || type === 'Node') return true;
  if (uid.startsWith('system:serviceaccount:')) return uid.startsWith('system:serviceaccount:kube-system:');
  if (uid.startsWith('system:')) return uid !== 'system:anonymous' && uid !== 'system:unauthenticated';
  return uid.startsWith('eks:') || K8S_PLATFORM_USERS.has(uid) || uid.endsWith('@container-engine-robot.iam.gserviceaccount.com');
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
  celFunc('glob', [D, D], B, (s, p) => typeof s === 'string' && typeof p === 'string' && compileGlob(p, false).test(s)),
  celFunc('iglob', [D, D], B, (s, p) => typeof p === 'string' && s !== null && typeof s !== 'object' && compileGlob(p, true).test(str(s))),
  celFunc('get', [D, D], D, (o, p) => getPath(o, p) as CelValue),
  celFunc('get', [D, D, D], D, (o, p, d) => (getPath(o, p) ?? d) as CelValue),
  celFunc('json', [D], D, (v) => json(v) as CelValue),
  celFunc('iget', [D, D], D, (o, p) => igetPath(o, p) as CelValue),
  celFunc('iget', [D, D, D], D, (o, p, d) => (igetPath(o, p) ?? d) as CelValue),
  celFunc('pget', [D, D], D, (o, p) => pgetPath(o, p) as CelValue),
  celFunc('pget', [D, D, D], D, (o, p, d) => (pgetPath(o, p) ?? d) as CelValue),
  celFunc('azureRequest', [D], D, (e) => azureRequest(e) as CelValue),
  celFunc('azureResponse', [D], D, (e) => azureResponse(e) as CelValue),
  celFunc('azureRequestStarted', [D], B, (e) => azureRequestStarted(e)),
  celFunc('azureAccepted', [D], B, (e) => azureAccepted(e)),
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
  celFunc('k8sSystemActor', [D], B, (e) => k8sSystemActor(e)),
  celFunc('k8sExecCommand', [D], S, (e) => k8sExecCommand(e)),
];

/** Names of the helpers, for the README check and the rule checker. */
export const HELPER_NAMES: readonly string[] = [...new Set(RULE_HELPERS.map((f) => f.name))];
