/**
 * Development check of the signature pack (services/rules/packs/activity) on the shared data:
 *
 * 1. Panther agreement. Every case of panther-analysis-dev/{cloudtrail,azure_activity,k8s_audit}_rule_tests.jsonl
 *    is normalized by the collector of its log type (AWS.CloudTrail -> aws_cloudtrail,
 *    Azure.MonitorActivity -> azure_activity (AKS kube-audit records go on to the k8s_audit
 *    normalizer), Amazon.EKS.Audit and GCP.AuditLog -> k8s_audit) and the pack's conditions are
 *    evaluated on it. For the Panther rules that one of ours covers (MAPPING below), a case agrees
 *    when "some mapped rule's condition holds" equals Panther's expected_alert. Conditions, not
 *    findings, are compared: Panther's tests judge single events, while our thresholds and dedup
 *    windows act across events (and are tested by the inline tests). Printed per mapping and per
 *    area (source / tactic). Correlation-rule cases (no log) are skipped.
 * 2. CloudTrail samples. Every record of cloudtrail/ (OTRF ec2_proxy_s3_exfiltration) goes through
 *    the full detector (windows and state, events keyed by principal as the collector keys them),
 *    and the findings per rule are printed.
 *
 * Usage: node --import tsx test/shared-data/check-signatures.ts [DATA_DIR]   (default ../shared/data)
 * Exits 0 with a message when the folder is absent.
 *
 * Targets (exit 1 when one is missed):
 *   - the pack loads (a bad pack throws);
 *   - at least 40 Panther rules are mapped, over at least 150 normalized cases;
 *   - overall agreement on mapped cases >= 90 %, and >= 85 % in each source (CloudTrail, Azure, Kubernetes);
 *   - no condition fails to evaluate (a CEL error) on any Panther case or CloudTrail sample;
 *   - the OTRF exfiltration scenario (instance-role credentials stolen through an SSRF and used from a
 *     laptop to list and read S3) raises at least one aws.ec2.instance_credentials_used_externally finding,
 *     and the console user's EC2 browsing in the same data raises no enumeration-burst finding.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorSpec } from '../../services/collectors/registry.ts';
import type { CollectorInput } from '../../services/core/components.ts';
import type { ApiActivity, Finding } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { ActivityRuleSet, loadRulePacks, type WindowState } from '../../services/rules/index.ts';
import { SignaturesConfig, SignaturesDetector } from '../../services/processor/detectors/signatures/index.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));

if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

/** Panther rule id -> [area, our rule ids covering the same behaviour]. */
const MAPPING: Record<string, [string, string[]]> = {
  // CloudTrail
  'AWS.CloudTrail.DNSLogsDeleted': ['aws/defense_evasion', ['aws.route53resolver.query_logging_removed']],
  'AWS.ConfigService.Created': ['aws/defense_evasion', ['aws.config.delivery_channel_changed']],
  'AWS.EC2.EBS.Encryption.Disabled': ['aws/defense_evasion', ['aws.ec2.ebs_default_encryption_disabled']],
  'AWS.IPSet.Modified': ['aws/defense_evasion', ['aws.guardduty.trusted_ip_or_threat_list_changed']],
  'AWS.S3.SuspendVersioning': ['aws/defense_evasion', ['aws.s3.versioning_suspended']],
  'AWS.Console.RootLoginFailed': ['aws/initial_access', ['aws.signin.root_login_failed']],
  'AWS.CloudTrail.PasswordSpraying': ['aws/initial_access', ['aws.signin.password_spraying', 'aws.signin.unknown_user_login_burst']],
  'AWS.STS.GetSessionToken.Misuse': ['aws/initial_access', ['aws.sts.get_session_token_by_user']],
  'AWS.CloudTrail.IMDSCredentialExfiltration': ['aws/initial_access', ['aws.ec2.instance_credentials_used_externally']],
  'AWS.CloudTrail.IAMEntityCreatedWithoutCloudFormation': ['aws/persistence', ['aws.iam.entity_created_manually']],
  'AWS.User.Login.Profile.Modified': ['aws/persistence', ['aws.iam.login_profile_changed_for_other_user']],
  'AWS.Lambda.UpdateFunctionConfiguration': ['aws/persistence', ['aws.lambda.function_layers_added']],
  'AWS.CloudTrail.ResourceMadePublic': ['aws/exposure', ['aws.s3.bucket_policy_public', 'aws.resource_policy_public', 'aws.s3.acl_public', 'aws.lambda.function_public']],
  'AWS.EC2.GatewayModified': ['aws/exposure', ['aws.ec2.gateway_changed']],
  'AWS.EC2.NetworkACLModified': ['aws/exposure', ['aws.ec2.network_acl_changed']],
  'AWS.EC2.ManyPasswordReadAttempts': ['aws/credential_access', ['aws.ec2.password_data_read']],
  'AWS.RDS.MasterPasswordUpdated': ['aws/credential_access', ['aws.rds.master_password_changed']],
  'AWS.SecretsManager.BatchRetrieveSecrets': ['aws/credential_access', ['aws.secretsmanager.batch_secret_retrieval']],
  'AWS.SecretsManager.BatchRetrieveSecretsCatchAll': ['aws/credential_access', ['aws.secretsmanager.catch_all_filter']],
  'AWS.IAM.Group.Read.Only.Events': ['aws/discovery', ['aws.iam.group_enumeration']],
  'AWS.RDS.SnapshotEnumeration': ['aws/discovery', ['aws.rds.public_snapshot_search']],
  'AWS.CloudTrail.SES.CheckSESSendingEnabled': ['aws/discovery', ['aws.ses.enumeration']],
  'AWS.CloudTrail.VPCE.S3ExternalIP': ['aws/exfiltration_impact', ['aws.s3.vpce_access_from_public_ip']],
  'AWS.RDS.SnapshotCopiedCrossRegion': ['aws/exfiltration_impact', ['aws.rds.snapshot_copied_cross_region']],
  'AWS.RDS.LogFileDownloaded': ['aws/exfiltration_impact', ['aws.rds.log_file_downloaded']],
  'AWS.RDS.SnapshotDeleted': ['aws/exfiltration_impact', ['aws.rds.snapshot_deleted']],
  'AWS.RDS.ClusterFailover': ['aws/exfiltration_impact', ['aws.rds.cluster_failover']],
  'AWS.S3.CopyObjectWithClientSideEncryption': ['aws/exfiltration_impact', ['aws.s3.copy_with_customer_key']],
  'AWS.S3.DeleteBucketReplication': ['aws/exfiltration_impact', ['aws.s3.replication_deleted']],
  'AWS.S3.DeleteObject': ['aws/exfiltration_impact', ['aws.s3.object_deletion']],
  'AWS.S3.DeleteObjects': ['aws/exfiltration_impact', ['aws.s3.object_deletion']],
  'AWS.SSM.DistributedCommand': ['aws/execution', ['aws.ssm.send_command_many_instances']],
  'AWS.EC2.MultiInstanceConnect': ['aws/execution', ['aws.ec2.instance_connect_key_pushed']],
  // Azure Activity
  'Azure.MonitorActivity.RoleAssignment.PrivilegedOrElevated': ['azure/privilege_escalation', ['azure.authorization.privileged_role_assigned', 'azure.authorization.elevate_access']],
  'Azure.MonitorActivity.Automation.RunbookDeleted': ['azure/privilege_escalation', ['azure.automation.runbook_deleted']],
  'Azure.MonitorActivity.Automation.ScheduleCreated': ['azure/privilege_escalation', ['azure.automation.schedule_created']],
  'Azure.MonitorActivity.Automation.WebhookCreated': ['azure/privilege_escalation', ['azure.automation.webhook_created']],
  'Azure.MonitorActivity.ActionGroups.Deleted': ['azure/defense_evasion', ['azure.insights.action_group_deleted']],
  'Azure.MonitorActivity.AlertRules.Deleted': ['azure/defense_evasion', ['azure.insights.alert_rule_deleted']],
  'Azure.MonitorActivity.LogAnalyticsWorkspace.Deleted': ['azure/defense_evasion', ['azure.operationalinsights.workspace_deleted']],
  'Azure.MonitorActivity.Advisor.SecurityRecommendation': ['azure/defense_evasion', ['azure.advisor.security_recommendation']],
  'Azure.MonitorActivity.Network.IPDiscovery': ['azure/network_exposure', ['azure.discovery.network_enumeration']],
  'Azure.MonitorActivity.Network.PortMapping': ['azure/network_exposure', ['azure.discovery.network_enumeration']],
  'Azure.MonitorActivity.StorageAccount.PublicNetworkAccessEnabled': ['azure/network_exposure', ['azure.storage.public_network_access_enabled']],
  'Azure.MonitorActivity.StorageAccount.BlobAnonymousAccessEnabled': ['azure/network_exposure', ['azure.storage.blob_public_access_enabled']],
  'Azure.MonitorActivity.KeyVault.Deleted': ['azure/credential_access_impact', ['azure.keyvault.vault_deleted']],
  'Azure.MonitorActivity.StorageAccount.KeysListed': ['azure/credential_access_impact', ['azure.storage.keys_listed']],
  'Azure.MonitorActivity.StorageAccount.KeyRegenerated': ['azure/credential_access_impact', ['azure.storage.key_regenerated']],
  'Azure.MonitorActivity.Storage.SASTokenExternalAccess': ['azure/credential_access_impact', ['azure.storage.sas_access_from_internet']],
  'Azure.MonitorActivity.Storage.Blob.CPKEncryptionDetected': ['azure/credential_access_impact', ['azure.storage.customer_key_encryption_seen']],
  'Azure.MonitorActivity.StorageAccount.BlobSoftDeleteDisabled': ['azure/credential_access_impact', ['azure.storage.recovery_disabled']],
  'Azure.MonitorActivity.StorageAccount.ContainerSoftDeleteDisabled': ['azure/credential_access_impact', ['azure.storage.recovery_disabled']],
  'Azure.MonitorActivity.StorageAccount.VersioningDisabled': ['azure/credential_access_impact', ['azure.storage.recovery_disabled']],
  'Azure.MonitorActivity.Compute.VMCommandExecuted': ['azure/credential_access_impact', ['azure.compute.command_executed']],
  'Azure.MonitorActivity.SQL.ServerDeleted': ['azure/credential_access_impact', ['azure.sql.server_deleted']],
  // Kubernetes audit (EKS, GKE, AKS)
  'Kubernetes.Pod.StealServiceAccountToken': ['k8s/execution', ['k8s.pods.service_account_token_read']],
  'Kubernetes.Pod.Host.Network': ['k8s/privilege_escalation', ['k8s.pods.host_network']],
  'Kubernetes.Pod.Host.PID': ['k8s/privilege_escalation', ['k8s.pods.host_pid_or_ipc']],
  'GCP.K8s.Pod.Using.Host.PID.Namespace': ['k8s/privilege_escalation', ['k8s.pods.host_pid_or_ipc']],
  'GCP.K8S.Pod.Create.Or.Modify.Host.Path.Volume.Mount': ['k8s/privilege_escalation', ['k8s.pods.sensitive_host_path_mount']],
  'Kubernetes.Pod.Dangerous.Capabilities': ['k8s/privilege_escalation', ['k8s.pods.dangerous_capabilities']],
  'Kubernetes.Role.Wildcard': ['k8s/rbac_persistence', ['k8s.rbac.wildcard_role']],
  'Amazon.EKS.AnonymousAPIAccess': ['k8s/access_discovery_impact', ['k8s.auth.anonymous_request']],
  'Amazon.EKS.Audit.Multiple403': ['k8s/access_discovery_impact', ['k8s.auth.forbidden_burst_from_public_ip']],
  'Amazon.EKS.Audit.SystemNamespaceFromPublicIP': ['k8s/access_discovery_impact', ['k8s.system_namespace_access_from_public_ip']],
  'GCP.K8S.Service.Type.NodePort.Deployed': ['k8s/access_discovery_impact', ['k8s.services.nodeport_created']],
  'Kubernetes.Ingress.NoTLS': ['k8s/access_discovery_impact', ['k8s.ingress.without_tls']],
};

