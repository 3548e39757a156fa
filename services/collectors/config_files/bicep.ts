/**
 * Azure Bicep (`.bicep`) -> the same resources as the ARM template Bicep compiles to: one
 * IacResource per deployed resource with its full type (`Microsoft.Sql/servers/firewallRules`),
 * its name (a child's prefixed by its parent: `shop-sql/AllowAll`) and configuration = `type`,
 * `apiVersion` and the body (name, location, sku, kind, properties, tags, identity, …) without
 * `parent`, `scope`, `dependsOn` and nested resource declarations, evaluated where static. So the
 * Azure posture rules read a Bicep resource exactly as its ARM form (events carry format `arm`).
 *
 * Evaluated: `param` defaults, overridden by a parameters file beside the template
 * (`<name>.bicepparam`, or the one `.bicepparam` whose `using` names the file, or
 * `<name>.parameters.json` in the ARM parameters format) and by a module's `params`; `var`;
 * interpolation and pure functions (bicep-eval.ts); `name` / `type` / `apiVersion` of a
 * resource symbol; conditions (`if (false)`: not deployed, no event; unknown: kept, with
 * `unmapped.condition`); `for` loops over static arrays and `range()` (one resource per item; over
 * an unknown value one resource stands for all, `unmapped.instances` says so); child resources
 * (nested `resource` declarations, relative types, `parent:`); `existing` resources (referenced,
 * not deployed: no event); local modules (`module m './x.bicep'`, read from `sources`, evaluated
 * with the module's params, reported at the `module` line with ids `module.m/<type>/<name>`).
 * Registry (`br:`, `ts:`) modules and modules whose file is not among `sources` are not followed:
 * one `Microsoft.Resources/deployments` resource with `unmapped.module` saying why. Everything
 * known only at deployment is unknown: left out of configuration and listed in `unmapped.unknown`.
 * Pure: module and parameter files come in through `sources`.
 */
import { posix } from 'node:path';
import { isObj, type Obj } from '../aws_config/config-state.ts';
import { parseBicep, type BDecl, type BExpr, type BResourceDecl } from './bicep-parse.ts';
import { evalBicep, loopItems, withLocals, type BicepScope } from './bicep-eval.ts';
import { stripUnknown, UNKNOWN, type Val } from './hcl-eval.ts';
import { iacTags, type FormatInfo, type IacItem } from './resource.ts';

/** Bicep resources are ARM resources: the same format (so the same resource view and rules), with Bicep named as the product. */
export const BICEP_FORMAT: FormatInfo = { format: 'arm', product: 'Azure Bicep', vendor: 'Microsoft' };

export { BicepError } from './bicep-parse.ts';

/** The parameters file beside a template does not parse (the template is not read on defaults instead). */
export class BicepParametersError extends Error {
  override name = 'BicepParametersError';
}

export interface BicepReadOptions {
  /** Other files by name (as given to parseConfigFile): local modules and parameters files. */
  sources?: ReadonlyMap<string, string>;
}

/** Modules followed at most this deep (a guard against cycles through renamed paths). */
const MAX_MODULE_DEPTH = 8;
/** Instances of one loop at most (ARM's own copy limit). */
const MAX_LOOP = 800;
const BODY_LEFT_OUT = new Set(['parent', 'scope', 'dependsOn', 'params']);

/** A Bicep template by its name (`*.bicep`, also gzipped). */
export const isBicepName = (n: string): boolean => /\.bicep$/i.test(n.replace(/\.gz$/i, ''));
/** A Bicep parameters file by its name (`*.bicepparam`). */
export const isBicepParamName = (n: string): boolean => /\.bicepparam$/i.test(n.replace(/\.gz$/i, ''));

interface Instance {
  decl: BResourceDecl;
  label: string;
  scope: BicepScope;
  body: Extract<BExpr, { t: 'obj' }>;
  type: string;
  apiVersion: string | null;
  /** true, or UNKNOWN when the condition is not known statically. */
  condition: true | typeof UNKNOWN;
  instancesNote: string | null;
  parent: Instance | null;
  /** Set once computed. */
  name?: Val;
}

interface FileContext {
  file: string;
  decls: BDecl[];
  /** Values given from outside (parameters file, module params); they win over defaults. */
  given: Map<string, Val>;
  cache: Map<string, Val>;
  evaluating: Set<string>;
  /** Resource symbols (nested ones as `parent::child` and by their own name). */
  resources: Map<string, { decl: BResourceDecl; parent: string | null }>;
  instances: Map<string, Instance[]>;
  scope: BicepScope;
}

