/**
 * Static evaluation of Bicep expressions: literals, string interpolation, objects, arrays,
 * `[for …]` over static arrays and `range()`, operators (`!`, `-`, `* / %`, `+ -`, comparisons,
 * `==` `!=` `=~` `!~`, `&&` `||` with short-circuit, `??`, `?:`), property and index access, and
 * pure functions (concat, format, toLower, toUpper, string, int, bool, json, empty, contains,
 * length, union, coalesce, first, last, replace, split, join, startsWith, endsWith, trim,
 * substring, take, skip, range, min, max, array, items, indexOf, lastIndexOf, any, map, filter).
 * Names resolve through a `BicepScope` (params, vars, resources, loop variables). Anything only
 * known at deployment (`resourceGroup()`, `subscription()`, `uniqueString()`, `guid()`,
 * `utcNow()`, `reference()`, `resourceId()`, `listKeys()`, a resource's `id` or `properties`,
 * module outputs, `loadTextContent()`, functions not listed) is UNKNOWN, and UNKNOWN propagates:
 * nothing is guessed. Pure.
 */
import { isKnown, UNKNOWN, type Val } from './hcl-eval.ts';
import type { BExpr } from './bicep-parse.ts';

export interface BicepScope {
  /** The value of a name (param, var, resource, loop variable); undefined when the name is not declared. */
  lookup(name: string): Val | undefined;
}

type ObjVal = { [k: string]: Val };
const isObjVal = (v: Val): v is ObjVal => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Bicep's string conversion (interpolation, string()): objects and arrays as JSON. */
function text(v: Val): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

function same(a: Val, b: Val): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const hasKey = (o: ObjVal, name: string): boolean => Object.keys(o).some((k) => k.toLowerCase() === name.toLowerCase());

/** Case-insensitive property lookup (ARM property names are case-insensitive). */
export function property(o: Val, name: string): Val {
  if (!isObjVal(o)) return UNKNOWN;
  if (Object.hasOwn(o, name)) return o[name]!;
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? UNKNOWN : o[key]!;
}

class Locals implements BicepScope {
  constructor(
    private readonly parent: BicepScope,
    private readonly vars: ReadonlyMap<string, Val>,
  ) {}
  lookup(name: string): Val | undefined {
    return this.vars.has(name) ? this.vars.get(name) : this.parent.lookup(name);
  }
}

/** A scope with loop or lambda variables on top of `parent`. */
export function withLocals(parent: BicepScope, vars: Record<string, Val>): BicepScope {
  return new Locals(parent, new Map(Object.entries(vars)));
}

/** The items a `for` iterates over: an array, or UNKNOWN. (`items(obj)` gives an array already.) */
export function loopItems(v: Val): Val[] | typeof UNKNOWN {
  if (Array.isArray(v)) return v;
  return UNKNOWN;
}

