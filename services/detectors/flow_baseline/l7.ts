/**
 * L7 identities of flow_baseline: HTTP (method, path pattern) per edge and the DNS names an
 * application resolves, from Hubble L7 records. Pure functions; the state lives in state.ts.
 *
 * Path parameters are generalised so a baseline holds the API's shape, not its data:
 *   /api/v1/orders/12345/items/7f9c2ba4-e88f-11ea-adc1-0242ac120002 -> /api/v1/orders/{id}/items/{id}
 * DNS names are reduced to the name the application asked for: Kubernetes search-list expansions
 * (`api.stripe.com.shop.svc.cluster.local`, `api.stripe.com.svc.cluster.local`) count as
 * `api.stripe.com`, and a service's own name as `details.bookinfo.svc.cluster.local`.
 */
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { normalizeFqdn } from './identity.ts';

/** The placeholder a generalised path segment or DNS label becomes. */
export const PATH_PARAM = '{id}';
export const DNS_WILDCARD = '*';

const MAX_SEGMENTS = 16;
const MAX_SEGMENT = 64;
const MAX_PATTERN = 512;
const METHOD = /^[A-Z]{1,16}$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const NUMERIC = /^[+-]?\d+(?:[.,]\d+)?$/;
const HEX = /^(?:0x)?[0-9a-f]{8,}$/i;
const TOKEN = /^[A-Za-z0-9_~.=+-]{20,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$/;
const HAS_DIGIT = /\d/;
const NEEDS_ESCAPE = /[{}|\s%]/;

/**
 * True when a path segment (already percent-decoded) is a parameter rather than a name: a number,
 * a UUID, a hex string of 8+ characters with a digit (ids, hashes, digests), a date, a long token
 * (20+ characters with a digit, such as base64 ids or JWT parts), or an email address.
 */
export function isPathParameter(segment: string): boolean {
  if (segment === '') return false;
  // Fast path: every rule below but the email and length rules needs a digit.
  if (!HAS_DIGIT.test(segment)) return segment.length > MAX_SEGMENT || (segment.includes('@') && /^[^@/\s]+@[^@/\s]+\.[^@/\s]+$/.test(segment));
  if (NUMERIC.test(segment) || UUID.test(segment) || DATE.test(segment)) return true;
  if (HEX.test(segment) || TOKEN.test(segment)) return true;
  if (segment.length > MAX_SEGMENT) return true;
  return /^[^@/\s]+@[^@/\s]+\.[^@/\s]+$/.test(segment);
}

/**
 * The path of a request URL (absolute `http://host:port/p?q` as Hubble writes it, or a bare
 * `/p?q`): the query string and fragment are dropped. Null when there is none.
 */
export function urlPath(url: string | null): string | null {
  if (!url) return null;
  let rest = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  if (rest === '') rest = '/';
  return rest.startsWith('/') ? rest : null;
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The generalised pattern of a request path: each parameter segment becomes `{id}`, other
 * segments are kept (percent-decoded, `{`, `}` and `|` and spaces re-encoded); past 16 segments
 * the rest is `{rest}`. Null for a URL without a path.
 */
export function pathPattern(url: string | null): string | null {
  const path = urlPath(url);
  if (path === null) return null;
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    if (i === MAX_SEGMENTS) {
      out.push('{rest}');
      break;
    }
    const seg = decodeSegment(segments[i]!);
    if (isPathParameter(seg)) out.push(PATH_PARAM);
    else out.push(NEEDS_ESCAPE.test(seg) ? seg.replace(/[{}|\s%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) : seg);
  }
  const p = `/${out.join('/')}`;
  return p.length > MAX_PATTERN ? `${p.slice(0, MAX_PATTERN)}{rest}` : p;
}

/** An HTTP method as learned: upper-case letters, at most 16; anything else is `OTHER`. */
export function httpMethod(method: string | null): string {
  const m = (method ?? '').trim().toUpperCase();
  return METHOD.test(m) ? m : 'OTHER';
}

/**
 * The path regex Cilium's L7 HTTP rule gets for a pattern (an extended POSIX regex that is also
 * RE2, matched by Envoy against the request's `:path`, which includes the query string):
 * literal segments escaped, `{id}` -> `[^/?]+`, `{rest}` -> `.*`, then an optional query.
 */
export function pathRegex(pattern: string): string {
  const body = pattern
    .split(/(\{id\}|\{rest\})/)
    .map((part) => {
      if (part === PATH_PARAM) return '[^/?]+';
      if (part === '{rest}') return '.*';
      return decodeSegment(part).replace(/[.*+?^$()[\]{}|\\]/g, (c) => `\\${c}`);
    })
    .join('');
  return `^${body}([?].*)?$`;
}

/** The L7 key of an HTTP request on an edge: `<edge key without process>|<METHOD>|<pattern>`. */
export function httpKey(edgeBase: string, method: string, pattern: string): string {
  return `${edgeBase}|${method}|${pattern}`;
}

/** Takes an HTTP key apart: the L3/L4 edge it belongs to (`o|peer|proto|port`), method and pattern. */
export function parseHttpKey(key: string): { edge: string; method: string; pattern: string } {
  const parts = key.split('|');
  return { edge: parts.slice(0, 4).join('|'), method: parts[4] ?? 'OTHER', pattern: parts.slice(5).join('|') };
}

/** The L3/L4 part of an edge key, without the process part (`o|peer|proto|port`). */
export function edgeBase(edgeKey: string): string {
  let i = -1;
  for (let n = 0; n < 4; n++) {
    i = edgeKey.indexOf('|', i + 1);
    if (i < 0) return edgeKey;
  }
  return edgeKey.slice(0, i);
}

/** The cluster DNS domain Kubernetes services live under. */
export const CLUSTER_DOMAIN = 'cluster.local';

/**
 * The DNS name an application asked for, from a query as Hubble writes it (trailing dot): lower
 * case, trailing dot removed, a Kubernetes search-list expansion reduced to the name it expanded
 * (`x.<ns>.svc.<domain>`, `x.svc.<domain>`, `x.<domain>` where `x` has a dot and is not
 * `<service>.<namespace>`), and labels that are parameters (hex ids, numbers, long tokens, as in
 * `isPathParameter`) replaced by `*`. Null for an empty name.
 */
export function dnsName(query: string | null, namespace: string | null, clusterDomain = CLUSTER_DOMAIN): string | null {
  const q = normalizeFqdn(query);
  if (q === null) return null;
  const suffix = `.${clusterDomain}`;
  let name = q;
  if (name.endsWith(suffix)) {
    let x = name.slice(0, -suffix.length);
    // <svc>.<ns>.svc is a service name; anything else under the domain is an expansion.
    const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc$/.exec(x);
    if (!svc) {
      if (namespace && x.endsWith(`.${namespace}.svc`)) x = x.slice(0, -(namespace.length + 5));
      else if (x.endsWith('.svc')) x = x.slice(0, -4);
      // Only a name with a dot was expanded by the search list (a bare `x` would have been `x.<ns>.svc`).
      name = x.includes('.') ? x : name;
    }
  }
  const labels = name.split('.');
  return labels.map((l, i) => (i < labels.length - 2 && isDnsParameter(l) ? DNS_WILDCARD : l)).join('.');
}

function isDnsParameter(label: string): boolean {
  return (/^[0-9a-f]{8,}$/.test(label) && /\d/.test(label)) || /^\d+$/.test(label) || (label.length >= 20 && /\d/.test(label));
}

/** True when a learned DNS name is under the cluster domain or has a single label: a Kubernetes service, not an FQDN for toFQDNs. */
export function isClusterName(name: string, clusterDomain = CLUSTER_DOMAIN): boolean {
  return !name.includes('.') || name === clusterDomain || name.endsWith(`.${clusterDomain}`);
}

/** What an L7 flow asks for, seen from its source: an HTTP request/response or a DNS query. */
export type L7Observation = { kind: 'http'; method: string; pattern: string; url: string; code: number | null } | { kind: 'dns'; name: string; query: string; rcode: number | null };

/**
 * The L7 observation of a flow, or null: HTTP records with a URL (requests and responses, which
 * Hubble writes with the request's method and URL), DNS records with a query (requests only, and
 * only from the asking side: a reply's query is its client's).
 */
export function l7Observation(e: NetworkFlow, reply: boolean, namespace: string | null): L7Observation | null {
  const l7 = e.l7;
  if (!l7) return null;
  if (l7.http) {
    const pattern = pathPattern(l7.http.url);
    if (pattern === null) return null;
    return { kind: 'http', method: httpMethod(l7.http.method), pattern, url: l7.http.url ?? '', code: l7.http.code };
  }
  if (l7.dns && !reply) {
    const name = dnsName(l7.dns.query, namespace);
    if (name === null) return null;
    return { kind: 'dns', name, query: l7.dns.query ?? '', rcode: l7.dns.rcode };
  }
  return null;
}
