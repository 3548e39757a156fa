/**
 * Companion resources of Terraform source: resources that configure another resource (AWS provider
 * 4+ keeps an S3 bucket's versioning, logging, encryption, public access block, ACL, policy,
 * lifecycle, replication, object lock and notifications in `aws_s3_bucket_*` resources; security
 * group rules, azurerm NSG rules, SQL auditing, storage network rules, private endpoints, flow
 * logs and backup selections are resources of their own). Each companion is linked to the
 * resource it configures by reference (`bucket = aws_s3_bucket.x.id`, `server_id =
 * azurerm_mssql_server.s.id`) or by literal name (`bucket = "my-bucket"` and a bucket named so),
 * and its evaluated settings are attached to that resource's configuration under `sluice_links`:
 *
 *   sluice_links: { <companion type>: [{ address, values }], …, unknown: [<companion type>, …] }
 *
 * A target resource always gets `sluice_links` (an empty one says "no companion in this module"),
 * so rules may judge an absent setting. A companion whose link cannot be resolved (a variable
 * without a value, a data source, a name no resource has) is never guessed onto a resource: its
 * type is listed in `unknown` on every resource of the target types (a rule does not judge that
 * setting there) and the companion itself notes why in `unmapped.link`. Pure.
 */
import type { Block, Body, Expr } from './hcl.ts';
import { evaluate, type Scope, type Val } from './hcl-eval.ts';

export interface CompanionSpec {
  /** The companion resource type. */
  type: string;
  /** Resource types it may configure. */
  targets: readonly string[];
  /** Attribute paths holding the link (first present wins; `a.b` = attribute b of the first block a). */
  link: readonly string[];
  /** The link is a list of references (`resources = [aws_rds_cluster.a.arn, …]`). */
  many?: boolean;
}

const S3 = ['aws_s3_bucket'];
const SQL = ['azurerm_mssql_server', 'azurerm_sql_server'];
const PRIVATE_ENDPOINT_TARGETS = ['azurerm_storage_account', 'azurerm_mssql_server', 'azurerm_sql_server', 'azurerm_key_vault', 'azurerm_mysql_server', 'azurerm_postgresql_server', 'azurerm_mysql_flexible_server', 'azurerm_postgresql_flexible_server', 'azurerm_cosmosdb_account'];
const BACKUP_TARGETS = ['aws_rds_cluster', 'aws_db_instance', 'aws_dynamodb_table', 'aws_efs_file_system', 'aws_ebs_volume', 'aws_neptune_cluster', 'aws_docdb_cluster'];

