/**
 * Terraform JSON (`terraform show -json` of a plan, or of a state) -> one IacResource per managed
 * resource of `planned_values` (plan) or `values` (state): the root module's resources and every
 * child module's, recursively. type = the resource type (aws_s3_bucket), name/id = the address,
 * configuration = `values` with the attributes flagged in `sensitive_values` replaced by
 * "(sensitive)". The plan's `resource_changes[].change.actions` for the address go to unmapped.
 * Data sources (mode "data") are not resources and are skipped. Pure.
 */
import { isObj, setOwn, typeName, type Obj } from '../aws_config/config-state.ts';
import type { Positions } from './positions.ts';
import { iacTags, type IacItem } from './resource.ts';
import { linkPlanCompanions, linksOf } from './terraform-companions.ts';

export const SENSITIVE = '(sensitive)';
const MAX_MODULE_DEPTH = 64;

/** `terraform show -json` output: format_version with planned_values (plan) or values (state). */
export function isTerraformJson(doc: unknown): doc is Obj {
  if (!isObj(doc) || typeof doc.format_version !== 'string') return false;
  return isObj(doc.planned_values) || isObj(doc.values) || Array.isArray(doc.resource_changes);
}

/** `values` with every attribute that `mask` (sensitive_values) marks true replaced by "(sensitive)". */
export function redactSensitive(values: unknown, mask: unknown, depth = 0): unknown {
  if (mask === true) return SENSITIVE;
  if (depth > 64) return values;
  if (Array.isArray(values) && Array.isArray(mask)) return values.map((v, i) => redactSensitive(v, mask[i], depth + 1));
  if (isObj(values) && isObj(mask)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(values)) setOwn(out, k, Object.hasOwn(mask, k) ? redactSensitive(v, mask[k], depth + 1) : v);
    return out;
  }
  return values;
}

export interface TerraformRead {
  items: IacItem[];
  /** The plan's `timestamp` (Terraform 1.5+), when present. */
  timestamp: string | null;
}

export function readTerraform(doc: Obj, pos: Positions, basePath: ReadonlyArray<string | number> = []): TerraformRead {
  const items: IacItem[] = [];
  const rootKey = isObj(doc.planned_values) ? 'planned_values' : isObj(doc.values) ? 'values' : null;

  // Change actions by address, from the plan.
  const changes = new Map<string, Obj>();
  if (Array.isArray(doc.resource_changes)) {
    for (const rc of doc.resource_changes) {
      if (!isObj(rc) || typeof rc.address !== 'string' || !isObj(rc.change)) continue;
      const c: Obj = {};
      for (const k of ['actions', 'action_reason', 'replace_paths', 'importing']) if (Object.hasOwn(rc.change, k)) setOwn(c, k, rc.change[k]);
      if (Object.hasOwn(rc, 'action_reason')) c.action_reason = rc.action_reason;
      changes.set(rc.address, c);
    }
  }

  const problem = (reason: string, path: ReadonlyArray<string | number>, raw: unknown): void => {
    items.push({ kind: 'problem', problem: { reason, line: pos.lineOf(path), raw } });
  };

  const walk = (module: unknown, path: ReadonlyArray<string | number>, depth: number): void => {
    const where = path.slice(basePath.length).join('.');
    if (!isObj(module)) return problem(`${where} must be an object, got ${typeName(module)}`, path, module);
    if (depth > MAX_MODULE_DEPTH) return problem(`${where}: modules nested deeper than ${MAX_MODULE_DEPTH}`, path, null);
    const moduleAddress = typeof module.address === 'string' ? module.address : null;
    const resources = module.resources ?? [];
    if (!Array.isArray(resources)) problem(`${where}.resources must be an array, got ${typeName(resources)}`, [...path, 'resources'], resources);
    else {
      resources.forEach((r: unknown, i: number) => {
        const rPath = [...path, 'resources', i];
        const at = `${where}.resources[${i}]`;
        if (!isObj(r)) return problem(`${at} must be an object, got ${typeName(r)}`, rPath, r);
        if (r.mode === 'data') return;
        const bad: string[] = [];
        for (const k of ['address', 'type'] as const) {
          if (typeof r[k] !== 'string' || r[k] === '') bad.push(r[k] === undefined ? `${k} is missing` : `${k} must be a non-empty string, got ${typeName(r[k])}`);
        }
        const values = r.values ?? {};
        if (!isObj(values)) bad.push(`values must be an object, got ${typeName(values)}`);
        else {
          for (const k of ['tags', 'tags_all']) {
            const t = values[k];
            if (t !== undefined && t !== null && !isObj(t)) bad.push(`values.${k} must be an object, got ${typeName(t)}`);
          }
        }
        if (bad.length) return problem(`${at}: ${bad.join('; ')}`, rPath, r);
        const address = r.address as string;
        const configuration = redactSensitive(values, r.sensitive_values);
        const unmapped: Obj = {};
        for (const k of ['mode', 'name', 'index', 'provider_name', 'schema_version']) if (Object.hasOwn(r, k)) setOwn(unmapped, k, r[k]);
        if (moduleAddress !== null) unmapped.module_address = moduleAddress;
        const change = changes.get(address);
        if (change) unmapped.change = change;
        const cfg = configuration as Obj;
        items.push({
          kind: 'resource',
          resource: {
            id: address,
            type: r.type as string,
            name: address,
            configuration,
            tags: iacTags(isObj(cfg.tags_all) ? cfg.tags_all : cfg.tags),
            relationships: [],
            line: pos.lineOf(rPath),
            unmapped,
            raw: { ...r, values: configuration },
          },
        });
      });
    }
    const children = module.child_modules ?? [];
    if (!Array.isArray(children)) return problem(`${where}.child_modules must be an array, got ${typeName(children)}`, [...path, 'child_modules'], children);
    children.forEach((child: unknown, j: number) => walk(child, [...path, 'child_modules', j], depth + 1));
  };

  if (rootKey !== null) {
    const root = (doc[rootKey] as Obj).root_module;
    if (root !== undefined) walk(root, [...basePath, rootKey, 'root_module'], 0);
  }
  attachCompanions(items, doc);
  return { items, timestamp: typeof doc.timestamp === 'string' ? doc.timestamp : null };
}

/**
 * Companion resources of the root module (an aws_s3_bucket_versioning for its bucket, an
 * aws_flow_log for its VPC, …) linked to the resource they configure (terraform-companions.ts):
 * root-module targets get `sluice_links`, companions linked to nothing get `unmapped.link`.
 * Resources of child modules get no link information (their settings stay unjudged).
 */
function attachCompanions(items: IacItem[], doc: Obj): void {
  const root = items.flatMap((it) => (it.kind === 'resource' && isObj(it.resource.unmapped) && it.resource.unmapped.module_address === undefined ? [it.resource] : []));
  const links = linkPlanCompanions(root.map((r) => ({ address: r.id, type: r.type, values: isObj(r.configuration) ? r.configuration : {} })), doc);
  for (const r of root) {
    const linked = linksOf(links, r.type, r.id, '');
    if (linked && isObj(r.configuration)) r.configuration = { ...r.configuration, sluice_links: linked };
    const note = links.notes.get(r.id);
    if (note && isObj(r.unmapped)) r.unmapped.link = note;
  }
}
