/**
 * Azure Resource Manager templates (JSON, `$schema` …/deploymentTemplate.json#, also the
 * subscription / management-group / tenant forms) -> one IacResource per resource, child
 * resources (`resources` inside a resource) included with their full type
 * (`Microsoft.Sql/servers/firewallRules`) and name (`server/rule`). `languageVersion` 2.0
 * templates (resources keyed by symbolic name) are read too.
 *
 * Template expressions (`"[…]"` strings; `"[[…"` is a literal) are evaluated where static:
 * `parameters('x')` (its defaultValue), `variables('y')`, and pure functions (concat, format,
 * toLower, toUpper, if, equals, not, and, or, bool, int, string, json, createArray, createObject,
 * empty, contains, length, coalesce, union). Anything else (`resourceGroup()`, `reference()`,
 * `resourceId()`, `uniqueString()`, parameters without a default) is unknown: left out of the
 * configuration and listed in `unmapped.unknown`. configuration = the resource object (type,
 * apiVersion, name, location, kind, sku, properties, tags, …) without its child resources. Pure.
 */
import { isObj, typeName, type Obj } from '../aws_config/config-state.ts';
import { stripUnknown, UNKNOWN, type Val } from './hcl-eval.ts';
import type { NodePath, Positions } from './positions.ts';
import { iacTags, type IacItem } from './resource.ts';

const TEMPLATE_SCHEMA = /\/(subscription|managementGroup|tenant)?deploymentTemplate\.json/i;
const PARAMETERS_SCHEMA = /\/deploymentParameters\.json/i;

/** An ARM template: its `$schema` says so, or contentVersion + resources of `Microsoft.*` types. */
export function isArmTemplate(doc: unknown): doc is Obj {
  if (!isObj(doc)) return false;
  if (typeof doc.$schema === 'string' && TEMPLATE_SCHEMA.test(doc.$schema)) return true;
  const res = doc.resources;
  const list = Array.isArray(res) ? res : isObj(res) ? Object.values(res) : [];
  return typeof doc.contentVersion === 'string' && list.length > 0 && list.every((r) => isObj(r) && typeof r.type === 'string' && /^Microsoft\.[A-Za-z]+\//.test(r.type));
}

/** An ARM parameters file (deploymentParameters.json): values for a template, no resource. */
export function isArmParameters(doc: unknown): boolean {
  return isObj(doc) && typeof doc.$schema === 'string' && PARAMETERS_SCHEMA.test(doc.$schema);
}

// ------------------------------------------------------------------ expressions

type ArmExpr =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'call'; name: string; args: ArmExpr[] }
  | { t: 'prop'; obj: ArmExpr; name: string }
  | { t: 'idx'; obj: ArmExpr; key: ArmExpr };

class ArmSyntax extends Error {}

function parseArmExpression(src: string): ArmExpr {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const expr = (depth: number): ArmExpr => {
    if (depth > 64) throw new ArmSyntax('nested too deep');
    ws();
    let e: ArmExpr;
    const c = src[i];
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ArmSyntax('unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      e = { t: 'str', v };
    } else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      i += m[0].length;
      e = { t: 'num', v: Number(m[0]) };
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
      if (!m) throw new ArmSyntax(`unexpected ${JSON.stringify(src.slice(i, i + 10))}`);
      i += m[0].length;
      ws();
      if (src[i] !== '(') throw new ArmSyntax(`expected ( after ${m[0]}`);
      i++;
      const args: ArmExpr[] = [];
      ws();
      while (src[i] !== ')') {
        args.push(expr(depth + 1));
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== ')') throw new ArmSyntax('expected , or )');
        ws();
      }
      i++;
      e = { t: 'call', name: m[0].toLowerCase(), args };
    }
    for (;;) {
      ws();
      if (src[i] === '.') {
        i++;
        const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
        if (!m) throw new ArmSyntax('expected a property name');
        i += m[0].length;
        e = { t: 'prop', obj: e, name: m[0] };
      } else if (src[i] === '[') {
        i++;
        const key = expr(depth + 1);
        ws();
        if (src[i] !== ']') throw new ArmSyntax('expected ]');
        i++;
        e = { t: 'idx', obj: e, key };
      } else return e;
    }
  };
  const e = expr(0);
  ws();
  if (i !== src.length) throw new ArmSyntax(`unexpected ${JSON.stringify(src.slice(i, i + 10))}`);
  return e;
}

interface ArmContext {
  params: Obj;
  vars: Obj;
  evaluating: Set<string>;
}

