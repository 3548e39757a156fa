import { globSpecificity, globToRegExp } from './glob.ts';

/** A default sensitivity: operations matching `pattern` weigh `weight` (1 = ordinary). */
export interface SensitiveOperation {
  /** An operation key as built by features.ts (`iam:CreateAccessKey`, `k8s:core/secrets:get`, `microsoft.authorization/roleassignments/write`), `*` wildcard, case-insensitive. */
  pattern: string;
  weight: number;
  /** MITRE ATT&CK technique the first use of such an operation suggests, or null. */
  technique: string | null;
}

const op = (pattern: string, weight: number, technique: string | null = null): SensitiveOperation => ({ pattern, weight, technique });

/**
 * Defaults: logging and security tooling (5), IAM credentials and privileges (4), KMS key
 * destruction (4-5), secrets (3), sharing and exposure (3), Kubernetes and Azure equivalents.
 * The most specific matching pattern wins (most literal characters); config `sensitivity` overrides.
 */
// A data table, deliberately literal: one op() row per operation, alike by nature (not logic to factor).
export const DEFAULT_SENSITIVITY: readonly SensitiveOperation[] = [
  // Logging and security tooling.
  op('cloudtrail:StopLogging', 5, 'T1562.008'),
  op('cloudtrail:DeleteTrail', 5, 'T1562.008'),
  op('cloudtrail:UpdateTrail', 4, 'T1562.008'),
  op('cloudtrail:PutEventSelectors', 4, 'T1562.008'),
  op('cloudtrail:*', 1.5),
  op('guardduty:DeleteDetector', 5, 'T1562.001'),
  op('guardduty:UpdateDetector', 3, 'T1562.001'),
  op('guardduty:Disassociate*', 5, 'T1562.001'),
  op('guardduty:DeletePublishingDestination', 4, 'T1562.001'),
  op('securityhub:Disable*', 5, 'T1562.001'),
  op('access-analyzer:DeleteAnalyzer', 4, 'T1562.001'),
  op('config:StopConfigurationRecorder', 5, 'T1562.001'),
  op('config:DeleteConfigurationRecorder', 5, 'T1562.001'),
  op('config:DeleteDeliveryChannel', 5, 'T1562.001'),
  op('ec2:DeleteFlowLogs', 5, 'T1562.008'),
  op('logs:DeleteLogGroup', 4, 'T1562.008'),
  op('logs:DeleteLogStream', 3, 'T1562.008'),
  op('logs:PutRetentionPolicy', 2, 'T1562.008'),
  op('s3:PutBucketLogging', 3, 'T1562.008'),
  op('organizations:LeaveOrganization', 5, 'T1562'),
  // IAM: credentials, privileges, identities.
  op('iam:CreateAccessKey', 4, 'T1098.001'),
  op('iam:CreateLoginProfile', 4, 'T1098.001'),
  op('iam:UpdateLoginProfile', 4, 'T1098.001'),
  op('iam:CreateServiceSpecificCredential', 3, 'T1098.001'),
  op('iam:UploadSSHPublicKey', 3, 'T1098.004'),
  op('iam:AttachUserPolicy', 4, 'T1098.003'),
  op('iam:AttachRolePolicy', 4, 'T1098.003'),
  op('iam:AttachGroupPolicy', 4, 'T1098.003'),
  op('iam:PutUserPolicy', 4, 'T1098.003'),
  op('iam:PutRolePolicy', 4, 'T1098.003'),
  op('iam:PutGroupPolicy', 4, 'T1098.003'),
  op('iam:CreatePolicyVersion', 4, 'T1098.003'),
  op('iam:SetDefaultPolicyVersion', 4, 'T1098.003'),
  op('iam:AddUserToGroup', 3, 'T1098.003'),
  op('iam:UpdateAssumeRolePolicy', 4, 'T1098.003'),
  op('iam:PassRole', 3, 'T1098.003'),
  op('iam:CreateUser', 3, 'T1136.003'),
  op('iam:CreateRole', 3, 'T1136.003'),
  op('iam:DeactivateMFADevice', 4, 'T1556.006'),
  op('iam:DeleteVirtualMFADevice', 4, 'T1556.006'),
  op('iam:DeleteUserPermissionsBoundary', 4, 'T1098.003'),
  op('iam:DeleteRolePermissionsBoundary', 4, 'T1098.003'),
  op('iam:Get*', 1.5, 'T1087.004'),
  op('iam:List*', 1.5, 'T1087.004'),
  op('iam:*', 2),
  op('sts:GetCallerIdentity', 1.5, 'T1087.004'),
  op('sts:GetFederationToken', 3, 'T1550.001'),
  op('sts:GetSessionToken', 2, 'T1550.001'),
  op('sts:AssumeRole', 1.5),
  op('signin:ConsoleLogin', 2, 'T1078.004'),
  op('sso:*', 2),
  // KMS.
  op('kms:ScheduleKeyDeletion', 5, 'T1485'),
  op('kms:DisableKey', 4, 'T1485'),
  op('kms:PutKeyPolicy', 4, 'T1098'),
  op('kms:CreateGrant', 3, 'T1098'),
  op('kms:Decrypt', 2),
  op('kms:*', 1.5),
  // Secrets.
  op('secretsmanager:GetSecretValue', 3, 'T1555.006'),
  op('secretsmanager:BatchGetSecretValue', 3, 'T1555.006'),
  op('secretsmanager:ListSecrets', 2, 'T1555.006'),
  op('secretsmanager:PutResourcePolicy', 4, 'T1098'),
  op('secretsmanager:*', 2),
  op('ssm:GetParameter', 2, 'T1555.006'),
  op('ssm:GetParameters', 2, 'T1555.006'),
  op('ssm:GetParametersByPath', 3, 'T1555.006'),
  op('ssm:SendCommand', 3, 'T1651'),
  op('ssm:StartSession', 3, 'T1651'),
  op('ec2:GetPasswordData', 3, 'T1552.005'),
  // Sharing, exposure, compute.
  op('s3:PutBucketPolicy', 3, 'T1537'),
  op('s3:PutBucketAcl', 3, 'T1537'),
  op('s3:DeleteBucketPolicy', 3),
  op('s3:PutBucketPublicAccessBlock', 4, 'T1530'),
  op('s3:DeleteBucketPublicAccessBlock', 4, 'T1530'),
  op('s3:PutAccountPublicAccessBlock', 4, 'T1530'),
  op('ec2:ModifySnapshotAttribute', 3, 'T1537'),
  op('ec2:ModifyImageAttribute', 3, 'T1537'),
  op('rds:ModifyDBSnapshotAttribute', 3, 'T1537'),
  op('ec2:CreateKeyPair', 2, 'T1098.004'),
  op('ec2:ImportKeyPair', 2, 'T1098.004'),
  op('ec2:AuthorizeSecurityGroupIngress', 2, 'T1562.007'),
  op('ec2:RunInstances', 1.5, 'T1578.002'),
  op('lambda:AddPermission*', 2, 'T1098'),
  // Azure (ARM operation names, lower-cased).
  op('microsoft.authorization/roleassignments/write', 4, 'T1098.003'),
  op('microsoft.authorization/roledefinitions/write', 4, 'T1098.003'),
  op('microsoft.authorization/*', 2),
  op('microsoft.insights/diagnosticsettings/delete', 5, 'T1562.008'),
  op('microsoft.insights/diagnosticsettings/write', 3, 'T1562.008'),
  op('microsoft.keyvault/vaults/secrets/*', 3, 'T1555.006'),
  op('microsoft.keyvault/vaults/write', 3, 'T1098'),
  op('microsoft.keyvault/*', 2),
  op('microsoft.compute/virtualmachines/runcommand/action', 3, 'T1651'),
  op('microsoft.storage/storageaccounts/listkeys/action', 3, 'T1552'),
  // Kubernetes (k8s:<group>/<resource>[/<sub>]:<verb>).
  op('k8s:core/secrets:*', 3, 'T1552.007'),
  op('k8s:core/pods/exec:*', 3, 'T1609'),
  op('k8s:core/pods/attach:*', 3, 'T1609'),
  op('k8s:core/serviceaccounts/token:create', 3, 'T1528'),
  op('k8s:rbac.authorization.k8s.io/clusterrolebindings:*', 4, 'T1098.006'),
  op('k8s:rbac.authorization.k8s.io/rolebindings:*', 3, 'T1098.006'),
  op('k8s:rbac.authorization.k8s.io/*:escalate', 4, 'T1098.006'),
  op('k8s:rbac.authorization.k8s.io/*:bind', 4, 'T1098.006'),
  op('k8s:certificates.k8s.io/certificatesigningrequests/approval:*', 4, 'T1649'),
];