const COLLECTOR_OF: Record<string, string> = {
  'AWS.CloudTrail': 'aws_cloudtrail',
  'Azure.MonitorActivity': 'azure_activity',
  'Amazon.EKS.Audit': 'k8s_audit',
  'GCP.AuditLog': 'k8s_audit',
};

interface PantherCase {
  case_id: string;
  rule_id: string;
  expected_alert: boolean;
  log_type: string;
  log: unknown;
}

const rules = loadRulePacks(['@builtin/activity']);
const ruleIds = new Set(rules.map((r) => r.id));
for (const [panther, [, ours]] of Object.entries(MAPPING)) {
  for (const id of ours) if (!ruleIds.has(id)) throw new Error(`MAPPING of ${panther} names unknown rule ${id}`);
}
const set = new ActivityRuleSet(rules);
const collectors = new Map<string, ReturnType<NonNullable<ReturnType<typeof collectorSpec>>['create']>>();
function collect(type: string, input: CollectorInput): Array<{ key: string; event: ApiActivity }> | string {
  let c = collectors.get(type);
  if (!c) collectors.set(type, (c = collectorSpec(type)!.create()));
  const out: Array<{ key: string; event: ApiActivity }> = [];
  const rejects: string[] = [];
  for (const o of c.collect(input)) {
    if (o.kind === 'event' && o.stream === 'activity') out.push({ key: o.key, event: o.event });
    else if (o.kind === 'dead_letter') rejects.push(o.reason);
  }
  return out.length === 0 ? rejects.join('; ') || 'no event' : out;
}

