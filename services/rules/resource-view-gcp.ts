/**
 * Resource views of Google Cloud resources, from the Terraform `google_*` forms (HCL source and
 * plan JSON, both in the plan `values` shape: nested blocks are lists of objects). Defaults are the
 * provider's where an argument is left out (README.md "Resource views", GCP).
 */
import { at, bool, first, isObj, list, num, text, texts, type KindEntry, type Obj } from './resource-view-util.ts';

/** Members that are anyone on the internet, with or without a Google account. */
export const GCP_PUBLIC_MEMBERS: readonly string[] = ['allUsers', 'allAuthenticatedUsers'];

/** Basic (primitive) roles: they grant thousands of permissions across every service. */
const PRIMITIVE_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

interface Binding {
  role: string;
  members: string[];
}

/** The resource an IAM binding is on: `project`, `storage_bucket`, `kms_crypto_key`, … */
function iamScope(type: string): string {
  return type.replace(/^google_/, '').replace(/_iam_(member|binding|policy)$/, '');
}

/** Bindings of a `policy_data` JSON text (google_*_iam_policy, data.google_iam_policy rendered). */
function policyBindings(v: unknown): Binding[] {
  let doc: unknown = v;
  if (typeof v === 'string') {
    try {
      doc = JSON.parse(v) as unknown;
    } catch {
      return [];
    }
  }
  return list(isObj(doc) ? doc.bindings : undefined).filter(isObj).map((b) => ({ role: text(b.role) ?? '', members: texts(b.members) }));
}

/** A `google_storage_bucket_acl` entity list (`READER:allUsers`, `OWNER:user-x@example.com`) as bindings. */
function aclBindings(entities: unknown): Binding[] {
  return texts(entities).map((e) => {
    const i = e.indexOf(':');
    return { role: i < 0 ? e : e.slice(0, i), members: [i < 0 ? '' : e.slice(i + 1)] };
  });
}

/**
 * An IAM grant on a project, folder, organization or resource: `google_<scope>_iam_member`
 * (one member), `_iam_binding` (members), `_iam_policy` (`policy_data`), and
 * Cloud Storage ACLs (`role_entity`, or `entity` + `role`). `project_level` is true for project, folder and
 * organization grants.
 */
function iamBinding(_f: unknown, c: Obj, type: string): Obj {
  let bindings: Binding[];
  if (type === 'google_storage_bucket_acl' || type === 'google_storage_default_object_acl' || type === 'google_storage_object_acl') bindings = aclBindings(c.role_entity);
  else if (type.endsWith('_access_control')) bindings = [{ role: text(c.role) ?? '', members: texts(c.entity) }];
  else if (type.endsWith('_iam_policy')) bindings = policyBindings(c.policy_data);
  else if (type.endsWith('_iam_binding')) bindings = [{ role: text(c.role) ?? '', members: texts(c.members) }];
  else bindings = [{ role: text(c.role) ?? '', members: texts(c.member) }];
  const scope = type.startsWith('google_storage_') && !type.includes('_iam_') ? 'storage_bucket' : iamScope(type);
  const members = [...new Set(bindings.flatMap((b) => b.members))];
  return {
    scope,
    project_level: scope === 'project' || scope === 'folder' || scope === 'organization',
    bindings,
    roles: [...new Set(bindings.map((b) => b.role))],
    members,
    public_members: members.filter((m) => GCP_PUBLIC_MEMBERS.includes(m)),
    primitive_role_members: bindings.filter((b) => PRIMITIVE_ROLES.has(b.role) && b.role !== 'roles/viewer').flatMap((b) => b.members),
  };
}

/** A BigQuery dataset: `access` blocks granting `special_group` allAuthenticatedUsers / `iam_member` allUsers are public. */
function bigqueryDataset(_f: unknown, c: Obj): Obj {
  const access = list(c.access).filter(isObj);
  const members = access.flatMap((a) => texts([a.special_group, a.iam_member, a.user_by_email, a.group_by_email, a.domain]));
  return { public_members: members.filter((m) => GCP_PUBLIC_MEMBERS.includes(m)), kms_key: text(at(c, 'default_encryption_configuration.0.kms_key_name')) };
}