function known(v: Val): boolean {
  if (v === UNKNOWN) return false;
  if (Array.isArray(v)) return v.every(known);
  if (v !== null && typeof v === 'object') return Object.values(v).every(known);
  return true;
}

function str(v: Val): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function evalArm(e: ArmExpr, ctx: ArmContext): Val {
  switch (e.t) {
    case 'str':
    case 'num':
      return e.v;
    case 'prop':
    case 'idx': {
      const o = evalArm(e.obj, ctx);
      const k = e.t === 'prop' ? e.name : evalArm(e.key, ctx);
      if (o === UNKNOWN || k === UNKNOWN) return UNKNOWN;
      if (Array.isArray(o) && typeof k === 'number') return o[k] ?? UNKNOWN;
      if (isObj(o) && typeof k === 'string') {
        const key = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
        return key === undefined ? UNKNOWN : (o as Record<string, Val>)[key]!;
      }
      return UNKNOWN;
    }
    case 'call': {
      const name = e.name;
      if (name === 'parameters' || name === 'variables') {
        const n = e.args[0] ? evalArm(e.args[0], ctx) : UNKNOWN;
        if (typeof n !== 'string') return UNKNOWN;
        const table = name === 'parameters' ? ctx.params : ctx.vars;
        const key = Object.keys(table).find((x) => x.toLowerCase() === n.toLowerCase());
        if (key === undefined) return UNKNOWN;
        const marker = `${name}:${key}`;
        if (ctx.evaluating.has(marker)) return UNKNOWN;
        ctx.evaluating.add(marker);
        try {
          if (name === 'parameters') {
            const p = table[key];
            return isObj(p) && Object.hasOwn(p, 'defaultValue') ? resolveValue(p.defaultValue, ctx) : UNKNOWN;
          }
          return resolveValue(table[key], ctx);
        } finally {
          ctx.evaluating.delete(marker);
        }
      }
      const args = e.args.map((a) => evalArm(a, ctx));
      if (name === 'if') {
        const c = args[0];
        if (c === UNKNOWN || c === undefined) return UNKNOWN;
        return (c === true || c === 'true' ? args[1] : args[2]) ?? UNKNOWN;
      }
      if (name === 'coalesce') {
        for (const a of args) {
          if (a === UNKNOWN) return UNKNOWN;
          if (a !== null) return a;
        }
        return null;
      }
      if (!args.every(known)) return UNKNOWN;
      const a = args as Array<Exclude<Val, typeof UNKNOWN>>;
      switch (name) {
        case 'concat':
          return a.every(Array.isArray) ? (a as Val[][]).flat() : a.map(str).join('');
        case 'format':
          return str(a[0] ?? '').replace(/\{(\d+)(:[^}]*)?\}/g, (_m, n: string) => str(a[Number(n) + 1] ?? ''));
        case 'tolower':
          return str(a[0] ?? '').toLowerCase();
        case 'toupper':
          return str(a[0] ?? '').toUpperCase();
        case 'equals':
          return JSON.stringify(a[0]) === JSON.stringify(a[1]);
        case 'not':
          return !(a[0] === true || a[0] === 'true');
        case 'and':
          return a.every((x) => x === true || x === 'true');
        case 'or':
          return a.some((x) => x === true || x === 'true');
        case 'true':
          return true;
        case 'false':
          return false;
        case 'null':
          return null;
        case 'bool':
          return a[0] === true || (typeof a[0] === 'string' && a[0].toLowerCase() === 'true') || a[0] === 1;
        case 'int':
          return Math.trunc(Number(a[0]));
        case 'string':
          return str(a[0] ?? '');
        case 'json':
          try {
            return JSON.parse(str(a[0] ?? '')) as Val;
          } catch {
            return UNKNOWN;
          }
        case 'createarray':
          return a;
        case 'createobject': {
          const o: Record<string, Val> = {};
          for (let k = 0; k + 1 < a.length; k += 2) o[str(a[k]!)] = a[k + 1]!;
          return o;
        }
        case 'empty':
          return a[0] === null || a[0] === '' || (Array.isArray(a[0]) && a[0].length === 0) || (isObj(a[0]) && Object.keys(a[0]).length === 0);
        case 'contains':
          return Array.isArray(a[0]) ? a[0].some((x) => JSON.stringify(x) === JSON.stringify(a[1])) : isObj(a[0]) ? Object.hasOwn(a[0], str(a[1]!)) : str(a[0] ?? '').includes(str(a[1] ?? ''));
        case 'length':
          return Array.isArray(a[0]) ? a[0].length : isObj(a[0]) ? Object.keys(a[0]).length : str(a[0] ?? '').length;
        case 'union':
          return a.every(Array.isArray) ? [...new Set((a as Val[][]).flat().map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as Val) : Object.assign({}, ...a.filter(isObj));
        default:
          return UNKNOWN;
      }
    }
  }
}