const misses: string[] = [];
const evalErrors = new Map<string, number>();
const noteErrors = (errs: Array<{ rule: { id: string } }>): void => {
  for (const e of errs) evalErrors.set(e.rule.id, (evalErrors.get(e.rule.id) ?? 0) + 1);
};

// 1. Panther agreement
const pantherDir = join(dataDir, 'panther-analysis-dev');
interface Tally { agree: number; total: number; disagreements: string[] }
const perMapping = new Map<string, Tally>();
const perArea = new Map<string, Tally>();
const perSource = new Map<string, Tally>();
let unmappedCases = 0;
let notNormalized = 0;
const unmappedFirings = new Map<string, number>();
const tally = (m: Map<string, Tally>, k: string, ok: boolean, why: string): void => {
  const t = m.get(k) ?? { agree: 0, total: 0, disagreements: [] };
  m.set(k, t);
  t.total++;
  if (ok) t.agree++;
  else t.disagreements.push(why);
};
for (const file of ['cloudtrail_rule_tests.jsonl', 'azure_activity_rule_tests.jsonl', 'k8s_audit_rule_tests.jsonl']) {
  const path = join(pantherDir, file);
  if (!existsSync(path)) continue;
  const source = file.split('_rule_tests')[0]!;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const c = JSON.parse(line) as PantherCase;
    const type = COLLECTOR_OF[c.log_type];
    const mapped = MAPPING[c.rule_id];
    if (!type) continue;
    const events = collect(type, { name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) });
    if (typeof events === 'string') {
      notNormalized++;
      continue;
    }
    const fired = new Set<string>();
    for (const { event } of events) {
      const ev = set.evaluate(event);
      noteErrors(ev.errors);
      for (const r of ev.matches) fired.add(r.id);
    }
    if (!mapped) {
      unmappedCases++;
      for (const id of fired) unmappedFirings.set(id, (unmappedFirings.get(id) ?? 0) + 1);
      continue;
    }
    const [area, ours] = mapped;
    const got = ours.some((id) => fired.has(id));
    const ok = got === c.expected_alert;
    const why = `${c.case_id}: Panther ${c.expected_alert}, ours ${got}`;
    tally(perMapping, `${c.rule_id} -> ${ours.join(', ')}`, ok, why);
    tally(perArea, area, ok, why);
    tally(perSource, source, ok, why);
  }
}

