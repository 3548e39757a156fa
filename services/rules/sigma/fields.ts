/**
 * Sigma field names (the native log's) mapped to CEL over the normalized event: a normalized field
 * when the collector maps the field 1:1, `get(event.unmapped, …)` when the collector keeps it in
 * `unmapped`, else `get(raw, …)` (the raw record, absent when it exceeded the 64 KiB raw cap).
 */

/** A Sigma logsource this importer converts, and the Sluice source it becomes. */
export interface SigmaSource {
  key: 'cloudtrail' | 'activitylogs' | 'k8s_audit';
  sluiceSource: 'aws_cloudtrail' | 'azure_activity' | 'k8s_audit';
}

/** The CEL that reads one Sigma field. */
export interface FieldRef {
  expr: string;
  /** The value can be a list (raw or unmapped JSON); matching then tests each element. */
  maybeList: boolean;
  /** The value can be missing or null (false only for always-present normalized fields). */
  nullable: boolean;
  /** How the field is read differs from the native log in a way a rule author should know. */
  note?: string;
}

/** The Sluice source of a Sigma logsource, or null when it is not one this importer converts. */
export function sigmaSource(logsource: Record<string, unknown>): SigmaSource | null {
  const product = String(logsource.product ?? '').toLowerCase();
  const service = String(logsource.service ?? '').toLowerCase();
  if (product === 'aws' && service === 'cloudtrail') return { key: 'cloudtrail', sluiceSource: 'aws_cloudtrail' };
  if (product === 'azure' && service === 'activitylogs') return { key: 'activitylogs', sluiceSource: 'azure_activity' };
  if (product === 'kubernetes' && service === 'audit') return { key: 'k8s_audit', sluiceSource: 'k8s_audit' };
  return null;
}

const norm = (expr: string, nullable = false, note?: string): FieldRef => ({ expr, maybeList: false, nullable, ...(note ? { note } : {}) });

function pathArg(path: string[]): string {
  return path.some((p) => p.includes('.')) ? `[${path.map((p) => JSON.stringify(p)).join(', ')}]` : JSON.stringify(path.join('.'));
}
const inUnmapped = (path: string[]): FieldRef => ({ expr: `get(event.unmapped, ${pathArg(path)})`, maybeList: true, nullable: true });
const inRaw = (path: string[]): FieldRef => ({ expr: `get(raw, ${pathArg(path)})`, maybeList: true, nullable: true });

const CLOUDTRAIL: Record<string, FieldRef> = {
  eventname: norm('event.api.operation'),
  eventsource: norm('event.api.service_name'),
  awsregion: norm('event.cloud.region', true),
  sourceipaddress: norm('(event.src_endpoint.ip != null ? event.src_endpoint.ip : event.src_endpoint.domain)', true),
  useragent: norm('event.user_agent', true),
  eventtype: norm('event.metadata.log_name', true),
  eventid: norm('event.metadata.uid'),
  requestid: norm('event.api.request_uid', true),
  recipientaccountid: norm('event.cloud.account_uid', true),
  errorcode: norm('event.status_code', true),
  'useridentity.type': norm('event.actor.user.type', true),
  'useridentity.arn': norm('event.actor.user.uid', false, 'userIdentity.arn is read from actor.user.uid, which falls back to principalId or a synthetic id when the record has no ARN'),
  'useridentity.accountid': norm('event.actor.user.account_uid', true),
  'useridentity.accesskeyid': norm('event.actor.user.credential_uid', true),
  'useridentity.invokedby': norm('event.actor.invoked_by', true),
};
/** CloudTrail top-level fields the collector maps (so they are not in unmapped). */
const CLOUDTRAIL_MAPPED_TOP = new Set(['eventtime', 'eventname', 'eventsource', 'eventid', 'eventtype', 'awsregion', 'sourceipaddress', 'useragent', 'requestid', 'apiversion', 'recipientaccountid', 'errormessage', 'useridentity', 'resources']);
const CLOUDTRAIL_MAPPED_IDENTITY = new Set(['type', 'principalid', 'arn', 'accountid', 'accesskeyid', 'username', 'invokedby']);