function splitType(t: string): { type: string; apiVersion: string | null } {
  const at = t.indexOf('@');
  return at < 0 ? { type: t, apiVersion: null } : { type: t.slice(0, at), apiVersion: t.slice(at + 1) };
}

function makeContext(file: string, decls: BDecl[], given: Map<string, Val>): FileContext {
  const ctx: FileContext = { file, decls, given, cache: new Map(), evaluating: new Set(), resources: new Map(), instances: new Map(), scope: { lookup: () => undefined } };
  const register = (d: BResourceDecl, parent: string | null): void => {
    const key = parent ? `${parent}::${d.name}` : d.name;
    ctx.resources.set(key, { decl: d, parent });
    if (parent && !ctx.resources.has(d.name)) ctx.resources.set(d.name, { decl: d, parent });
    for (const child of nestedResources(d.value)) register(child, key);
  };
  for (const d of decls) if (d.kind === 'resource') register(d, null);
  const byName = new Map(decls.flatMap((d) => (d.kind === 'param' || d.kind === 'var' ? [[d.name, d] as const] : [])));
  ctx.scope = {
    lookup(name: string): Val | undefined {
      const cached = ctx.cache.get(name);
      if (cached !== undefined) return cached;
      const d = byName.get(name);
      const marker = `name:${name}`;
      if (ctx.evaluating.has(marker)) return UNKNOWN;
      if (d) {
        ctx.evaluating.add(marker);
        try {
          // A @secure() parameter's value is never written into a configuration: unknown.
          const v = d.kind === 'param' ? (d.secure ? UNKNOWN : ctx.given.has(name) ? ctx.given.get(name)! : d.value ? evalBicep(d.value, ctx.scope) : d.nullable ? null : UNKNOWN) : evalBicep(d.value, ctx.scope);
          ctx.cache.set(name, v);
          return v;
        } finally {
          ctx.evaluating.delete(marker);
        }
      }
      if (ctx.resources.has(name)) {
        ctx.evaluating.add(marker);
        try {
          const insts = instancesOf(ctx, name);
          const refs = insts.map(resourceRef);
          const r = ctx.resources.get(name)!;
          const looped = r.decl.value.t === 'for';
          return looped ? (insts.length === 1 && insts[0]!.instancesNote ? UNKNOWN : refs) : (refs[0] ?? UNKNOWN);
        } finally {
          ctx.evaluating.delete(marker);
        }
      }
      return undefined;
    },
  };
  return ctx;
}

function nestedResources(v: BExpr): BResourceDecl[] {
  if (v.t === 'obj') return v.resources;
  if (v.t === 'if') return nestedResources(v.body);
  if (v.t === 'for') return nestedResources(v.body);
  return [];
}

/** What a resource symbol gives as a value: its name, type and apiVersion; the rest (`id`, `properties`) is known at deployment. */
function resourceRef(inst: Instance): Val {
  return { name: nameOf(inst), type: inst.type, apiVersion: inst.apiVersion ?? UNKNOWN, id: UNKNOWN, properties: UNKNOWN };
}

function nameOf(inst: Instance): Val {
  if (inst.name === undefined) {
    inst.name = UNKNOWN; // while evaluating (a name referring to itself)
    const p = inst.body.props.find((x) => x.key === 'name');
    inst.name = p ? evalBicep(p.value, inst.scope) : UNKNOWN;
  }
  return inst.name;
}

/** The resource's full ARM name: the parent's full name, `/`, its own (a name already holding `/` is full). */
function fullName(inst: Instance): Val {
  const own = nameOf(inst);
  const parent = inst.parent ?? parentFromBody(inst);
  if (!parent) return own;
  if (typeof own === 'string' && own.includes('/')) return own;
  const p = fullName(parent);
  return typeof p === 'string' && typeof own === 'string' ? `${p}/${own}` : UNKNOWN;
}

const parentCache = new WeakMap<Instance, Instance | null>();

