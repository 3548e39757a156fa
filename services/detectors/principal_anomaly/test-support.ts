/** Hand-built events and detectors for this folder's unit tests (no fixtures needed: every field is set here). */
import type { EventMeta } from '../../core/components.ts';
import { apiActivityHeader, type ApiActivity, type Finding } from '../../core/events.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { PrincipalAnomalyConfig } from './config.ts';
import { PrincipalAnomalyDetector } from './detector.ts';
import type { PrincipalState } from './state.ts';

export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0); // a Monday
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface EventSpec {
  principal?: string;
  type?: string;
  account?: string;
  service?: string;
  operation?: string;
  region?: string | null;
  ip?: string | null;
  domain?: string | null;
  ua?: string | null;
  time: number;
  uid: string;
  status?: 'Success' | 'Failure';
  issuer?: string | null;
}

/** A CloudTrail-shaped API Activity event. */
export function event(s: EventSpec): ApiActivity {
  const failed = s.status === 'Failure';
  const account = s.account ?? '111122223333';
  const principal = s.principal ?? `arn:aws:iam::${account}:user/alice`;
  return {
    ...apiActivityHeader(99, s.time, failed ? 'Failure' : 'Success', failed ? 'AccessDenied' : null, null),
    metadata: { uid: s.uid, version: '1.3.0', product_name: 'CloudTrail', vendor_name: 'AWS', log_name: 'AwsApiCall', original_time: new Date(s.time).toISOString(), source: 'aws_cloudtrail' },
    actor: {
      user: { uid: principal, name: principal.split('/').pop() ?? null, type: s.type ?? 'IAMUser', account_uid: account, credential_uid: null },
      session: s.issuer === undefined || s.issuer === null ? null : { is_mfa: null, issuer: s.issuer, created_time: null },
      invoked_by: null,
    },
    api: { operation: s.operation ?? 'GetObject', service_name: s.service ?? 's3.amazonaws.com', request_uid: null, version: null },
    cloud: { provider: 'AWS', region: s.region === undefined ? 'us-east-1' : s.region, account_uid: account },
    src_endpoint: { ip: s.ip === undefined ? '198.51.100.7' : s.ip, domain: s.domain ?? null },
    user_agent: s.ua === undefined ? 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0' : s.ua,
    resources: [],
    unmapped: '{}',
    raw_data: null,
  };
}

/** A detector with an in-memory state; `overrides` are config fields (enabled is true). */
export function detector(overrides: Record<string, unknown> = {}, state = new MemoryKeyedState<PrincipalState>()): {
  d: PrincipalAnomalyDetector;
  state: MemoryKeyedState<PrincipalState>;
} {
  const config = PrincipalAnomalyConfig.parse({ enabled: true, ...overrides });
  return { d: new PrincipalAnomalyDetector(config, { clock: { now: () => 0 }, state, emit: () => {} }), state };
}

/** Runs events through a detector (keyed by the principal) and returns all findings. */
export function run(d: PrincipalAnomalyDetector, events: readonly ApiActivity[]): Finding[] {
  const out: Finding[] = [];
  events.forEach((e, i) => {
    const meta: EventMeta = { key: e.actor.user.uid, topic: 'sluice.activity.v1', partition: 0, offset: String(i) };
    out.push(...d.process(e, meta));
  });
  return out;
}

/**
 * Two weeks of steady habits for one principal: weekdays 09:00-14:59 UTC, `perHour` calls an hour
 * cycling through three S3/EC2 operations, one network, one user agent, one region.
 */
export function routine(opts: { principal?: string; type?: string; perHour?: number; days?: number; prefix?: string; account?: string } = {}): ApiActivity[] {
  const out: ApiActivity[] = [];
  const ops: Array<[string, string]> = [
    ['s3.amazonaws.com', 'GetObject'],
    ['s3.amazonaws.com', 'ListBuckets'],
    ['ec2.amazonaws.com', 'DescribeInstances'],
  ];
  const perHour = opts.perHour ?? 2;
  let n = 0;
  for (let day = 0; day < (opts.days ?? 14); day++) {
    if (day % 7 >= 5) continue;
    for (let h = 9; h < 15; h++) {
      for (let k = 0; k < perHour; k++) {
        const [service, operation] = ops[n % ops.length]!;
        out.push(
          event({
            principal: opts.principal,
            type: opts.type,
            account: opts.account,
            service,
            operation,
            time: T0 + day * DAY + h * HOUR + k * Math.floor(HOUR / perHour / 2),
            uid: `${opts.prefix ?? 'r'}-${n++}`,
          }),
        );
      }
    }
  }
  return out;
}
