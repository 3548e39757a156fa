import type { Finding } from '../../core/events.ts';

/** A hand-built finding for the tests of this folder. `time` is epoch ms; overrides are shallow. */
export function sampleFinding(overrides: Partial<Finding> & { time?: number } = {}): Finding {
  const time = overrides.time ?? Date.UTC(2024, 4, 17, 8, 30, 15, 250);
  const id = overrides.id ?? 'a3f1c2d4-0b1e-5c2d-8e3f-112233445566';
  return {
    id,
    class_uid: 2004,
    category_uid: 2,
    activity_id: 1,
    type_uid: 200401,
    time,
    severity_id: 4,
    severity: 'High',
    message: 'CloudTrail logging stopped: alice called StopLogging on cloudtrail.amazonaws.com in eu-west-1',
    metadata: { version: '1.8.0', product: { name: 'Sluice', vendor_name: 'Sluice' }, uid: id },
    finding_info: {
      uid: id,
      title: 'CloudTrail logging stopped',
      desc: 'Someone stopped or deleted a trail.',
      analytic: { uid: 'cloudtrail_stop', name: 'CloudTrail logging stopped', type: 'Rule' },
      attacks: [{ technique_uid: 'T1562.008', tactic: 'Defense Evasion' }],
      first_seen_time: time,
      last_seen_time: time,
      related_events: [{ uid: 'evt-1' }, { uid: 'evt-2' }],
    },
    detector: 'sensitive_operation',
    rule: 'cloudtrail_stop',
    entity: { kind: 'principal', key: 'arn:aws:iam::123456789012:user/alice' },
    count: 1,
    evidences: [{ operation: 'StopLogging', source_ip: '198.51.100.7', mfa: false }],
    cloud: { provider: 'AWS', region: 'eu-west-1', account_uid: '123456789012' },
    actor: { user: { uid: 'arn:aws:iam::123456789012:user/alice', name: 'alice', type: 'IAMUser' } },
    api: { operation: 'StopLogging', service_name: 'cloudtrail.amazonaws.com' },
    src_endpoint: { ip: '198.51.100.7' },
    ...overrides,
  };
}
