/**
 * Native records of the feeds the load test mixes in besides the labelled CloudTrail generator:
 * Kubernetes audit events (audit.k8s.io/v1 `Event`, as the API server's log backend writes them),
 * Azure Activity Log records (the diagnostic-settings export, `records[]` items) and AWS Config
 * configuration items (the EventBridge "Configuration Item Change" form). Each is built from the
 * format's public reference, not from the repository's samples; the driver runs it through the
 * real collector so what reaches Kafka is what the collector publishes.
 *
 * Injected attacks are single records whose detection is documented threat behaviour, each with the
 * rule of the bundled pack expected to fire on it (a stateless rule, so every injection must yield
 * a finding that lists the event's uid):
 *   - CloudTrail `StopLogging` (ATT&CK T1562.008, API_StopLogging): aws.cloudtrail.logging_stopped
 *   - Kubernetes `nodes/proxy` by a user (T1609: the kubelet API through the API server): k8s.nodes.proxy_access
 *   - Azure `MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE` (T1562.008): azure.insights.diagnostic_setting_deleted
 */
import type { Rng } from '../activity/rng.ts';

export type Feed = 'cloudtrail' | 'k8s_audit' | 'azure_activity' | 'flows' | 'aws_config';
export const FEEDS: readonly Feed[] = ['cloudtrail', 'k8s_audit', 'azure_activity', 'flows', 'aws_config'];

/** Share of each feed in the mix (sums to 1). CloudTrail dominates, as in most estates. */
export const FEED_MIX: Readonly<Record<Feed, number>> = { cloudtrail: 0.5, k8s_audit: 0.2, azure_activity: 0.1, flows: 0.15, aws_config: 0.05 };

/** The rule each feed's injected attack must trigger (flows and config carry no injection). */
export const ATTACK_RULES: Readonly<Partial<Record<Feed, string>>> = {
  cloudtrail: 'aws.cloudtrail.logging_stopped',
  k8s_audit: 'k8s.nodes.proxy_access',
  azure_activity: 'azure.insights.diagnostic_setting_deleted',
};