/** `parent: sym` (or `parent: sym[i]`) in the body: the parent's instance, when static. */
function parentFromBody(inst: Instance): Instance | null {
  if (parentCache.has(inst)) return parentCache.get(inst)!;
  parentCache.set(inst, null);
  const p = inst.body.props.find((x) => x.key === 'parent');
  let out: Instance | null = null;
  if (p) {
    const ctx = contexts.get(inst.scope);
    let sym: string | null = null;
    let index: Val = 0;
    if (p.value.t === 'ident') sym = p.value.name;
    else if (p.value.t === 'idx' && p.value.obj.t === 'ident') {
      sym = p.value.obj.name;
      index = evalBicep(p.value.key, inst.scope);
    }
    if (ctx && sym && ctx.resources.has(sym) && typeof index === 'number') out = instancesOf(ctx, sym)[index] ?? null;
  }
  parentCache.set(inst, out);
  return out;
}

/** Which file context an instance's scope belongs to (for `parent:` lookups). */
const contexts = new WeakMap<BicepScope, FileContext>();

/** Expands one resource symbol into its instances (loops, conditions), parents first. */
function instancesOf(ctx: FileContext, sym: string): Instance[] {
  const have = ctx.instances.get(sym);
  if (have) return have;
  ctx.instances.set(sym, []); // a cycle gives no instance rather than recursing
  const r = ctx.resources.get(sym)!;
  const parents: Array<Instance | null> = r.parent ? instancesOf(ctx, r.parent) : [null];
  const out: Instance[] = [];
  for (const parent of parents) out.push(...expand(ctx, r.decl, parent, parent ? parent.scope : ctx.scope));
  ctx.instances.set(sym, out);
  return out;
}

function expand(ctx: FileContext, decl: BResourceDecl, parent: Instance | null, scope: BicepScope): Instance[] {
  const { type: rawType, apiVersion: ownVersion } = splitType(decl.type);
  const relative = parent !== null && !rawType.includes('/');
  const type = relative ? `${parent.type}/${rawType}` : rawType;
  const apiVersion = ownVersion ?? (relative ? parent.apiVersion : null);
  const base = parent ? `${parent.label}::${decl.name}` : decl.name;
  const make = (label: string, s: BicepScope, body: BExpr, condition: true | typeof UNKNOWN, note: string | null): Instance | null => {
    if (body.t !== 'obj') return null;
    contexts.set(s, ctx);
    return { decl, label, scope: s, body, type, apiVersion, condition, instancesNote: note, parent };
  };
  const guarded = (label: string, s: BicepScope, body: BExpr, note: string | null): Instance[] => {
    if (body.t === 'if') {
      const c = evalBicep(body.cond, s);
      if (c === false || (c !== UNKNOWN && c !== true)) return []; // statically false: not deployed
      const i = make(label, s, body.body, c === true ? true : UNKNOWN, note);
      return i ? [i] : [];
    }
    const i = make(label, s, body, true, note);
    return i ? [i] : [];
  };
  const v = decl.value;
  if (v.t !== 'for') return guarded(base, scope, v, null);
  const items = loopItems(evalBicep(v.iter, scope));
  if (items === UNKNOWN) {
    const s = withLocals(scope, v.index === null ? { [v.item]: UNKNOWN } : { [v.item]: UNKNOWN, [v.index]: UNKNOWN });
    return guarded(base, s, v.body, 'for loop over a value not known statically: one resource stands for every instance');
  }
  const out: Instance[] = [];
  items.slice(0, MAX_LOOP).forEach((item, i) => {
    const s = withLocals(scope, v.index === null ? { [v.item]: item } : { [v.item]: item, [v.index]: i });
    out.push(...guarded(`${base}[${i}]`, s, v.body, null));
  });
  return out;
}

// ------------------------------------------------------------------ parameters files

function paramsFromBicepparam(text: string): Map<string, Val> {
  const decls = parseBicep(text);
  const ctx = makeContext('', decls, new Map());
  const out = new Map<string, Val>();
  for (const d of decls) if (d.kind === 'param' && d.value) out.set(d.name, evalBicep(d.value, ctx.scope));
  return out;
}

function paramsFromArmJson(text: string): Map<string, Val> {
  const out = new Map<string, Val>();
  const doc = JSON.parse(text) as unknown;
  const params = isObj(doc) && isObj(doc.parameters) ? doc.parameters : {};
  for (const [k, p] of Object.entries(params)) {
    // `reference` (a Key Vault secret) is known at deployment only.
    out.set(k, isObj(p) && Object.hasOwn(p, 'value') ? (p.value as Val) : UNKNOWN);
  }
  return out;
}

