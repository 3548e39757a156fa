/**
 * Terraform source (`.tf` native syntax and `.tf.json` JSON syntax) -> one IacResource per managed
 * resource instance, with the configuration in the shape `terraform show -json` gives `values`
 * (nested blocks as lists of objects, maps as objects), so the posture views and rules written for
 * plan JSON read it unchanged. Variables take their `default` (overridden by `terraform.tfvars` /
 * `*.auto.tfvars` given in the module context), locals are resolved, `count` / `for_each` expand
 * into instances (`aws_instance.web[0]`, `aws_s3_bucket.b["logs"]`) when statically known, and
 * `dynamic` blocks expand the same way. A value that depends on something only known at apply
 * time is left out of the configuration and its path listed in `unmapped.unknown`: never guessed.
 * Data sources, modules calls, providers and outputs are not resources. Pure.
 */
import { isObj, type Obj } from '../aws_config/config-state.ts';
import { HclError, parseHcl, parseHclTemplate, type Block, type Body, type Expr } from './hcl.ts';
import { evaluate, isKnown, stripUnknown, UNKNOWN, type Scope, type Val } from './hcl-eval.ts';
import type { NodePath, Positions } from './positions.ts';
import { iacTags, type IacItem } from './resource.ts';
import { linkCompanions, linksOf, type CompanionLinks, type ModuleResource } from './terraform-companions.ts';

/** Blocks of a resource that are Terraform meta-configuration, not the resource's own. */
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);
const META_ATTRS = new Set(['count', 'for_each', 'depends_on', 'provider']);
/** Instances made per resource at most (count = 100000 is not expanded). */
const MAX_INSTANCES = 256;
/** Attributes that are maps in the AWS/Azure providers (kept as objects in `.tf.json`; other objects there are blocks). */
const MAP_ATTRIBUTES = new Set(['tags', 'tags_all', 'labels', 'variables', 'app_settings', 'parameters', 'triggers', 'metadata', 'annotations', 'environment_variables', 'default_tags', 'resource_tags', 'node_labels', 'options', 'attributes', 'properties']);

export interface TerraformModuleContext {
  /** Values of `var.*`: defaults overridden by tfvars; UNKNOWN when neither gives one. */
  vars: Record<string, Val>;
  /** Values of `local.*` (UNKNOWN where not static). */
  locals: Record<string, Val>;
  /** Companion resources of the module linked to the resources they configure (terraform-companions.ts). */
  companions?: CompanionLinks;
}

export interface TerraformSourceFile {
  name: string;
  text: string;
}

/** Parses a `.tf` (native) or `.tf.json` (JSON syntax) text into a body; throws HclError or SyntaxError. */
export function parseTerraformSource(name: string, text: string): Body {
  if (/\.json$/i.test(name)) return jsonSyntaxBody(JSON.parse(text) as unknown, null).body;
  return parseHcl(text);
}

const emptyScope: Scope = { lookup: () => undefined };

/**
 * The module scope of a folder of Terraform files: every `variable` default and `locals` entry
 * of `files` (`.tf`, `.tf.json`), then the tfvars files in Terraform's order (terraform.tfvars,
 * terraform.tfvars.json, then *.auto.tfvars[.json] by name). Files that do not parse are ignored
 * here (each is reported when scanned itself).
 */