/** Every companion type Sluice links, with the attribute that names its target. */
export const COMPANIONS: readonly CompanionSpec[] = [
  ...['versioning', 'logging', 'server_side_encryption_configuration', 'public_access_block', 'acl', 'policy', 'lifecycle_configuration', 'replication_configuration', 'object_lock_configuration', 'notification', 'ownership_controls'].map(
    (s): CompanionSpec => ({ type: `aws_s3_bucket_${s}`, targets: S3, link: ['bucket'] }),
  ),
  { type: 'aws_security_group_rule', targets: ['aws_security_group', 'aws_default_security_group'], link: ['security_group_id'] },
  { type: 'aws_vpc_security_group_ingress_rule', targets: ['aws_security_group', 'aws_default_security_group'], link: ['security_group_id'] },
  { type: 'aws_vpc_security_group_egress_rule', targets: ['aws_security_group', 'aws_default_security_group'], link: ['security_group_id'] },
  { type: 'aws_flow_log', targets: ['aws_vpc'], link: ['vpc_id'] },
  { type: 'aws_default_security_group', targets: ['aws_vpc'], link: ['vpc_id'] },
  { type: 'aws_kms_key_policy', targets: ['aws_kms_key'], link: ['key_id'] },
  { type: 'aws_backup_selection', targets: BACKUP_TARGETS, link: ['resources'], many: true },
  { type: 'azurerm_network_security_rule', targets: ['azurerm_network_security_group'], link: ['network_security_group_name'] },
  { type: 'azurerm_mssql_server_extended_auditing_policy', targets: ['azurerm_mssql_server'], link: ['server_id'] },
  { type: 'azurerm_mssql_server_security_alert_policy', targets: SQL, link: ['server_name'] },
  { type: 'azurerm_mssql_server_vulnerability_assessment', targets: ['azurerm_mssql_server_security_alert_policy'], link: ['server_security_alert_policy_id'] },
  { type: 'azurerm_sql_firewall_rule', targets: SQL, link: ['server_name'] },
  { type: 'azurerm_mssql_firewall_rule', targets: SQL, link: ['server_id'] },
  { type: 'azurerm_storage_account_network_rules', targets: ['azurerm_storage_account'], link: ['storage_account_id', 'storage_account_name'] },
  { type: 'azurerm_storage_account_customer_managed_key', targets: ['azurerm_storage_account'], link: ['storage_account_id'] },
  { type: 'azurerm_private_endpoint', targets: PRIVATE_ENDPOINT_TARGETS, link: ['private_service_connection.private_connection_resource_id'] },
  { type: 'azurerm_subnet_network_security_group_association', targets: ['azurerm_subnet'], link: ['subnet_id'] },
  { type: 'azurerm_mysql_server_key', targets: ['azurerm_mysql_server'], link: ['server_id'] },
  { type: 'azurerm_mssql_server_transparent_data_encryption', targets: ['azurerm_mssql_server'], link: ['server_id'] },
  { type: 'azurerm_backup_protected_vm', targets: ['azurerm_linux_virtual_machine', 'azurerm_windows_virtual_machine', 'azurerm_virtual_machine'], link: ['source_vm_id'] },
  { type: 'azurerm_monitor_diagnostic_setting', targets: ['azurerm_key_vault'], link: ['target_resource_id'] },
  { type: 'azurerm_network_watcher_flow_log', targets: ['azurerm_network_security_group'], link: ['network_security_group_id'] },
  { type: 'google_dns_policy', targets: ['google_compute_network'], link: ['networks.network_url'] },
  { type: 'aws_ecr_lifecycle_policy', targets: ['aws_ecr_repository'], link: ['repository'] },
  { type: 'azurerm_postgresql_server_key', targets: ['azurerm_postgresql_server'], link: ['server_id'] },
];

const BY_TYPE = new Map(COMPANIONS.map((c) => [c.type, c]));
/** Every type a companion may configure (these get `sluice_links`). */
export const COMPANION_TARGETS: ReadonlySet<string> = new Set(COMPANIONS.flatMap((c) => c.targets));

/** The attribute of a target that holds the name a literal link gives (`bucket = "logs"`). */
const NAME_ATTRIBUTE: Record<string, string> = {
  aws_s3_bucket: 'bucket',
  azurerm_network_security_group: 'name',
  azurerm_mssql_server: 'name',
  azurerm_sql_server: 'name',
  azurerm_storage_account: 'name',
  aws_ecr_repository: 'name',
};

/** One resource block of a module, with the helpers to evaluate it. */
export interface ModuleResource {
  type: string;
  name: string;
  block: Block;
  /** Read from `.tf.json` (objects there are blocks: the evaluator wraps them as lists). */
  json?: boolean;
}

/** Per resource instance: a companion's values (evaluated for that instance) and its address. */
export interface CompanionValue {
  address: string;
  values: Record<string, unknown>;
}

export interface CompanionLinks {
  /** Target base address (`aws_s3_bucket.data`) or instance address → companion type → values. */
  byTarget: Map<string, Record<string, CompanionValue[]>>;
  /** Target type → companion types whose link could not be resolved. */
  unknownByTargetType: Map<string, Set<string>>;
  /** Companion address → why it is linked to nothing. */
  notes: Map<string, string>;
}

/** A companion whose target cannot be resolved: noted at its address, and its type left unjudged on every possible target type. */
function markUnknown(links: CompanionLinks, spec: CompanionSpec, address: string, why: string): void {
  links.notes.set(address, why);
  for (const t of spec.targets) {
    const set = links.unknownByTargetType.get(t) ?? new Set<string>();
    set.add(spec.type);
    links.unknownByTargetType.set(t, set);
  }
}

/** Attaches a companion's value to the resource it configures. */
function attachCompanion(links: CompanionLinks, target: string, spec: CompanionSpec, value: CompanionValue): void {
  const m = links.byTarget.get(target) ?? {};
  (m[spec.type] ??= []).push(value);
  links.byTarget.set(target, m);
}