/** A Cloud Storage bucket. Uniform bucket-level access and public access prevention default to off/`inherited`. */
function storageBucket(_f: unknown, c: Obj): Obj {
  return {
    uniform_access: bool(c.uniform_bucket_level_access ?? at(c, 'bucket_policy_only'), false),
    public_access_prevention: (text(c.public_access_prevention) ?? 'inherited').toLowerCase(),
    versioning: bool(at(c, 'versioning.0.enabled'), false),
    logging: list(c.logging).length > 0,
    retention_locked: bool(at(c, 'retention_policy.0.is_locked'), false),
    kms_key: text(at(c, 'encryption.0.default_kms_key_name')),
  };
}

/** One port range a firewall rule allows: protocol (`tcp`, `udp`, `all`, …) and ports `from`..`to`. */
interface FirewallPort {
  protocol: string;
  from: number;
  to: number;
}

function firewallPorts(allow: unknown): FirewallPort[] {
  return list(allow).filter(isObj).flatMap((a) => {
    const raw = (text(a.protocol) ?? 'all').toLowerCase();
    const protocol = raw === '6' ? 'tcp' : raw === '17' ? 'udp' : raw;
    const ports = texts(a.ports);
    if (ports.length === 0) return [{ protocol, from: 0, to: 65535 }];
    return ports.flatMap((p) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(p);
      return m ? [{ protocol, from: Number(m[1]), to: Number(m[2] ?? m[1]) }] : [];
    });
  });
}

/**
 * A VPC firewall rule. `world_ports` are the port ranges an enabled INGRESS allow rule opens to
 * 0.0.0.0/0 or ::/0 (empty for egress, deny or disabled rules, and for sources that are not the
 * whole internet).
 */
function firewall(_f: unknown, c: Obj): Obj {
  const direction = (text(c.direction) ?? 'INGRESS').toUpperCase();
  const sources = texts(c.source_ranges);
  const disabled = bool(c.disabled, false) ?? false;
  const allowed = firewallPorts(c.allow);
  const fromWorld = sources.some((s) => s === '0.0.0.0/0' || s === '::/0');
  return {
    direction,
    disabled,
    source_ranges: sources,
    allowed,
    world_ports: direction === 'INGRESS' && !disabled && fromWorld ? allowed : [],
  };
}

/** Cloud SQL instance settings (`settings.0…`). IPv4 (a public IP) is on unless `ipv4_enabled = false`. */
function sqlInstance(_f: unknown, c: Obj): Obj {
  const ip = at(c, 'settings.0.ip_configuration.0');
  const sslMode = text(first(ip, 'ssl_mode'));
  const flags: Record<string, string> = {};
  for (const fl of list(at(c, 'settings.0.database_flags')).filter(isObj)) {
    const name = text(fl.name);
    if (name !== null) flags[name.toLowerCase()] = (text(fl.value) ?? '').toLowerCase();
  }
  return {
    database_version: text(c.database_version) ?? '',
    public_ip: bool(first(ip, 'ipv4_enabled'), true),
    authorized_networks: list(first(ip, 'authorized_networks')).filter(isObj).map((n) => text(n.value) ?? ''),
    require_ssl: bool(first(ip, 'require_ssl'), false) === true || sslMode === 'ENCRYPTED_ONLY' || sslMode === 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED',
    backups: bool(at(c, 'settings.0.backup_configuration.0.enabled'), false),
    database_flags: flags,
  };
}

/** The metadata value as a boolean (`TRUE`, `true`, `1`, a real boolean); null when the key is absent. */
function metadataFlag(metadata: unknown, key: string): boolean | null {
  const v = isObj(metadata) ? metadata[key] : undefined;
  if (v === undefined || v === null) return null;
  if (v === 1 || v === '1') return true;
  if (v === 0 || v === '0') return false;
  return bool(v, null);
}

const DEFAULT_SA = /-compute@developer\.gserviceaccount\.com$/;
const CLOUD_PLATFORM = /^(https:\/\/www\.googleapis\.com\/auth\/)?cloud-platform$/;

/**
 * A Compute Engine instance or instance template. `service_account` is null when no service
 * account is attached; an attached one without `email` is the project's default compute account.
 */
