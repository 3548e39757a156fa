import type { ApiActivity, SeverityName } from '../../core/events.ts';

/** One sensitive-operation rule: a predicate over a normalized API activity event. */
export interface SensitiveRule {
  id: string;
  title: string;
  severity: SeverityName;
  description: string;
  attack: Array<{ technique_uid: string; tactic: string }>;
  matches(event: ApiActivity): boolean;
}

const DEFENSE_EVASION = 'TA0005';

function op(service: string, ...operations: string[]): (e: ApiActivity) => boolean {
  const names = new Set(operations);
  return (e) => e.api.service_name === service && names.has(e.api.operation) && e.status_id === 1;
}

function isConsoleLogin(e: ApiActivity): boolean {
  return e.api.operation === 'ConsoleLogin' && e.status_id === 1;
}

export const SENSITIVE_RULES: readonly SensitiveRule[] = [
  {
    id: 'aws.cloudtrail.logging_stopped',
    title: 'CloudTrail logging stopped',
    severity: 'High',
    description: 'A principal stopped a CloudTrail trail from recording (StopLogging). Attackers do this to hide what follows.',
    attack: [{ technique_uid: 'T1562.008', tactic: DEFENSE_EVASION }],
    matches: op('cloudtrail.amazonaws.com', 'StopLogging'),
  },
  {
    id: 'aws.cloudtrail.trail_deleted',
    title: 'CloudTrail trail deleted',
    severity: 'High',
    description: 'A principal deleted a CloudTrail trail (DeleteTrail).',
    attack: [{ technique_uid: 'T1562.008', tactic: DEFENSE_EVASION }],
    matches: op('cloudtrail.amazonaws.com', 'DeleteTrail'),
  },
  {
    id: 'aws.guardduty.detector_deleted',
    title: 'GuardDuty detector deleted or disabled',
    severity: 'High',
    description: 'A principal deleted a GuardDuty detector or disassociated from its administrator.',
    attack: [{ technique_uid: 'T1562.001', tactic: DEFENSE_EVASION }],
    matches: op('guardduty.amazonaws.com', 'DeleteDetector', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount'),
  },
  {
    id: 'aws.config.recorder_stopped',
    title: 'AWS Config recorder stopped or deleted',
    severity: 'Medium',
    description: 'A principal stopped or deleted the AWS Config configuration recorder or delivery channel.',
    attack: [{ technique_uid: 'T1562.001', tactic: DEFENSE_EVASION }],
    matches: op('config.amazonaws.com', 'StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'),
  },
  {
    id: 'aws.signin.root_console_login',
    title: 'Root user console login',
    severity: 'High',
    description: 'The account root user signed in to the console. Root should be locked away and never used day to day.',
    attack: [{ technique_uid: 'T1078.004', tactic: 'TA0001' }],
    matches: (e) => isConsoleLogin(e) && e.actor.user.type === 'Root',
  },
  {
    id: 'aws.signin.console_login_without_mfa',
    title: 'Console login without MFA',
    severity: 'Medium',
    description: 'A principal signed in to the console without multi-factor authentication.',
    attack: [{ technique_uid: 'T1078.004', tactic: 'TA0001' }],
    matches: (e) => isConsoleLogin(e) && e.actor.session?.is_mfa === false && e.actor.user.type !== 'AssumedRole',
  },
];

/** Rule for operations added in config as "service:Operation". */
export function extraOperationRule(spec: string): SensitiveRule {
  const i = spec.indexOf(':');
  const service = spec.slice(0, i);
  const operation = spec.slice(i + 1);
  return {
    id: `custom.${service}.${operation}`,
    title: `Sensitive operation ${operation}`,
    severity: 'Medium',
    description: `Configured sensitive operation ${operation} on ${service}.`,
    attack: [],
    matches: op(service, operation),
  };
}