const pct = (t: Tally): string => `${((100 * t.agree) / Math.max(1, t.total)).toFixed(1)} %`;
console.log('Panther agreement per mapping (cases agreeing / mapped cases):');
for (const [k, t] of [...perMapping].sort()) {
  console.log(`  ${String(t.agree).padStart(3)}/${String(t.total).padEnd(3)} ${k}`);
  for (const d of t.disagreements) console.log(`          differs: ${d}`);
}
console.log('Panther agreement per area:');
for (const [k, t] of [...perArea].sort()) console.log(`  ${k.padEnd(34)} ${String(t.agree).padStart(3)}/${String(t.total).padEnd(3)} ${pct(t)}`);
const overall: Tally = { agree: 0, total: 0, disagreements: [] };
for (const t of perSource.values()) {
  overall.agree += t.agree;
  overall.total += t.total;
}
console.log('Panther agreement per source:');
for (const [k, t] of [...perSource].sort()) console.log(`  ${k.padEnd(34)} ${String(t.agree).padStart(3)}/${String(t.total).padEnd(3)} ${pct(t)}`);
console.log(`  ${'overall'.padEnd(34)} ${String(overall.agree).padStart(3)}/${String(overall.total).padEnd(3)} ${pct(overall)}`);
console.log(`Panther rules mapped: ${perMapping.size} of ${Object.keys(MAPPING).length} listed; cases of unmapped rules: ${unmappedCases}; cases the collectors could not normalize: ${notNormalized}`);
if (unmappedFirings.size > 0) {
  console.log('Our rules matching cases of unmapped Panther rules (context, not scored):');
  for (const [id, n] of [...unmappedFirings].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${id}`);
}

// 2. CloudTrail samples through the full detector
const cloudtrailDir = join(dataDir, 'cloudtrail');
const findingsPerRule = new Map<string, number>();
let sampleEvents = 0;
if (existsSync(cloudtrailDir)) {
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(SignaturesConfig.parse({}), { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  const all: Array<{ key: string; event: ApiActivity }> = [];
  for (const file of walk(cloudtrailDir).sort()) {
    if (!/\.(jsonl|ndjson|json)(\.gz)?$/.test(file)) continue;
    const out = collect('aws_cloudtrail', { name: relative(dataDir, file), bytes: readFileSync(file) });
    if (typeof out !== 'string') all.push(...out);
  }
  all.sort((a, b) => a.event.time - b.event.time);
  const findings: Finding[] = [];
  const matchesPerRule = new Map<string, number>();
  all.forEach(({ key, event }, i) => {
    for (const r of set.evaluate(event).matches) matchesPerRule.set(r.id, (matchesPerRule.get(r.id) ?? 0) + 1);
    findings.push(...detector.process(event, { key, topic: 'sluice.activity.v1', partition: 0, offset: String(i) }));
  });
  sampleEvents = all.length;
  for (const f of findings) findingsPerRule.set(f.rule, (findingsPerRule.get(f.rule) ?? 0) + 1);
  for (const [id, n] of Object.entries(detector.stats().errors)) evalErrors.set(id, (evalErrors.get(id) ?? 0) + n);
  console.log(`CloudTrail samples: ${all.length} events, ${findings.length} findings, ${detector.stats().suppressed} matches held by windows; per rule (findings / condition matches):`);
  for (const [id, n] of [...matchesPerRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${String(findingsPerRule.get(id) ?? 0).padStart(4)} / ${String(n).padEnd(4)} ${id}`);
}