export function evalBicep(e: BExpr, scope: BicepScope, depth = 0): Val {
  if (depth > 128) return UNKNOWN;
  const ev = (x: BExpr, s: BicepScope = scope): Val => evalBicep(x, s, depth + 1);
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'tpl': {
      let out = '';
      for (const p of e.parts) {
        if (typeof p === 'string') out += p;
        else {
          const v = ev(p);
          if (!isKnown(v)) return UNKNOWN;
          out += text(v);
        }
      }
      return out;
    }
    case 'ident': {
      const v = scope.lookup(e.name);
      return v === undefined ? UNKNOWN : v;
    }
    case 'obj': {
      const o: ObjVal = {};
      for (const p of e.props) {
        if (p.key !== '...') o[p.key] = ev(p.value);
        else {
          // a spread whose keys are not known makes the whole object unknown: its keys would be a guess
          const v = ev(p.value);
          if (!isObjVal(v)) return UNKNOWN;
          Object.assign(o, v);
        }
      }
      return o;
    }
    case 'arr': {
      const out: Val[] = [];
      for (const x of e.items) {
        if (x.t !== 'spread') out.push(ev(x));
        else {
          const v = ev(x.e);
          if (!Array.isArray(v)) return UNKNOWN;
          out.push(...v);
        }
      }
      return out;
    }
    case 'spread':
      return UNKNOWN; // only meaningful inside an array
    case 'for': {
      const items = loopItems(ev(e.iter));
      if (items === UNKNOWN) return UNKNOWN;
      const out: Val[] = [];
      for (let i = 0; i < items.length; i++) {
        const s = withLocals(scope, e.index === null ? { [e.item]: items[i]! } : { [e.item]: items[i]!, [e.index]: i });
        if (e.body.t === 'if') {
          const c = ev(e.body.cond, s);
          if (c === UNKNOWN) return UNKNOWN;
          if (c !== true) continue;
          out.push(ev(e.body.body, s));
        } else out.push(ev(e.body, s));
      }
      return out;
    }
    case 'if': {
      const c = ev(e.cond);
      return c === true ? ev(e.body) : c === UNKNOWN ? UNKNOWN : null;
    }
    case 'prop': {
      if (e.name.startsWith('::')) {
        // parent::child: a nested resource symbol
        const path = nestedPath(e);
        const v = path === null ? undefined : scope.lookup(path);
        return v === undefined ? UNKNOWN : v;
      }
      const o = ev(e.obj);
      if (o === UNKNOWN) return UNKNOWN;
      // `.?`: null on a null object or a missing property (safe dereference)
      if (e.safe && (o === null || (isObjVal(o) && !hasKey(o, e.name)))) return null;
      return property(o, e.name);
    }
    case 'idx': {
      const o = ev(e.obj);
      const k = ev(e.key);
      if (o === UNKNOWN || k === UNKNOWN) return UNKNOWN;
      if (e.safe && o === null) return null;
      if (Array.isArray(o) && typeof k === 'number') return o[k] ?? (e.safe ? null : UNKNOWN);
      if (typeof k === 'string') {
        if (e.safe && isObjVal(o) && !hasKey(o, k)) return null;
        return property(o, k);
      }
      return UNKNOWN;
    }
    case 'un': {
      const v = ev(e.e);
      if (v === UNKNOWN) return UNKNOWN;
      if (e.op === '!') return typeof v === 'boolean' ? !v : UNKNOWN;
      return typeof v === 'number' ? -v : UNKNOWN;
    }
    case 'cond': {
      const c = ev(e.c);
      if (c === true) return ev(e.a);
      if (c === false) return ev(e.b);
      const a = ev(e.a);
      const b = ev(e.b);
      return isKnown(a) && same(a, b) ? a : UNKNOWN;
    }
    case 'bin':
      return binary(e.op, e.l, e.r, (x) => ev(x));
    case 'lambda':
      return UNKNOWN; // only meaningful as an argument of map/filter
    case 'call':
      return call(e, scope, depth);
  }
}

/** `a::b::c` as one symbol name, or null when the left side is not a symbol. */
function nestedPath(e: BExpr): string | null {
  if (e.t === 'ident') return e.name;
  if (e.t === 'prop' && e.name.startsWith('::')) {
    const left = nestedPath(e.obj);
    return left === null ? null : `${left}${e.name}`;
  }
  return null;
}

function binary(op: string, le: BExpr, re: BExpr, ev: (x: BExpr) => Val): Val {
  const l = ev(le);
  if (op === '&&' && l === false) return false;
  if (op === '||' && l === true) return true;
  if (op === '??') return l === UNKNOWN ? UNKNOWN : l !== null ? l : ev(re);
  const r = ev(re);
  if (op === '&&' || op === '||') {
    if (r === UNKNOWN || l === UNKNOWN) return op === '&&' && r === false ? false : op === '||' && r === true ? true : UNKNOWN;
    return typeof l === 'boolean' && typeof r === 'boolean' ? (op === '&&' ? l && r : l || r) : UNKNOWN;
  }
  if (!isKnown(l) || !isKnown(r)) return UNKNOWN;
  switch (op) {
    case '==':
      return same(l, r);
    case '!=':
      return !same(l, r);
    case '=~':
    case '!~': {
      const eq = typeof l === 'string' && typeof r === 'string' ? l.toLowerCase() === r.toLowerCase() : same(l, r);
      return op === '=~' ? eq : !eq;
    }
  }
  if (typeof l !== 'number' || typeof r !== 'number') return UNKNOWN;
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? UNKNOWN : Math.trunc(l / r);
    case '%':
      return r === 0 ? UNKNOWN : l % r;
    default:
      return UNKNOWN;
  }
}