export interface CompanionEvaluator {
  /** Instances of a block: address suffix and the scope of each. */
  instances(body: Body): Array<{ suffix: string; scope: Scope }>;
  /** The configuration of a body in an instance scope (unknown values left out). */
  configuration(body: Body, scope: Scope, json: boolean): Record<string, unknown>;
}

/** Argument names whose values are credentials: masked in the copy a target carries (a storage key of a vulnerability assessment). */
const SECRET_ARGUMENT = /password|secret|access_key|sas_key|token|private_key|connection_string/i;

function maskSecrets(v: unknown, depth = 0): unknown {
  if (depth > 32) return v;
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_ARGUMENT.test(k) && x !== null && typeof x !== 'object' ? '(sensitive)' : maskSecrets(x, depth + 1);
  return out;
}

function unwrap(e: Expr): Expr {
  if (e.t === 'tmpl' && e.parts.length === 1 && typeof e.parts[0] !== 'string') return unwrap(e.parts[0]!);
  return e;
}

function findExpr(body: Body, path: string): Expr | undefined {
  const parts = path.split('.');
  let b: Body | undefined = body;
  for (const p of parts.slice(0, -1)) b = b?.blocks.find((x) => x.type === p)?.body;
  return b?.attributes.find((a) => a.name === parts[parts.length - 1])?.expr;
}

type Resolved = { kind: 'address'; address: string; type: string } | { kind: 'name'; value: string } | { kind: 'unknown'; why: string };

/** A reference `type.name[index]?.attr…` to a resource, or a static literal name. */
function resolveRef(expr: Expr, scope: Scope, declared: Map<string, string>): Resolved {
  const e = unwrap(expr);
  const steps: Array<{ attr?: string; index?: Expr }> = [];
  let cur: Expr = e;
  while (cur.t === 'attr' || cur.t === 'index') {
    steps.unshift(cur.t === 'attr' ? { attr: cur.name } : { index: cur.key });
    cur = cur.obj;
  }
  if (cur.t === 'var' && /_/.test(cur.name) && cur.name !== 'each' && cur.name !== 'count') {
    const nameStep = steps[0];
    if (!nameStep?.attr) return { kind: 'unknown', why: `reference ${cur.name} names no resource` };
    const base = `${cur.name}.${nameStep.attr}`;
    if (!declared.has(base)) return { kind: 'unknown', why: `${base} is not declared in this module` };
    const idx = steps[1]?.index;
    if (idx) {
      const k = evaluate(idx, scope);
      if (typeof k !== 'string' && typeof k !== 'number') return { kind: 'unknown', why: `the index of ${base} is not known statically` };
      return { kind: 'address', address: `${base}[${JSON.stringify(k)}]`, type: cur.name };
    }
    return { kind: 'address', address: base, type: cur.name };
  }
  const v: Val = evaluate(e, scope);
  if (typeof v === 'string' && v !== '') return { kind: 'name', value: v };
  return { kind: 'unknown', why: 'the link is not known statically (a variable without a value, a data source or a computed value)' };
}

/** The literal name or ARN of an S3 bucket: `arn:aws:s3:::name` and `name` both give `name`. */
function nameOf(v: string): string {
  return v.replace(/^arn:[^:]+:s3:::/, '');
}

/**
 * Links the companions among `resources` (every resource block of a module) to their targets.
 * Literal links match a target whose name attribute (evaluated with `eval`) is that name.
 */