if (evalErrors.size > 0) {
  console.log('Conditions that failed to evaluate:');
  for (const [id, n] of evalErrors) console.log(`  ${String(n).padStart(4)}  ${id}`);
}

// Targets
if (perMapping.size < 40) misses.push(`only ${perMapping.size} Panther rules mapped (target 40)`);
if (overall.total < 150) misses.push(`only ${overall.total} mapped cases (target 150)`);
if (overall.agree / Math.max(1, overall.total) < 0.9) misses.push(`overall agreement ${pct(overall)} (target 90 %)`);
for (const [k, t] of perSource) if (t.agree / Math.max(1, t.total) < 0.85) misses.push(`${k} agreement ${pct(t)} (target 85 %)`);
if (evalErrors.size > 0) misses.push(`${evalErrors.size} rule(s) failed to evaluate on real data`);
if (sampleEvents > 0 && !findingsPerRule.has('aws.ec2.instance_credentials_used_externally')) {
  misses.push('no aws.ec2.instance_credentials_used_externally finding on the OTRF exfiltration scenario');
}
if (sampleEvents > 0 && findingsPerRule.has('aws.discovery.enumeration_burst')) {
  misses.push('the console browsing in the OTRF data raised aws.discovery.enumeration_burst (a false positive)');
}
if (misses.length > 0) {
  console.log(`TARGETS MISSED:\n  ${misses.join('\n  ')}`);
  process.exit(1);
}
console.log('All targets met.');