export function terraformModuleContext(files: readonly TerraformSourceFile[]): TerraformModuleContext {
  const bodies: Array<{ body: Body; json: boolean }> = [];
  const tfvars: Array<{ name: string; body: Body }> = [];
  for (const f of files) {
    try {
      if (/\.tfvars(\.json)?$/i.test(f.name)) {
        const body = /\.json$/i.test(f.name) ? jsonSyntaxBody({ locals: JSON.parse(f.text) as unknown }, null).body.blocks[0]?.body : parseHcl(f.text);
        if (body) tfvars.push({ name: f.name, body });
      } else bodies.push({ body: parseTerraformSource(f.name, f.text), json: /\.json$/i.test(f.name) });
    } catch {
      // reported when the file itself is read
    }
  }
  const base = (n: string): string => n.slice(n.replace(/\\/g, '/').lastIndexOf('/') + 1);
  const rank = (n: string): string => (base(n) === 'terraform.tfvars' ? '0' : base(n) === 'terraform.tfvars.json' ? '1' : /\.auto\.tfvars(\.json)?$/.test(n) ? `2${base(n)}` : '9');
  tfvars.sort((a, b) => rank(a.name).localeCompare(rank(b.name)));
  const vars: Record<string, Val> = {};
  const localExprs = new Map<string, Expr>();
  const resources: ModuleResource[] = [];
  for (const { body, json } of bodies) {
    for (const b of body.blocks) {
      if (b.type === 'resource' && b.labels.length === 2) resources.push({ type: b.labels[0]!, name: b.labels[1]!, block: b, json });
      else if (b.type === 'variable' && b.labels.length === 1) {
        const def = b.body.attributes.find((a) => a.name === 'default');
        vars[b.labels[0]!] = def ? evaluate(def.expr, emptyScope) : UNKNOWN;
      } else if (b.type === 'locals') for (const a of b.body.attributes) localExprs.set(a.name, a.expr);
    }
  }
  for (const { name, body } of tfvars) {
    if (rank(name) === '9') continue;
    for (const a of body.attributes) if (Object.hasOwn(vars, a.name)) vars[a.name] = evaluate(a.expr, emptyScope);
  }
  // Locals may refer to each other: evaluate until nothing changes (a cycle stays UNKNOWN).
  const locals: Record<string, Val> = {};
  for (const k of localExprs.keys()) locals[k] = UNKNOWN;
  const scope: Scope = { lookup: (n) => (n === 'var' ? vars : n === 'local' ? locals : undefined) };
  for (let pass = 0; pass < 16; pass++) {
    let changed = false;
    for (const [k, e] of localExprs) {
      const v = evaluate(e, scope);
      if (JSON.stringify(v) !== JSON.stringify(locals[k]) || (v === UNKNOWN) !== (locals[k] === UNKNOWN)) {
        locals[k] = v;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const companions = linkCompanions(resources, {
    instances: (body) => instancesOf(body, scope).map((inst) => ({ suffix: inst.suffix, scope: instanceScope(scope, inst) })),
    configuration: (body, s, json) => {
      const unknown: string[] = [];
      const c = stripUnknown(evalBody(body, s, '', unknown, true), '', unknown);
      return (json ? blocksAsLists(c) : c) as Obj;
    },
  });
  return { vars, locals, companions };
}

function instanceScope(base: Scope, inst: Instance): Scope {
  return {
    lookup: (n) => (n === 'each' && inst.each !== undefined ? inst.each : n === 'count' && inst.count !== undefined ? inst.count : n === 'self' ? undefined : base.lookup(n)),
  };
}

interface Instance {
  suffix: string;
  each: Val | undefined;
  count: Val | undefined;
  note: string | null;
}

function instancesOf(body: Body, scope: Scope): Instance[] {
  const count = body.attributes.find((a) => a.name === 'count');
  const forEach = body.attributes.find((a) => a.name === 'for_each');
  if (count) {
    const n = evaluate(count.expr, scope);
    if (typeof n !== 'number' || !Number.isFinite(n)) return [{ suffix: '', each: undefined, count: { index: UNKNOWN }, note: 'count is not known statically: one instance with count.index unknown' }];
    const k = Math.max(0, Math.floor(n));
    if (k > MAX_INSTANCES) return [{ suffix: '', each: undefined, count: { index: UNKNOWN }, note: `count ${k} is over ${MAX_INSTANCES}: one instance with count.index unknown` }];
    return Array.from({ length: k }, (_, i) => ({ suffix: `[${i}]`, each: undefined, count: { index: i }, note: null }));
  }
  if (forEach) {
    const v = evaluate(forEach.expr, scope);
    const entries: Array<[string, Val]> | null = Array.isArray(v) && v.every((x) => typeof x === 'string')
      ? (v as string[]).map((x) => [x, x])
      : v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.keys(v).sort().map((k) => [k, (v as Record<string, Val>)[k]!])
        : null;
    if (entries === null || entries.length > MAX_INSTANCES) return [{ suffix: '', each: { key: UNKNOWN, value: UNKNOWN }, count: undefined, note: 'for_each is not known statically: one instance with each.key/each.value unknown' }];
    return entries.map(([k, val]) => ({ suffix: `[${JSON.stringify(k)}]`, each: { key: k, value: val }, count: undefined, note: null }));
  }
  return [{ suffix: '', each: undefined, count: undefined, note: null }];
}

/** The configuration object of a body: attributes evaluated, blocks as lists, dynamic blocks expanded. */
function evalBody(body: Body, scope: Scope, path: string, unknown: string[], top: boolean): Record<string, Val> {
  const out: Record<string, Val> = {};
  for (const a of body.attributes) {
    if (top && META_ATTRS.has(a.name)) continue;
    out[a.name] = evaluate(a.expr, scope);
  }
  const push = (type: string, v: Record<string, Val>): void => {
    const cur = out[type];
    out[type] = Array.isArray(cur) ? [...cur, v] : [v];
  };
  for (const b of body.blocks) {
    if (top && META_BLOCKS.has(b.type)) continue;
    const at = path ? `${path}.${b.type}` : b.type;
    if (b.type === 'dynamic' && b.labels.length === 1) {
      const type = b.labels[0]!;
      const fe = b.body.attributes.find((a) => a.name === 'for_each');
      const itName = b.body.attributes.find((a) => a.name === 'iterator');
      const iterator = itName && itName.expr.t === 'var' ? itName.expr.name : type;
      const content = b.body.blocks.find((x) => x.type === 'content');
      const coll = fe ? evaluate(fe.expr, scope) : UNKNOWN;
      if (!content) continue;
      const entries: Array<[Val, Val]> | null = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : coll !== null && typeof coll === 'object' ? Object.keys(coll).sort().map((k) => [k, (coll as Record<string, Val>)[k]!]) : null;
      if (entries === null) {
        unknown.push(`${path ? `${path}.` : ''}${type} (dynamic block, for_each not known statically)`);
        if (out[type] === undefined) out[type] = [];
        continue;
      }
      for (const [k, v] of entries.slice(0, MAX_INSTANCES)) {
        const inner: Scope = { lookup: (n) => (n === iterator ? { key: k, value: v } : scope.lookup(n)) };
        push(type, evalBody(content.body, inner, `${path ? `${path}.` : ''}${type}`, unknown, false));
      }
      continue;
    }
    push(b.type, evalBody(b.body, scope, at, unknown, false));
  }
  return out;
}

/** In JSON syntax, objects are blocks unless the attribute is a known map: wrap them as plan JSON does. */
function blocksAsLists(v: unknown, depth = 0): unknown {
  if (!isObj(v) || depth > 32) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (isObj(x) && !MAP_ATTRIBUTES.has(k)) out[k] = [blocksAsLists(x, depth + 1)];
    else if (Array.isArray(x) && x.length > 0 && x.every(isObj) && !MAP_ATTRIBUTES.has(k)) out[k] = x.map((y) => blocksAsLists(y, depth + 1));
    else out[k] = x;
  }
  return out;
}

export interface TerraformSourceOptions {
  module?: TerraformModuleContext;
  /** Line numbers of a `.tf.json` document (from the YAML/JSON positions). */
  pos?: Positions;
}

/**
 * Reads one Terraform source file. Throws HclError / SyntaxError when it does not parse (the
 * caller rejects the whole file: a Terraform file with a syntax error is not applied either).
 */
export function readTerraformSource(name: string, text: string, opts: TerraformSourceOptions = {}): IacItem[] {
  const json = /\.json$/i.test(name);
  let body: Body;
  let jsonLines: Map<string, number> | null = null;
  if (json) {
    const parsed = jsonSyntaxBody(JSON.parse(text) as unknown, opts.pos ?? null);
    body = parsed.body;
    jsonLines = parsed.lines;
  } else body = parseHcl(text);
  const own = terraformModuleContext([{ name, text }]);
  const ctx = opts.module ?? own;
  const vars = { ...own.vars, ...ctx.vars };
  const locals = { ...own.locals, ...ctx.locals };
  // Companions are linked across the module's files when the module is given, else within this file.
  const links = opts.module?.companions ?? own.companions;
  const items: IacItem[] = [];
  for (const b of body.blocks) {
    if (b.type !== 'resource') continue;
    if (b.labels.length !== 2) {
      items.push({ kind: 'problem', problem: { reason: `resource block needs a type and a name label, got ${b.labels.length} label(s)`, line: b.line, raw: { labels: b.labels } } });
      continue;
    }
    const [type, rname] = b.labels as [string, string];
    const base: Scope = { lookup: (n) => (n === 'var' ? vars : n === 'local' ? locals : undefined) };
    const countOrEach = b.body.attributes.some((a) => a.name === 'count' || a.name === 'for_each');
    for (const inst of instancesOf(b.body, base)) {
      const scope = instanceScope(base, inst);
      const unknown: string[] = [];
      const value = evalBody(b.body, scope, '', unknown, true);
      let configuration = stripUnknown(value, '', unknown) as Obj;
      if (json) configuration = blocksAsLists(configuration) as Obj;
      const address = `${type}.${rname}${inst.suffix}`;
      const linked = links ? linksOf(links, type, `${type}.${rname}`, inst.suffix) : undefined;
      if (linked) configuration = { ...configuration, sluice_links: linked };
      const unmapped: Obj = { mode: 'managed', name: rname };
      const note = links?.notes.get(address);
      if (note) unmapped.link = note;
      if (unknown.length) unmapped.unknown = unknown.sort();
      if (inst.note) unmapped.instances = inst.note;
      else if (countOrEach) unmapped.index = inst.suffix.slice(1, -1);
      const tags = isObj(configuration.tags_all) ? configuration.tags_all : configuration.tags;
      items.push({
        kind: 'resource',
        resource: {
          id: address,
          type,
          name: address,
          configuration,
          tags: iacTags(isObj(tags) ? tags : undefined),
          relationships: [],
          line: jsonLines?.get(`${type}\u0000${rname}`) ?? (json ? null : b.line),
          unmapped,
          raw: { address, type, values: configuration },
        },
      });
    }
  }
  return items;
}

/** True for a `*.tf.json` document: only Terraform's top-level block types, with resources, data or modules. */
export function isTerraformJsonSyntax(doc: unknown): doc is Obj {
  if (!isObj(doc)) return false;
  const top = new Set(['resource', 'data', 'module', 'variable', 'locals', 'output', 'provider', 'terraform', 'moved', 'import', 'check', '//']);
  const keys = Object.keys(doc);
  return keys.length > 0 && keys.every((k) => top.has(k)) && (isObj(doc.resource) || isObj(doc.variable) || isObj(doc.terraform));
}

// ------------------------------------------------------------------ JSON syntax -> Body

function jsonExpr(v: unknown, line: number): Expr {
  if (typeof v === 'string') return v.includes('${') || v.includes('%{') ? parseHclTemplate(v) : { t: 'lit', value: v, line };
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return { t: 'lit', value: v, line };
  if (Array.isArray(v)) return { t: 'tuple', items: v.map((x) => jsonExpr(x, line)), line };
  if (isObj(v)) return { t: 'object', items: Object.entries(v).map(([k, x]) => ({ key: { t: 'lit', value: k, line }, value: jsonExpr(x, line) })), line };
  return { t: 'lit', value: null, line };
}

function jsonAttrsBody(v: unknown, line: number): Body {
  const body: Body = { attributes: [], blocks: [] };
  for (const o of Array.isArray(v) ? v : [v]) {
    if (!isObj(o)) continue;
    for (const [k, x] of Object.entries(o)) {
      if (k === '//') continue;
      if (k === 'dynamic' || k === 'lifecycle' || k === 'provisioner' || k === 'connection') continue;
      body.attributes.push({ name: k, expr: jsonExpr(x, line), line });
    }
  }
  return body;
}

/** A Terraform JSON-syntax document as a native body (resources, variables, locals), with resource lines. */
function jsonSyntaxBody(doc: unknown, pos: Positions | null): { body: Body; lines: Map<string, number> } {
  const body: Body = { attributes: [], blocks: [] };
  const lines = new Map<string, number>();
  if (!isObj(doc)) throw new SyntaxError('a Terraform JSON file must hold an object');
  const lineOf = (path: NodePath, key: string): number => pos?.keyLineOf(path, key) ?? 1;
  const push = (type: string, labels: string[], v: unknown, line: number): void => {
    for (const one of Array.isArray(v) ? v : [v]) body.blocks.push({ type, labels, body: jsonAttrsBody(one, line), line } satisfies Block);
  };
  if (isObj(doc.resource)) {
    for (const [type, byName] of Object.entries(doc.resource)) {
      if (!isObj(byName)) continue;
      for (const [name, v] of Object.entries(byName)) {
        const line = lineOf(['resource', type], name);
        lines.set(`${type}\u0000${name}`, line);
        push('resource', [type, name], v, line);
      }
    }
  }
  if (isObj(doc.variable)) for (const [name, v] of Object.entries(doc.variable)) push('variable', [name], v, lineOf(['variable'], name));
  if (doc.locals !== undefined) push('locals', [], doc.locals, 1);
  return { body, lines };
}

export { HclError };
export const _private = { isKnown };