export function linkCompanions(resources: readonly ModuleResource[], ev: CompanionEvaluator): CompanionLinks {
  const declared = new Map(resources.map((r) => [`${r.type}.${r.name}`, r.type]));
  const links: CompanionLinks = { byTarget: new Map(), unknownByTargetType: new Map(), notes: new Map() };
  const namedTargets = new Map<string, string[]>();
  for (const r of resources) {
    const attr = NAME_ATTRIBUTE[r.type];
    if (!attr) continue;
    for (const inst of ev.instances(r.block.body)) {
      const expr = r.block.body.attributes.find((a) => a.name === attr)?.expr;
      const v = expr ? evaluate(expr, inst.scope) : null;
      if (typeof v !== 'string') continue;
      const list = namedTargets.get(`${r.type}\u0000${v}`) ?? [];
      list.push(`${r.type}.${r.name}${inst.suffix}`);
      namedTargets.set(`${r.type}\u0000${v}`, list);
    }
  }
  const unknown = (spec: CompanionSpec, address: string, why: string): void => markUnknown(links, spec, address, why);
  const attach = (target: string, spec: CompanionSpec, value: CompanionValue): void => attachCompanion(links, target, spec, value);
  for (const r of resources) {
    const spec = BY_TYPE.get(r.type);
    if (!spec) continue;
    for (const inst of ev.instances(r.block.body)) {
      const address = `${r.type}.${r.name}${inst.suffix}`;
      const expr = spec.link.map((p) => findExpr(r.block.body, p)).find((x) => x !== undefined);
      if (!expr) {
        unknown(spec, address, `no ${spec.link.join(' / ')} argument: linked to nothing`);
        continue;
      }
      const refs = spec.many ? (unwrap(expr).t === 'tuple' ? (unwrap(expr) as Extract<Expr, { t: 'tuple' }>).items : null) : [expr];
      if (refs === null) {
        unknown(spec, address, `${spec.link[0]} is not a static list of references`);
        continue;
      }
      const value: CompanionValue = { address, values: maskSecrets(ev.configuration(r.block.body, inst.scope, r.json === true)) as Record<string, unknown> };
      for (const ref of refs) {
        const res = resolveRef(ref, inst.scope, declared);
        if (res.kind === 'unknown') {
          unknown(spec, address, res.why);
          continue;
        }
        if (res.kind === 'address') {
          if (!spec.targets.includes(res.type)) {
            // A reference to another kind of resource (a backup selection of an S3 bucket): not a target here.
            if (!spec.many) unknown(spec, address, `${res.address} is not one of ${spec.targets.join(', ')}`);
            continue;
          }
          attach(res.address, spec, value);
          continue;
        }
        const matches = spec.targets.flatMap((t) => namedTargets.get(`${t}\u0000${nameOf(res.value)}`) ?? []);
        if (matches.length === 0) unknown(spec, address, `no resource of this module is named ${JSON.stringify(res.value)}`);
        else if (matches.length > 1) unknown(spec, address, `${matches.length} resources of this module are named ${JSON.stringify(res.value)}: ambiguous`);
        else attach(matches[0]!, spec, value);
      }
    }
  }
  return links;
}

/**
 * The `sluice_links` value of a target instance (`type.name` + suffix), or undefined when the
 * type is not a companion target. Instance links and base-address links are merged.
 */
export function linksOf(links: CompanionLinks, type: string, base: string, suffix: string): Record<string, unknown> | undefined {
  if (!COMPANION_TARGETS.has(type)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of suffix ? [base, `${base}${suffix}`] : [base]) {
    for (const [t, vals] of Object.entries(links.byTarget.get(key) ?? {})) out[t] = [...((out[t] as CompanionValue[] | undefined) ?? []), ...vals];
  }
  const unknown = [...(links.unknownByTargetType.get(type) ?? [])].sort();
  if (unknown.length) out.unknown = unknown;
  return out;
}

// ------------------------------------------------------------------ plan / state JSON

/** One managed resource of `terraform show -json` (root module): its address, type and values. */
export interface PlanResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}

function planValueAt(values: Record<string, unknown>, path: string): unknown {
  let cur: unknown = values;
  for (const p of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>)[p] : undefined;
  }
  return cur;
}

/** `configuration.root_module.resources[].expressions` by address: the references Terraform recorded per argument. */
function planReferences(doc: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const cfg = doc.configuration;
  const root = cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>).root_module : undefined;
  const resources = root !== null && typeof root === 'object' ? (root as Record<string, unknown>).resources : undefined;
  if (!Array.isArray(resources)) return out;
  for (const r of resources) {
    if (r === null || typeof r !== 'object') continue;
    const o = r as Record<string, unknown>;
    if (typeof o.address === 'string' && o.expressions !== null && typeof o.expressions === 'object') out.set(o.address, o.expressions as Record<string, unknown>);
  }
  return out;
}