/** A JSON value with its template expressions evaluated (UNKNOWN where not static). */
function resolveValue(v: unknown, ctx: ArmContext, depth = 0): Val {
  if (depth > 64) return UNKNOWN;
  if (typeof v === 'string') {
    if (v.startsWith('[[')) return v.slice(1);
    if (v.startsWith('[') && v.endsWith(']')) {
      try {
        return evalArm(parseArmExpression(v.slice(1, -1)), ctx);
      } catch {
        return UNKNOWN;
      }
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, ctx, depth + 1));
  if (isObj(v)) {
    const out: Record<string, Val> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveValue(x, ctx, depth + 1);
    return out;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return UNKNOWN;
}

// ------------------------------------------------------------------ resources

export function readArm(doc: Obj, pos: Positions, basePath: NodePath = []): IacItem[] {
  const items: IacItem[] = [];
  const ctx: ArmContext = { params: isObj(doc.parameters) ? doc.parameters : {}, vars: isObj(doc.variables) ? doc.variables : {}, evaluating: new Set() };
  const seen = new Map<string, number>();

  const visit = (r: unknown, path: NodePath, parent: { type: string; name: string } | null, label: string, depth: number): void => {
    const line = pos.lineOf(path);
    const problem = (reason: string): void => {
      items.push({ kind: 'problem', problem: { reason: `${label}: ${reason}`, line, raw: r } });
    };
    if (depth > 16) return problem('child resources nested deeper than 16');
    if (!isObj(r)) return problem(`must be an object, got ${typeName(r)}`);
    if (typeof r.type !== 'string' || r.type === '') return problem(r.type === undefined ? 'type is missing' : `type must be a non-empty string, got ${typeName(r.type)}`);
    if (r.properties !== undefined && r.properties !== null && !isObj(r.properties) && !(typeof r.properties === 'string' && r.properties.startsWith('['))) {
      return problem(`properties must be an object, got ${typeName(r.properties)}`);
    }
    const type = parent && !r.type.includes('/') ? `${parent.type}/${r.type}` : r.type;
    const nameVal = resolveValue(r.name, ctx);
    const ownName = typeof nameVal === 'string' ? nameVal : typeof r.name === 'string' ? r.name : label;
    const name = parent && !ownName.includes('/') ? `${parent.name}/${ownName}` : ownName;
    const { resources: children, ...rest } = r;
    const condition = resolveValue(r.condition, ctx);
    const unknown: string[] = [];
    const configuration = (stripUnknown(resolveValue(rest, ctx), '', unknown) ?? {}) as Obj;
    if (condition !== false) {
      const unmapped: Obj = {};
      if (unknown.length) unmapped.unknown = unknown.sort();
      if (isObj(r.copy)) unmapped.copy = 'copy loop not expanded: one resource stands for every copy';
      if (r.condition !== undefined) unmapped.condition = condition === UNKNOWN ? 'not known statically' : condition;
      let id = `${type}/${name}`;
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      if (n > 0) id = `${id}#${n + 1}`;
      items.push({
        kind: 'resource',
        resource: {
          id,
          type,
          name,
          configuration,
          tags: iacTags(isObj(configuration.tags) ? configuration.tags : undefined),
          relationships: [],
          line,
          unmapped,
          raw: rest,
        },
      });
    }
    if (Array.isArray(children)) children.forEach((c: unknown, i: number) => visit(c, [...path, 'resources', i], { type, name }, `${label}.resources[${i}]`, depth + 1));
    else if (children !== undefined) problem(`resources must be an array, got ${typeName(children)}`);
  };

  const res = doc.resources;
  if (Array.isArray(res)) res.forEach((r: unknown, i: number) => visit(r, [...basePath, 'resources', i], null, `resources[${i}]`, 0));
  else if (isObj(res)) for (const [sym, r] of Object.entries(res)) visit(r, [...basePath, 'resources', sym], null, `resources.${sym}`, 0);
  else if (res !== undefined) items.push({ kind: 'problem', problem: { reason: `resources must be an array or an object, got ${typeName(res)}`, line: pos.lineOf(basePath), raw: res } });
  return items;
}

export const _armPrivate = { parseArmExpression, resolveValue };