function computeInstance(_f: unknown, c: Obj): Obj {
  const sa = list(c.service_account).filter(isObj)[0];
  const email = sa === undefined ? null : (text(sa.email) ?? 'default');
  const metadata = isObj(c.metadata) ? c.metadata : {};
  const interfaces = list(c.network_interface).filter(isObj);
  return {
    service_account: email,
    default_service_account: email !== null && (email === 'default' || DEFAULT_SA.test(email)),
    full_api_scope: sa !== undefined && texts(sa.scopes).some((s) => CLOUD_PLATFORM.test(s)),
    block_project_ssh_keys: metadataFlag(metadata, 'block-project-ssh-keys') ?? false,
    os_login: metadataFlag(metadata, 'enable-oslogin'),
    serial_port: metadataFlag(metadata, 'serial-port-enable') ?? false,
    can_ip_forward: bool(c.can_ip_forward, false),
    public_ip: interfaces.some((n) => list(n.access_config).length > 0 || list(n.ipv6_access_config).length > 0),
    shielded_vtpm: bool(at(c, 'shielded_instance_config.0.enable_vtpm'), true),
    shielded_integrity: bool(at(c, 'shielded_instance_config.0.enable_integrity_monitoring'), true),
  };
}

/** Project-wide metadata: `google_compute_project_metadata` (a map) or one `google_compute_project_metadata_item`. */
function projectMetadata(_f: unknown, c: Obj, type: string): Obj {
  const metadata: Obj = type === 'google_compute_project_metadata_item' ? { [text(c.key) ?? '']: c.value } : isObj(c.metadata) ? c.metadata : {};
  return {
    whole: type === 'google_compute_project_metadata',
    os_login: metadataFlag(metadata, 'enable-oslogin'),
    serial_port: metadataFlag(metadata, 'serial-port-enable'),
    keys: Object.keys(metadata),
  };
}

function subnetwork(_f: unknown, c: Obj): Obj {
  return { flow_logs: list(c.log_config).length > 0, private_google_access: bool(c.private_ip_google_access, false), purpose: (text(c.purpose) ?? 'PRIVATE').toUpperCase() };
}

function loggingSink(_f: unknown, c: Obj): Obj {
  return { disabled: bool(c.disabled, false), filter: text(c.filter) ?? '', destination: text(c.destination), exclusions: list(c.exclusions).length };
}

const ALL_LOG_TYPES = ['ADMIN_READ', 'DATA_READ', 'DATA_WRITE'];

/** An audit config (`google_project_iam_audit_config` …): which log types it turns on, who is exempted. */
function auditConfig(_f: unknown, c: Obj): Obj {
  const configs = list(c.audit_log_config).filter(isObj);
  const types = configs.map((a) => (text(a.log_type) ?? '').toUpperCase());
  return {
    service: text(c.service) ?? '',
    log_types: types,
    missing_log_types: ALL_LOG_TYPES.filter((t) => !types.includes(t)),
    exempted_members: configs.flatMap((a) => texts(a.exempted_members)),
  };
}

/** A Cloud KMS key: `rotation_period` ("7776000s") in days; null when the key never rotates. */
function kmsCryptoKey(_f: unknown, c: Obj): Obj {
  const period = text(c.rotation_period);
  const m = period === null ? null : /^(\d+(?:\.\d+)?)s$/.exec(period);
  return { purpose: (text(c.purpose) ?? 'ENCRYPT_DECRYPT').toUpperCase(), rotation_days: m ? Number(m[1]) / 86400 : null };
}

/**
 * A service account or one of its keys. User-managed keys exist as `google_service_account_key`
 * resources (`user_managed_key` true); a `google_service_account` alone has only Google-managed
 * keys, which rotate themselves.
 */
function serviceAccount(_f: unknown, c: Obj, type: string): Obj {
  if (type === 'google_service_account_key') {
    return { user_managed_key: true, uploaded_public_key: text(c.public_key_data) !== null, service_account: text(c.service_account_id), key_algorithm: text(c.key_algorithm) ?? 'KEY_ALG_RSA_2048' };
  }
  return { user_managed_key: false, uploaded_public_key: false, service_account: text(c.account_id), key_algorithm: null };
}

/**
 * A GKE cluster. Provider defaults: legacy ABAC off, private nodes off, network policy off (Dataplane
 * V2, `datapath_provider = ADVANCED_DATAPATH`, enforces policies itself), logging and monitoring on,
 * no control plane authorized networks (public endpoint open to all).
 */
