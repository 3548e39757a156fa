import type { ApiActivity } from '../../core/events.ts';
import { ipBytes, networkOf as ipNetwork } from '../../core/net.ts';

/** What one event says about its principal's behaviour: the values the baselines learn and score. */
export interface ActivityFeatures {
  /** `service:Operation` (`iam:CreateAccessKey`, `k8s:core/secrets:get`), or the lower-cased ARM operation for Azure. */
  op: string;
  /** Short service name: `iam`, `k8s:core/secrets`, `microsoft.authorization`. */
  service: string;
  region: string | null;
  /** `/24` (IPv4) or `/48` (IPv6) of the source, `host:<name>` for a service host name, null when unknown. */
  network: string | null;
  /** The raw source address bytes (for CIDR allow-lists), null when there is no address. */
  ipBytes: number[] | null;
  /** User-agent family (`aws-cli`, `boto3`, `console`, `browser`, `terraform`...), null when absent. */
  userAgent: string | null;
  /** 0..167: Monday 00:00-00:59 UTC is 0. */
  hourOfWeek: number;
  error: boolean;
  /** Cloud account of the event (cloud.account_uid, else actor.user.account_uid, else "unknown"). */
  account: string;
}

const HOUR_MS = 3_600_000;
const MAX_VALUE_CHARS = 200;

/** Hour of the week in UTC, Monday 00h = 0 (1970-01-01 was a Thursday). */
export function hourOfWeek(time: number): number {
  const hours = Math.floor(time / HOUR_MS);
  const day = Math.floor(hours / 24);
  const weekday = (((day + 3) % 7) + 7) % 7;
  return weekday * 24 + (((hours % 24) + 24) % 24);
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `Sun 03:00 UTC` for an hour of the week. */
export function hourOfWeekLabel(how: number): string {
  const h = how % 24;
  return `${WEEKDAYS[Math.floor(how / 24) % 7] ?? '?'} ${String(h).padStart(2, '0')}:00 UTC`;
}

/** `iam.amazonaws.com` -> `iam`; others lower-cased. */
export function shortService(service: string): string {
  const s = service.trim().toLowerCase();
  return s.endsWith('.amazonaws.com') ? s.slice(0, -'.amazonaws.com'.length) : s;
}

/** The operation key that baselines and sensitivity patterns use. */
export function operationKey(service: string, operation: string): string {
  if (operation.includes('/')) return clipValue(operation.toLowerCase()); // Azure ARM: provider/type/verb
  return clipValue(`${shortService(service)}:${operation}`);
}

/** `203.0.113.0/24`, `2001:db8:1::/48`, `host:ec2.amazonaws.com` or null. */
export function networkOf(ip: string | null, domain: string | null): { network: string | null; bytes: number[] | null } {
  if (ip !== null && ip !== '') {
    const bytes = ipBytes(ip);
    if (bytes !== null) return { network: ipNetwork(ip), bytes };
    return { network: `host:${clipValue(ip.toLowerCase())}`, bytes: null };
  }
  if (domain !== null && domain !== '') return { network: `host:${clipValue(domain.toLowerCase())}`, bytes: null };
  return { network: null, bytes: null };
}

const UA_CACHE_MAX = 4096;

/**
 * User-agent family: what tool made the call, without versions. `aws-cli/2.15 Python/3.11 …` ->
 * `aws-cli`, `Boto3/1.34 …` -> `boto3`, `console.amazonaws.com` / `AWS Internal` / `…aws-internal…`
 * -> `console`, `Mozilla/5.0 …` -> `browser`, anything with Terraform -> `terraform`, else the first
 * token up to `/`, space, `,`, `;` or `(`, lower-cased, limited to [a-z0-9._-] and 40 characters.
 */
export function userAgentFamily(ua: string): string {
  let s = ua.trim().toLowerCase();
  if (s.startsWith('[')) s = s.slice(1);
  if (s === '') return 'unknown';
  if (s.includes('terraform')) return 'terraform';
  if (s.startsWith('mozilla/')) return 'browser';
  if (s === 'aws internal' || s.includes('aws-internal') || s.startsWith('console.') || s.includes('awsconsole') || s.includes('console.amazonaws.com')) return 'console';
  if (s.startsWith('signin.amazonaws.com')) return 'console';
  const token = s.split(/[/\s,;(]/, 1)[0] ?? '';
  const clean = token.replace(/[^a-z0-9._-]/g, '_').slice(0, 40);
  return clean === '' ? 'unknown' : clean;
}

function clipValue(s: string): string {
  return s.length > MAX_VALUE_CHARS ? s.slice(0, MAX_VALUE_CHARS) : s;
}

/** Extracts features, with a bounded cache of user-agent families (user agents repeat a lot). */
export class FeatureExtractor {
  private readonly uaCache = new Map<string, string>();

  /** The features of one event. Never throws on odd values: missing ones become null. */
  extract(e: ApiActivity): ActivityFeatures {
    return extractFeatures(e, (ua) => this.family(ua));
  }

  private family(ua: string): string {
    const hit = this.uaCache.get(ua);
    if (hit !== undefined) return hit;
    const family = userAgentFamily(ua);
    if (this.uaCache.size >= UA_CACHE_MAX) this.uaCache.clear();
    this.uaCache.set(ua, family);
    return family;
  }
}

/** Extracts the features of one event. Never throws on odd values: missing ones become null. */
export function extractFeatures(e: ApiActivity, family: (ua: string) => string = userAgentFamily): ActivityFeatures {
  const { network, bytes } = networkOf(e.src_endpoint?.ip ?? null, e.src_endpoint?.domain ?? null);
  const region = e.cloud?.region;
  return {
    op: operationKey(e.api?.service_name ?? 'unknown', e.api?.operation ?? 'unknown'),
    service: clipValue(shortService(e.api?.service_name ?? 'unknown')),
    region: region === null || region === undefined || region === '' ? null : clipValue(region.toLowerCase()),
    network,
    ipBytes: bytes,
    userAgent: e.user_agent === null || e.user_agent === undefined ? null : family(e.user_agent),
    hourOfWeek: hourOfWeek(e.time),
    error: e.status_id === 2,
    account: clipValue(e.cloud?.account_uid ?? e.actor?.user?.account_uid ?? 'unknown'),
  };
}