const uuid = (rng: Rng): string => {
  const h = () => Math.floor(rng.next() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-8${h().slice(1)}-${h()}${h()}${h()}`;
};
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;

const K8S_USERS = ['alice@example.com', 'bob@example.com', 'system:serviceaccount:shop:web', 'system:serviceaccount:ci:deployer', 'system:serviceaccount:monitoring:prometheus'];
const K8S_READS: ReadonlyArray<[string, string]> = [['pods', 'list'], ['pods', 'get'], ['configmaps', 'get'], ['services', 'list'], ['deployments', 'get'], ['endpoints', 'watch'], ['events', 'create'], ['leases', 'update']];
const K8S_NAMESPACES = ['shop', 'payments', 'monitoring', 'ci', 'default'];

/** A Kubernetes audit event (Metadata level, ResponseComplete); attack: a user calling a node's kubelet through nodes/proxy. */
export function k8sAuditRecord(rng: Rng, timeMs: number, attack: boolean): Record<string, unknown> {
  const ts = new Date(timeMs).toISOString();
  const auditID = uuid(rng);
  if (attack) {
    const node = `ip-10-0-${Math.floor(rng.next() * 255)}-${Math.floor(rng.next() * 255)}.ec2.internal`;
    return {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID, stage: 'ResponseComplete',
      requestURI: `/api/v1/nodes/${node}/proxy/runningpods/`, verb: 'get',
      user: { username: 'mallory@example.com', groups: ['system:authenticated'] }, sourceIPs: ['203.0.113.66'], userAgent: 'curl/8.5.0',
      objectRef: { resource: 'nodes', name: node, apiVersion: 'v1', subresource: 'proxy' },
      responseStatus: { metadata: {}, code: 200 }, requestReceivedTimestamp: ts, stageTimestamp: ts,
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "node-debug"' },
    };
  }
  const [resource, verb] = pick(rng, K8S_READS);
  const namespace = pick(rng, K8S_NAMESPACES);
  const user = pick(rng, K8S_USERS);
  const group = resource === 'deployments' ? 'apps' : resource === 'leases' ? 'coordination.k8s.io' : '';
  const prefix = group ? `/apis/${group}/v1` : '/api/v1';
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID, stage: 'ResponseComplete',
    requestURI: `${prefix}/namespaces/${namespace}/${resource}${verb === 'list' || verb === 'watch' ? '' : `/${resource}-${Math.floor(rng.next() * 40)}`}`, verb,
    user: { username: user, groups: user.startsWith('system:') ? ['system:serviceaccounts', 'system:authenticated'] : ['developers', 'system:authenticated'] },
    sourceIPs: [`10.0.${Math.floor(rng.next() * 8)}.${Math.floor(rng.next() * 250) + 2}`], userAgent: user.startsWith('system:') ? 'Go-http-client/2.0' : 'kubectl/v1.29.3 (linux/amd64)',
    objectRef: { resource, namespace, apiVersion: 'v1', ...(group ? { apiGroup: group } : {}) },
    responseStatus: { metadata: {}, code: 200 }, requestReceivedTimestamp: ts, stageTimestamp: ts,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  };
}

const AZ_SUBS = ['3f2c1b6e-5d4a-4c3b-9a8f-1e2d3c4b5a69', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'];
const AZ_OPS: ReadonlyArray<[string, string]> = [
  ['MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', 'MICROSOFT.COMPUTE/VIRTUALMACHINES'],
  ['MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION', 'MICROSOFT.COMPUTE/VIRTUALMACHINES'],
  ['MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION', 'MICROSOFT.STORAGE/STORAGEACCOUNTS'],
  ['MICROSOFT.NETWORK/NETWORKINTERFACES/WRITE', 'MICROSOFT.NETWORK/NETWORKINTERFACES'],
  ['MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE', 'MICROSOFT.RESOURCES/DEPLOYMENTS'],
];
const AZ_CALLERS = ['dev1@contoso.com', 'ops@contoso.com', '7c1e2d3f-0000-4000-8000-00000000aa01'];

/** An Azure Activity Log record (Administrative); attack: a diagnostic setting deleted. */
export function azureActivityRecord(rng: Rng, timeMs: number, attack: boolean): Record<string, unknown> {
  const sub = pick(rng, AZ_SUBS);
  const rg = `rg-${pick(rng, ['web', 'data', 'ml', 'shared'])}`;
  const [op, type] = attack ? ['MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE', 'MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS'] : pick(rng, AZ_OPS);
  const name = attack ? 'send-to-sentinel' : `${type.split('/')[1]!.toLowerCase().slice(0, 8)}-${Math.floor(rng.next() * 30)}`;
  const caller = attack ? 'mallory@contoso.com' : pick(rng, AZ_CALLERS);
  const resourceId = `/SUBSCRIPTIONS/${sub.toUpperCase()}/RESOURCEGROUPS/${rg.toUpperCase()}/PROVIDERS/${type}/${name.toUpperCase()}`;
  return {
    time: new Date(timeMs).toISOString(),
    resourceId,
    operationName: op,
    category: 'Administrative',
    resultType: 'Success',
    resultSignature: 'Succeeded.',
    durationMs: String(Math.floor(rng.next() * 3000)),
    callerIpAddress: attack ? '198.51.100.23' : `20.${Math.floor(rng.next() * 200)}.${Math.floor(rng.next() * 250)}.${Math.floor(rng.next() * 250)}`,
    correlationId: uuid(rng),
    identity: {
      authorization: { scope: resourceId, action: op.replace(/\/(WRITE|DELETE|ACTION)$/, (m) => m.toLowerCase()), evidence: { role: 'Contributor', principalType: 'User' } },
      claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': caller, 'http://schemas.microsoft.com/identity/claims/objectidentifier': uuid(rng), 'http://schemas.microsoft.com/identity/claims/tenantid': '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    },
    level: 'Informational',
    location: 'global',
    properties: { eventCategory: 'Administrative', entity: resourceId, hierarchy: `72f988bf-86f1-41af-91ab-2d7cd011db47/${sub}`, message: op, eventDataId: uuid(rng) },
  };
}

/** An AWS Config configuration item change (EventBridge form) for a security group or a bucket. */
export function awsConfigRecord(rng: Rng, timeMs: number, n: number): Record<string, unknown> {
  const account = '111122223333';
  const region = pick(rng, ['eu-west-1', 'us-east-1']);
  const time = new Date(timeMs).toISOString();
  const bucket = rng.next() < 0.5;
  const id = bucket ? `logs-${Math.floor(rng.next() * 200)}` : `sg-0${Math.floor(rng.next() * 1e9).toString(16).padStart(16, '0')}`;
  const arn = bucket ? `arn:aws:s3:::${id}` : `arn:aws:ec2:${region}:${account}:security-group/${id}`;
  const configuration = bucket
    ? { name: id, owner: { id: 'f1e2d3' }, creationDate: '2023-05-01T00:00:00.000Z' }
    : { groupName: `app-${n % 50}`, groupId: id, description: 'app tier', vpcId: 'vpc-0f1e2d3c4b5a69788', ipPermissions: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: ['10.0.0.0/8'], ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }], ipv6Ranges: [], prefixListIds: [], userIdGroupPairs: [] }], ipPermissionsEgress: [] };
  return {
    version: '0', id: uuid(rng), 'detail-type': 'Config Configuration Item Change', source: 'aws.config', account, time, region, resources: [arn],
    detail: {
      recordVersion: '1.3', messageType: 'ConfigurationItemChangeNotification', notificationCreationTime: time,
      configurationItemDiff: { changedProperties: {}, changeType: 'UPDATE' },
      configurationItem: {
        relatedEvents: [], relationships: [], configuration, supplementaryConfiguration: {}, tags: { team: 'platform' },
        configurationItemVersion: '1.3', configurationItemCaptureTime: time, configurationStateId: timeMs * 1000 + (n % 1000), awsAccountId: account,
        configurationItemStatus: 'OK', resourceType: bucket ? 'AWS::S3::Bucket' : 'AWS::EC2::SecurityGroup', resourceId: id, resourceName: id, ARN: arn,
        awsRegion: region, availabilityZone: bucket ? 'Regional' : 'Not Applicable', configurationStateMd5Hash: '',
      },
    },
  };
}