/** The references of an argument path (`private_service_connection.private_connection_resource_id`) in a resource's expressions. */
function referencesAt(expressions: Record<string, unknown> | undefined, path: string): string[] | null {
  let cur: unknown = expressions;
  for (const p of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  }
  if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return null;
  const refs = (cur as Record<string, unknown>).references;
  return Array.isArray(refs) ? refs.filter((x): x is string => typeof x === 'string') : null;
}

/**
 * Links the companions among the root module resources of a plan or state (`terraform show
 * -json`): by the argument's value when it is known (a bucket name, an id or ARN that a target's
 * `id` / `arn` / name attribute has, as in a state) or else by the references Terraform recorded
 * in `configuration.root_module.resources[].expressions`. Never guessed: anything else is unknown.
 */
export function linkPlanCompanions(resources: readonly PlanResource[], doc: Record<string, unknown>): CompanionLinks {
  const links: CompanionLinks = { byTarget: new Map(), unknownByTargetType: new Map(), notes: new Map() };
  const refs = planReferences(doc);
  const byBase = new Map<string, PlanResource[]>();
  const byValue = new Map<string, string[]>();
  for (const r of resources) {
    const base = r.address.replace(/\[[^\]]*\]$/, '');
    byBase.set(base, [...(byBase.get(base) ?? []), r]);
    if (!COMPANION_TARGETS.has(r.type)) continue;
    const keys = [r.values.id, r.values.arn, NAME_ATTRIBUTE[r.type] ? r.values[NAME_ATTRIBUTE[r.type]!] : undefined];
    for (const k of keys) if (typeof k === 'string' && k !== '') byValue.set(`${r.type}\u0000${nameOf(k)}`, [...(byValue.get(`${r.type}\u0000${nameOf(k)}`) ?? []), r.address]);
  }
  const unknown = (spec: CompanionSpec, address: string, why: string): void => markUnknown(links, spec, address, why);
  const attach = (target: string, spec: CompanionSpec, value: CompanionValue): void => attachCompanion(links, target, spec, value);
  for (const r of resources) {
    const spec = BY_TYPE.get(r.type);
    if (!spec) continue;
    const value: CompanionValue = { address: r.address, values: maskSecrets(r.values) as Record<string, unknown> };
    const linkPath = spec.link.find((p) => planValueAt(r.values, p) !== undefined) ?? spec.link[0]!;
    const raw = planValueAt(r.values, linkPath);
    const literals = (spec.many && Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string' && x !== '');
    const targets = new Set<string>();
    let unresolved: string | null = null;
    if (literals.length > 0) {
      for (const lit of literals) {
        const m = spec.targets.flatMap((t) => byValue.get(`${t}\u0000${nameOf(lit)}`) ?? []);
        if (m.length === 1) targets.add(m[0]!);
        else if (!spec.many) unresolved = m.length === 0 ? `no resource of this plan has ${linkPath} ${JSON.stringify(lit)}` : `${linkPath} ${JSON.stringify(lit)} is ambiguous`;
      }
    } else {
      const paths = spec.link.map((p) => referencesAt(refs.get(r.address.replace(/\[[^\]]*\]$/, '')), p)).find((x) => x !== null);
      if (!paths || paths.length === 0) unresolved = `${linkPath} is not known in the plan and has no recorded reference`;
      else {
        // A reference such as "aws_s3_bucket.b.id" comes with "aws_s3_bucket.b"; indexed ones with "aws_s3_bucket.b[0]".
        const named = paths.filter((p) => byBase.has(p) || resources.some((x) => x.address === p));
        for (const p of named) {
          const exact = resources.filter((x) => x.address === p && spec.targets.includes(x.type));
          const all = exact.length > 0 ? exact : (byBase.get(p) ?? []).filter((x) => spec.targets.includes(x.type));
          if (all.length === 1 || exact.length > 0) for (const x of all) targets.add(x.address);
          else if (all.length > 1 && !spec.many) unresolved = `${p} has ${all.length} instances and the reference names none`;
        }
        if (targets.size === 0 && unresolved === null && !spec.many) unresolved = `the references ${paths.join(', ')} name no ${spec.targets.join(' / ')} of this plan`;
      }
    }
    if (unresolved !== null) unknown(spec, r.address, unresolved);
    for (const t of targets) attach(t, spec, value);
  }
  return links;
}