interface Compiled {
  re: RegExp | null;
  exact: string;
  weight: number;
  technique: string | null;
  specificity: number;
}

const CACHE_MAX = 8192;

/** Resolves an operation key to its sensitivity weight and ATT&CK technique. Results are cached (bounded). */
export class SensitivityTable {
  private readonly exact = new Map<string, { weight: number; technique: string | null }>();
  private readonly globs: Compiled[] = [];
  private readonly cache = new Map<string, { weight: number; technique: string | null }>();

  /** @param overrides config `sensitivity`: pattern -> weight, replacing a default of the same pattern. */
  constructor(overrides: Readonly<Record<string, number>> = {}, defaults: readonly SensitiveOperation[] = DEFAULT_SENSITIVITY) {
    const merged = new Map<string, SensitiveOperation>();
    for (const d of defaults) merged.set(d.pattern.toLowerCase(), d);
    for (const [pattern, weight] of Object.entries(overrides)) {
      const prev = merged.get(pattern.toLowerCase());
      merged.set(pattern.toLowerCase(), { pattern, weight, technique: prev?.technique ?? null });
    }
    for (const [lower, s] of merged) {
      if (!s.pattern.includes('*')) this.exact.set(lower, { weight: s.weight, technique: s.technique });
      else this.globs.push({ re: globToRegExp(s.pattern), exact: lower, weight: s.weight, technique: s.technique, specificity: globSpecificity(s.pattern) });
    }
    // Most specific first; ties by pattern text so the order never depends on object key order.
    this.globs.sort((a, b) => b.specificity - a.specificity || (a.exact < b.exact ? -1 : a.exact > b.exact ? 1 : 0));
  }

  /** Weight and technique of an operation key (weight 1, technique null when nothing matches). */
  lookup(opKey: string): { weight: number; technique: string | null } {
    const hit = this.cache.get(opKey);
    if (hit !== undefined) return hit;
    let found = this.exact.get(opKey.toLowerCase());
    if (found === undefined) {
      for (const g of this.globs) {
        if (g.re !== null && g.re.test(opKey)) {
          found = { weight: g.weight, technique: g.technique };
          break;
        }
      }
    }
    const result = found ?? { weight: 1, technique: null };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(opKey, result);
    return result;
  }

  weightOf(opKey: string): number {
    return this.lookup(opKey).weight;
  }
}