function gkeCluster(_f: unknown, c: Obj): Obj {
  const man = list(c.master_authorized_networks_config).filter(isObj)[0];
  return {
    legacy_abac: bool(c.enable_legacy_abac, false),
    private_nodes: bool(at(c, 'private_cluster_config.0.enable_private_nodes'), false),
    private_endpoint: bool(at(c, 'private_cluster_config.0.enable_private_endpoint'), false),
    network_policy: bool(at(c, 'network_policy.0.enabled'), false) === true || text(c.datapath_provider) === 'ADVANCED_DATAPATH',
    authorized_networks_enabled: man !== undefined,
    authorized_networks: man === undefined ? [] : list(man.cidr_blocks).filter(isObj).map((b) => text(b.cidr_block) ?? ''),
    logging: (text(c.logging_service) ?? 'logging.googleapis.com/kubernetes') !== 'none',
    monitoring: (text(c.monitoring_service) ?? 'monitoring.googleapis.com/kubernetes') !== 'none',
    client_certificate: bool(at(c, 'master_auth.0.client_certificate_config.0.issue_client_certificate'), false),
    basic_auth: (text(at(c, 'master_auth.0.username')) ?? '') !== '',
    node_count: num(c.initial_node_count),
  };
}

const IAM_SCOPES = [
  'project', 'folder', 'organization', 'storage_bucket', 'kms_crypto_key', 'kms_key_ring', 'bigquery_dataset', 'bigquery_table', 'pubsub_topic',
  'pubsub_subscription', 'cloud_run_service', 'cloud_run_v2_service', 'cloudfunctions_function', 'cloudfunctions2_function', 'service_account',
  'secret_manager_secret', 'artifact_registry_repository', 'compute_instance', 'spanner_database', 'sql_database_instance',
];

/** Cloud Storage ACL resources (fine-grained access): `role_entity` lists or one `entity` + `role`. */
const STORAGE_ACL_TYPES = ['google_storage_bucket_acl', 'google_storage_default_object_acl', 'google_storage_object_acl', 'google_storage_bucket_access_control', 'google_storage_default_object_access_control', 'google_storage_object_access_control'];

/** GCP kinds with their Terraform type names. */
export const GCP_KINDS: KindEntry[] = [
  { kind: 'gcp.iam.binding', types: [...IAM_SCOPES.flatMap((s) => ['member', 'binding', 'policy'].map((k) => `google_${s}_iam_${k}`)), ...STORAGE_ACL_TYPES], build: iamBinding },
  { kind: 'gcp.iam.service_account', types: ['google_service_account', 'google_service_account_key'], build: serviceAccount },
  { kind: 'gcp.bigquery.dataset', types: ['google_bigquery_dataset'], build: bigqueryDataset },
  { kind: 'gcp.storage.bucket', types: ['google_storage_bucket'], build: storageBucket },
  { kind: 'gcp.compute.firewall', types: ['google_compute_firewall'], build: firewall },
  { kind: 'gcp.sql.instance', types: ['google_sql_database_instance'], build: sqlInstance },
  { kind: 'gcp.compute.instance', types: ['google_compute_instance', 'google_compute_instance_template', 'google_compute_region_instance_template'], build: computeInstance },
  { kind: 'gcp.compute.project_metadata', types: ['google_compute_project_metadata', 'google_compute_project_metadata_item'], build: projectMetadata },
  { kind: 'gcp.compute.subnetwork', types: ['google_compute_subnetwork'], build: subnetwork },
  { kind: 'gcp.logging.sink', types: ['google_logging_project_sink', 'google_logging_folder_sink', 'google_logging_organization_sink', 'google_logging_billing_account_sink'], build: loggingSink },
  { kind: 'gcp.logging.audit_config', types: ['google_project_iam_audit_config', 'google_folder_iam_audit_config', 'google_organization_iam_audit_config'], build: auditConfig },
  { kind: 'gcp.kms.crypto_key', types: ['google_kms_crypto_key'], build: kmsCryptoKey },
  { kind: 'gcp.gke.cluster', types: ['google_container_cluster'], build: gkeCluster },
];