const AZURE: Record<string, FieldRef> = {
  operationname: norm('event.api.operation'),
  operationnamevalue: norm('event.api.operation'),
  'operationname.value': norm('event.api.operation'),
  resourceprovidervalue: norm('event.api.service_name'),
  resourceprovidername: norm('event.api.service_name'),
  'resourceprovidername.value': norm('event.api.service_name'),
  resourceid: norm('(size(event.resources) > 0 ? event.resources[0].uid : null)', true),
  callipaddress: norm('event.src_endpoint.ip', true),
  calleripaddress: norm('event.src_endpoint.ip', true),
  caller: norm('event.actor.user.name', true),
  category: norm('event.metadata.log_name', true),
  categoryvalue: norm('event.metadata.log_name', true),
  'category.value': norm('event.metadata.log_name', true),
  activitystatusvalue: norm("get(event.unmapped, 'resultType', get(raw, 'status.value'))", true),
  activitystatus: norm("get(event.unmapped, 'resultType', get(raw, 'status.value'))", true),
  resulttype: norm("get(event.unmapped, 'resultType', get(raw, 'status.value'))", true),
  location: norm('event.cloud.region', true),
  subscriptionid: norm('event.cloud.account_uid', true),
};
const AZURE_MAPPED_TOP = new Set(['time', 'eventtimestamp', 'operationname', 'operationversion', 'callipaddress', 'calleripaddress', 'location', 'eventdataid', 'subscriptionid', 'resourceid']);

const K8S: Record<string, FieldRef> = {
  verb: norm('event.api.operation'),
  'objectref.resource': norm("k8sRef(event, 'resource')"),
  'objectref.subresource': norm("k8sRef(event, 'subresource')"),
  'objectref.namespace': norm("k8sRef(event, 'namespace')"),
  'objectref.name': norm("k8sRef(event, 'name')"),
  'objectref.apigroup': norm("k8sRef(event, 'apiGroup')"),
  'objectref.apiversion': norm('event.api.version', true),
  'user.username': norm('event.actor.user.name', true),
  useragent: norm('event.user_agent', true),
  sourceips: norm('event.src_endpoint.ip', true, 'sourceIPs is read as the first address only (src_endpoint.ip)'),
  'responsestatus.code': norm('event.status_code', true),
  auditid: norm('event.api.request_uid', true),
};
const K8S_MAPPED_TOP = new Set(['kind', 'apiversion', 'verb', 'sourceips', 'useragent', 'requestreceivedtimestamp', 'auditid']);

/** The CEL reading one Sigma field of a logsource. */
export function fieldRef(source: SigmaSource, field: string): FieldRef {
  const path = field.split('.');
  const lower = field.toLowerCase();
  const top = path[0]!.toLowerCase();
  switch (source.key) {
    case 'cloudtrail': {
      const known = CLOUDTRAIL[lower];
      if (known) return known;
      if (top === 'useridentity') {
        const second = (path[1] ?? '').toLowerCase();
        return path.length > 1 && !CLOUDTRAIL_MAPPED_IDENTITY.has(second) ? inUnmapped(path) : inRaw(path);
      }
      return CLOUDTRAIL_MAPPED_TOP.has(top) ? inRaw(path) : inUnmapped(path);
    }
    case 'activitylogs': {
      const known = AZURE[lower];
      if (known) return known;
      return AZURE_MAPPED_TOP.has(top) ? inRaw(path) : inUnmapped(path);
    }
    case 'k8s_audit': {
      const known = K8S[lower];
      if (known) return known;
      if (top === 'requestobject') {
        return { expr: path.length > 1 ? `get(k8sRequest(event), ${pathArg(path.slice(1))})` : 'k8sRequest(event)', maybeList: true, nullable: true };
      }
      if (top === 'annotations' && path.length > 1) return inUnmapped(['annotations', path.slice(1).join('.')]);
      if (top === 'objectref' || top === 'responsestatus' || top === 'user') return inUnmapped(path);
      return K8S_MAPPED_TOP.has(top) ? inRaw(path) : inUnmapped(path);
    }
  }
}