/** The parameters file that goes with `file` among `sources`: `<base>.bicepparam`, the one `.bicepparam` whose `using` names it, or `<base>.parameters.json`. */
function findParameters(file: string, sources: ReadonlyMap<string, string>): { name: string; values: Map<string, Val> } | null {
  const norm = posix.normalize(file.replace(/\\/g, '/'));
  const dir = posix.dirname(norm);
  const base = norm.replace(/\.bicep$/i, '');
  const candidates: string[] = [];
  for (const [name, text] of sources) {
    const n = posix.normalize(name.replace(/\\/g, '/'));
    if (!isBicepParamName(n) || posix.dirname(n) !== dir) continue;
    if (n.replace(/\.bicepparam$/i, '') === base) return { name, values: paramsFromBicepparam(text) };
    const using = /^\s*using\s+'([^']+)'/m.exec(text);
    if (using && posix.normalize(posix.join(dir, using[1]!)) === norm) candidates.push(name);
  }
  if (candidates.length === 1) return { name: candidates[0]!, values: paramsFromBicepparam(sources.get(candidates[0]!)!) };
  for (const [name, text] of sources) {
    if (posix.normalize(name.replace(/\\/g, '/')) === `${base}.parameters.json`) return { name, values: paramsFromArmJson(text) };
  }
  return null;
}

// ------------------------------------------------------------------ resources

interface Emit {
  items: IacItem[];
  seen: Map<string, number>;
  sources: ReadonlyMap<string, string>;
}

function emitFile(ctx: FileContext, out: Emit, prefix: string, at: { line: number; module: Obj } | null, stack: string[]): void {
  const done = new Set<string>();
  const visit = (key: string): void => {
    if (done.has(key)) return;
    done.add(key);
    const r = ctx.resources.get(key)!;
    for (const inst of instancesOf(ctx, key)) {
      if (!r.decl.existing) emitResource(inst, out, prefix, at);
    }
    for (const child of nestedResources(r.decl.value)) visit(`${key}::${child.name}`);
  };
  for (const d of ctx.decls) {
    if (d.kind === 'resource') visit(d.name);
    else if (d.kind === 'module') emitModule(ctx, d, out, prefix, at, stack);
  }
}

function emitResource(inst: Instance, out: Emit, prefix: string, at: { line: number; module: Obj } | null): void {
  const unknown: string[] = [];
  const body: Record<string, Val> = { type: inst.type, apiVersion: inst.apiVersion ?? UNKNOWN };
  for (const p of inst.body.props) {
    if (BODY_LEFT_OUT.has(p.key)) continue;
    if (p.key === '...') {
      // a spread into the body: its keys when known, else the body's other settings stand alone and the spread is listed unknown
      const v = evalBicep(p.value, inst.scope);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(body, v);
      else body['...'] = UNKNOWN;
      continue;
    }
    body[p.key] = p.key === 'name' ? nameOf(inst) : evalBicep(p.value, inst.scope);
  }
  const configuration = (stripUnknown(body, '', unknown) ?? {}) as Obj;
  const full = fullName(inst);
  const name = typeof full === 'string' ? full : inst.label;
  const unmapped: Obj = { symbol: inst.label };
  if (unknown.length) unmapped.unknown = unknown.sort();
  if (inst.condition === UNKNOWN) unmapped.condition = 'not known statically';
  if (inst.instancesNote) unmapped.instances = inst.instancesNote;
  if (at) unmapped.module = at.module;
  let id = `${prefix}${inst.type}/${name}`;
  const n = out.seen.get(id) ?? 0;
  out.seen.set(id, n + 1);
  if (n > 0) id = `${id}#${n + 1}`;
  out.items.push({
    kind: 'resource',
    resource: {
      id,
      type: inst.type,
      name,
      configuration,
      tags: iacTags(isObj(configuration.tags) ? configuration.tags : undefined),
      relationships: [],
      line: at ? at.line : inst.decl.line,
      unmapped,
      raw: { symbol: inst.label, declaration: `resource ${inst.decl.name} '${inst.decl.type}'${inst.decl.existing ? ' existing' : ''}`, ...configuration },
    },
  });
}