type Known = Exclude<Val, typeof UNKNOWN>;

function call(e: Extract<BExpr, { t: 'call' }>, scope: BicepScope, depth: number): Val {
  // sys.f() and az.f() are the built-in namespaces; another namespace (an import, a resource's listKeys()) is not known.
  if (e.ns !== null && e.ns !== 'sys' && e.ns !== 'az') return UNKNOWN;
  const name = e.name.toLowerCase();
  const ev = (x: BExpr, s: BicepScope = scope): Val => evalBicep(x, s, depth + 1);
  if (name === 'map' || name === 'filter') {
    const list = e.args[0] ? ev(e.args[0]) : UNKNOWN;
    const fn = e.args[1];
    if (!Array.isArray(list) || !fn || fn.t !== 'lambda' || fn.params.length < 1) return UNKNOWN;
    const out: Val[] = [];
    for (let i = 0; i < list.length; i++) {
      const vars: Record<string, Val> = { [fn.params[0]!]: list[i]! };
      if (fn.params[1]) vars[fn.params[1]] = i;
      const v = ev(fn.body, withLocals(scope, vars));
      if (name === 'map') out.push(v);
      else if (v === UNKNOWN) return UNKNOWN;
      else if (v === true) out.push(list[i]!);
    }
    return out;
  }
  const args = e.args.map((a) => ev(a));
  if (name === 'coalesce') {
    for (const a of args) {
      if (a === UNKNOWN) return UNKNOWN;
      if (a !== null) return a;
    }
    return null;
  }
  if (name === 'any') return args[0] ?? UNKNOWN;
  if (!args.every(isKnown)) return UNKNOWN;
  const a = args as Known[];
  const s = (i: number): string | null => (typeof a[i] === 'string' ? (a[i] as string) : null);
  const n = (i: number): number | null => (typeof a[i] === 'number' ? (a[i] as number) : null);
  switch (name) {
    case 'concat':
      if (a.length > 0 && a.every(Array.isArray)) return (a as Val[][]).flat();
      return a.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') ? a.map(text).join('') : UNKNOWN;
    case 'format':
      return s(0) === null ? UNKNOWN : s(0)!.replace(/\{(\d+)(:[^}]*)?\}/g, (_m, i: string) => text(a[Number(i) + 1] ?? ''));
    case 'tolower':
      return s(0)?.toLowerCase() ?? UNKNOWN;
    case 'toupper':
      return s(0)?.toUpperCase() ?? UNKNOWN;
    case 'trim':
      return s(0)?.trim() ?? UNKNOWN;
    case 'string':
      return a[0] === undefined ? UNKNOWN : text(a[0]);
    case 'int': {
      const v = typeof a[0] === 'string' && /^-?\d+$/.test(a[0].trim()) ? Number(a[0]) : n(0);
      return v === null ? UNKNOWN : Math.trunc(v);
    }
    case 'bool':
      return typeof a[0] === 'boolean' ? a[0] : a[0] === 'true' || a[0] === 'false' ? a[0] === 'true' : typeof a[0] === 'number' ? a[0] !== 0 : UNKNOWN;
    case 'json':
      try {
        return s(0) === null ? UNKNOWN : (JSON.parse(s(0)!) as Val);
      } catch {
        return UNKNOWN;
      }
    case 'empty':
      return a[0] === null ? true : typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].length === 0 : isObjVal(a[0]!) ? Object.keys(a[0]).length === 0 : UNKNOWN;
    case 'length':
      return typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].length : isObjVal(a[0]!) ? Object.keys(a[0]).length : UNKNOWN;
    case 'contains': {
      const [c, x] = a;
      if (typeof c === 'string') return typeof x === 'string' || typeof x === 'number' ? c.toLowerCase().includes(String(x).toLowerCase()) : UNKNOWN;
      if (Array.isArray(c)) return c.some((y) => same(y, x!));
      if (isObjVal(c!)) return typeof x === 'string' && Object.keys(c).some((k) => k.toLowerCase() === x.toLowerCase());
      return UNKNOWN;
    }
    case 'union':
      if (a.every(Array.isArray)) return [...new Map<string, Val>((a as Val[][]).flat().map((x) => [JSON.stringify(x), x])).values()];
      if (a.every((x) => isObjVal(x))) return Object.assign({}, ...(a as ObjVal[])) as ObjVal;
      return UNKNOWN;
    case 'first':
      return typeof a[0] === 'string' ? (a[0][0] ?? '') : Array.isArray(a[0]) ? (a[0][0] ?? null) : UNKNOWN;
    case 'last':
      return typeof a[0] === 'string' ? (a[0].at(-1) ?? '') : Array.isArray(a[0]) ? (a[0].at(-1) ?? null) : UNKNOWN;
    case 'replace':
      return s(0) !== null && s(1) !== null && s(2) !== null ? s(0)!.split(s(1)!).join(s(2)!) : UNKNOWN;
    case 'split': {
      if (s(0) === null) return UNKNOWN;
      const seps = Array.isArray(a[1]) ? (a[1].filter((x) => typeof x === 'string') as string[]) : s(1) !== null ? [s(1)!] : null;
      if (!seps || seps.length === 0) return UNKNOWN;
      return s(0)!.split(new RegExp(seps.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
    }
    case 'join':
      return Array.isArray(a[0]) && s(1) !== null ? a[0].map(text).join(s(1)!) : UNKNOWN;
    case 'startswith':
      return s(0) !== null && s(1) !== null ? s(0)!.toLowerCase().startsWith(s(1)!.toLowerCase()) : UNKNOWN;
    case 'endswith':
      return s(0) !== null && s(1) !== null ? s(0)!.toLowerCase().endsWith(s(1)!.toLowerCase()) : UNKNOWN;
    case 'indexof':
      return s(0) !== null && s(1) !== null ? s(0)!.toLowerCase().indexOf(s(1)!.toLowerCase()) : Array.isArray(a[0]) ? a[0].findIndex((y) => same(y, a[1]!)) : UNKNOWN;
    case 'lastindexof':
      return s(0) !== null && s(1) !== null ? s(0)!.toLowerCase().lastIndexOf(s(1)!.toLowerCase()) : Array.isArray(a[0]) ? a[0].map((y) => same(y, a[1]!)).lastIndexOf(true) : UNKNOWN;
    case 'substring':
      return s(0) !== null && n(1) !== null ? s(0)!.substr(n(1)!, n(2) ?? undefined) : UNKNOWN;
    case 'take':
      return n(1) === null ? UNKNOWN : typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].slice(0, Math.max(0, n(1)!)) : UNKNOWN;
    case 'skip':
      return n(1) === null ? UNKNOWN : typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].slice(Math.max(0, n(1)!)) : UNKNOWN;
    case 'range': {
      const start = n(0);
      const count = n(1);
      if (start === null || count === null || count < 0 || count > 800) return UNKNOWN; // ARM allows at most 800 copies
      return Array.from({ length: count }, (_x, i) => start + i);
    }
    case 'min':
    case 'max': {
      const nums = (a.length === 1 && Array.isArray(a[0]) ? a[0] : a) as Val[];
      if (nums.length === 0 || !nums.every((x) => typeof x === 'number')) return UNKNOWN;
      return name === 'min' ? Math.min(...(nums as number[])) : Math.max(...(nums as number[]));
    }
    case 'array':
      return Array.isArray(a[0]) ? a[0] : a[0] === undefined ? UNKNOWN : [a[0]];
    case 'items':
      return isObjVal(a[0]!)
        ? Object.keys(a[0] as ObjVal)
            .sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase()))
            .map((k) => ({ key: k, value: (a[0] as ObjVal)[k]! }))
        : UNKNOWN;
    default:
      // resourceGroup(), subscription(), tenant(), deployment(), environment(), uniqueString(), guid(),
      // utcNow(), newGuid(), resourceId(), reference(), list*(), load*Content(), … : known at deployment only.
      return UNKNOWN;
  }
}