function emitModule(ctx: FileContext, d: Extract<BDecl, { kind: 'module' }>, out: Emit, prefix: string, at: { line: number; module: Obj } | null, stack: string[]): void {
  const line = at ? at.line : d.line;
  const dir = posix.dirname(ctx.file.replace(/\\/g, '/'));
  const target = posix.normalize(posix.join(dir, d.path));
  const registry = /^(br|ts)[:/]/i.test(d.path);
  const src = registry ? undefined : [...out.sources.keys()].find((k) => posix.normalize(k.replace(/\\/g, '/')) === target);
  // The instances of the module (loops and conditions as for resources).
  const instances = expand(ctx, { kind: 'resource', name: d.name, type: 'Microsoft.Resources/deployments', existing: false, value: d.value, line: d.line }, null, ctx.scope);
  const why = registry
    ? `registry module ${d.path} not followed (not fetched)`
    : !isBicepName(d.path)
      ? `module ${d.path} is not a .bicep file: not followed`
      : src === undefined
        ? `module file ${target} not among the files read: not followed`
        : stack.includes(target) || stack.length >= MAX_MODULE_DEPTH
          ? `module ${d.path} not followed: a cycle or deeper than ${MAX_MODULE_DEPTH} modules`
          : null;
  for (const inst of instances) {
    const moduleNote: Obj = { symbol: `${prefix}module.${inst.label}`, path: d.path };
    if (why !== null) {
      moduleNote.followed = false;
      moduleNote.reason = why;
      emitResource(inst, out, prefix, { line, module: moduleNote });
      continue;
    }
    const paramsProp = inst.body.props.find((p) => p.key === 'params');
    const params = paramsProp ? evalBicep(paramsProp.value, inst.scope) : {};
    const given = new Map<string, Val>();
    if (params !== null && typeof params === 'object' && !Array.isArray(params)) for (const [k, v] of Object.entries(params)) given.set(k, v);
    let decls: BDecl[];
    try {
      decls = parseBicep(out.sources.get(src!)!);
    } catch (err) {
      moduleNote.followed = false;
      moduleNote.reason = `module ${d.path} could not be parsed: ${err instanceof Error ? err.message : String(err)}`;
      emitResource(inst, out, prefix, { line, module: moduleNote });
      continue;
    }
    const sub = makeContext(src!, decls, given);
    if (params === UNKNOWN) for (const p of decls) if (p.kind === 'param') given.set(p.name, UNKNOWN);
    if (inst.condition === UNKNOWN) moduleNote.condition = 'not known statically';
    if (inst.instancesNote) moduleNote.instances = inst.instancesNote;
    moduleNote.file = src!;
    emitFile(sub, out, `${prefix}module.${inst.label}/`, { line, module: moduleNote }, [...stack, target]);
  }
}

/**
 * Reads a `.bicep` file. Throws BicepError when it does not parse (the whole file is refused, as
 * `az deployment` / `bicep build` would refuse it).
 */
export function readBicep(file: string, text: string, opts: BicepReadOptions = {}): IacItem[] {
  const decls = parseBicep(text);
  const sources = opts.sources ?? new Map<string, string>();
  let given = new Map<string, Val>();
  let paramsFile: string | null = null;
  try {
    const found = findParameters(file, sources);
    if (found) {
      given = found.values;
      paramsFile = found.name;
    }
  } catch (err) {
    throw new BicepParametersError(`its parameters file cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ctx = makeContext(file, decls, given);
  const out: Emit = { items: [], seen: new Map(), sources };
  emitFile(ctx, out, '', null, [posix.normalize(file.replace(/\\/g, '/'))]);
  if (paramsFile !== null) {
    for (const item of out.items) if (item.kind === 'resource') item.resource.unmapped.parameters_file = paramsFile;
  }
  return out.items;
}

/** A `.bicepparam` file gives no resource; this only checks that it parses (throws BicepError). */
export function checkBicepParams(text: string): void {
  parseBicep(text);
}


/**
 * The Bicep-related files among a set of inputs (`.bicep`, `.bicepparam`, `*.parameters.json`),
 * by name: the `bicepSources` option of parseConfigFile, so modules are followed and parameters
 * files merged. Empty when there is no Bicep file.
 */
export function bicepSourcesOf(files: ReadonlyArray<{ name: string; bytes: Buffer }>): Map<string, string> {
  if (!files.some((f) => isBicepName(f.name))) return new Map();
  return new Map(files.filter((f) => isBicepName(f.name) || isBicepParamName(f.name) || /\.parameters\.json$/i.test(f.name)).map((f) => [f.name, f.bytes.toString('utf8')] as const));
}
