/**
 * Static evaluation of HCL expressions for Terraform source: literals, templates, operators,
 * conditionals, `for` expressions, splats, `var.*` (defaults and tfvars), `local.*`, `count.index`,
 * `each.key` / `each.value`, dynamic-block iterators and a set of pure Terraform functions
 * (jsonencode, merge, concat, lookup, format, …). Whatever depends on something only known at
 * apply time (resource attributes, data sources, `path.*`, variables without a default, `file()`,
 * functions not listed) is UNKNOWN, and UNKNOWN propagates: nothing is guessed. Pure.
 */
import type { Expr } from './hcl.ts';

/** A value Terraform only knows at plan/apply time. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Val = string | number | boolean | null | Val[] | { [k: string]: Val } | typeof UNKNOWN;
type ObjVal = { [k: string]: Val };

/** A reference that cannot exist (a missing attribute of a known object): `try()` moves on, elsewhere UNKNOWN. */
class EvalMiss extends Error {}

export interface Scope {
  /** Named roots: var, local, each, count, iterator names. A root not here is UNKNOWN (resources, data, path, module). */
  lookup(name: string): Val | undefined;
}

export function isKnown(v: Val): boolean {
  if (v === UNKNOWN) return false;
  if (Array.isArray(v)) return v.every(isKnown);
  if (v !== null && typeof v === 'object') return Object.values(v).every(isKnown);
  return true;
}

function isObjVal(v: Val): v is ObjVal {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toStr(v: Val): string | typeof UNKNOWN {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return '';
  throw new EvalMiss('not a string');
}

function toNum(v: Val): number | typeof UNKNOWN {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.trim())) return Number(v);
  throw new EvalMiss('not a number');
}

function toBool(v: Val): boolean | typeof UNKNOWN {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new EvalMiss('not a bool');
}

function equal(a: Val, b: Val): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** JSON of a fully known value (object keys sorted, as Terraform's jsonencode writes them). */
function jsonEncode(v: Val): string {
  const sort = (x: Val): unknown => (Array.isArray(x) ? x.map(sort) : isObjVal(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort(x[k]!)])) : x);
  return JSON.stringify(sort(v));
}

function fromJson(x: unknown): Val {
  if (Array.isArray(x)) return x.map(fromJson);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fromJson(v)]));
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || x === null) return x;
  return null;
}

function format(spec: string, args: Val[]): string {
  let n = 0;
  return spec.replace(/%(%|[-+ #0]*\d*(?:\.\d+)?[sdvqtfbeEgGxXo])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const a = args[n++];
    if (a === undefined) throw new EvalMiss('too few arguments to format');
    const kind = verb.slice(-1);
    const flags = /^[-+ #0]*/.exec(verb)![0];
    const width = Number(/^[-+ #0]*(\d*)/.exec(verb)![1] || 0);
    const pad = (t: string): string => (flags.includes('-') ? t.padEnd(width) : t.padStart(width, flags.includes('0') && kind !== 's' ? '0' : ' '));
    if (kind === 'd') return pad(String(Math.trunc(toNum(a) as number)));
    if (kind === 's') return pad(toStr(a) as string);
    if (kind === 'q') return JSON.stringify(toStr(a));
    if (kind === 'v' && typeof a !== 'string') return jsonEncode(a);
    if (kind === 'f') {
      const p = /\.(\d+)/.exec(verb);
      return (toNum(a) as number).toFixed(p ? Number(p[1]) : 6);
    }
    return toStr(a) as string;
  });
}

type Fn = (args: Val[]) => Val;

const FUNCTIONS: Record<string, Fn> = {
  jsonencode: ([v]) => jsonEncode(v!),
  jsondecode: ([v]) => fromJson(JSON.parse(toStr(v!) as string)),
  tostring: ([v]) => (v === null ? null : (toStr(v!) as string)),
  tonumber: ([v]) => (v === null ? null : (toNum(v!) as number)),
  tobool: ([v]) => (v === null ? null : (toBool(v!) as boolean)),
  tolist: ([v]) => (Array.isArray(v) ? v : miss('tolist needs a list or set')),
  toset: ([v]) => (Array.isArray(v) ? dedupe(v) : miss('toset needs a list')),
  tomap: ([v]) => (isObjVal(v!) ? v : miss('tomap needs an object')),
  concat: (args) => args.flatMap((a) => (Array.isArray(a) ? a : miss('concat needs lists'))),
  merge: (args) => Object.assign({}, ...args.filter((a) => a !== null).map((a) => (isObjVal(a) ? a : miss('merge needs maps')))) as ObjVal,
  lookup: ([m, k, d]) => {
    if (!isObjVal(m!)) return miss('lookup needs a map');
    const key = toStr(k!) as string;
    if (Object.hasOwn(m, key)) return m[key]!;
    return d === undefined ? miss(`no key ${key}`) : d;
  },
  length: ([v]) => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : isObjVal(v!) ? Object.keys(v).length : miss('length of a scalar')),
  format: ([spec, ...rest]) => format(toStr(spec!) as string, rest),
  join: ([sep, ...lists]) => lists.flatMap((l) => (Array.isArray(l) ? l : miss('join needs lists'))).map((x) => toStr(x) as string).join(toStr(sep!) as string),
  split: ([sep, s]) => (toStr(s!) as string).split(toStr(sep!) as string),
  lower: ([s]) => (toStr(s!) as string).toLowerCase(),
  upper: ([s]) => (toStr(s!) as string).toUpperCase(),
  title: ([s]) => (toStr(s!) as string).replace(/\b\w/g, (c) => c.toUpperCase()),
  trimspace: ([s]) => (toStr(s!) as string).trim(),
  trimprefix: ([s, p]) => {
    const t = toStr(s!) as string;
    const q = toStr(p!) as string;
    return t.startsWith(q) ? t.slice(q.length) : t;
  },
  trimsuffix: ([s, p]) => {
    const t = toStr(s!) as string;
    const q = toStr(p!) as string;
    return q && t.endsWith(q) ? t.slice(0, -q.length) : t;
  },
  replace: ([s, a, b]) => {
    const from = toStr(a!) as string;
    if (from.length > 1 && from.startsWith('/') && from.endsWith('/')) return miss('regex replace is not evaluated');
    return (toStr(s!) as string).split(from).join(toStr(b!) as string);
  },
  substr: ([s, o, l]) => {
    const chars = [...(toStr(s!) as string)];
    const off = toNum(o!) as number;
    const len = toNum(l!) as number;
    return chars.slice(off, len < 0 ? undefined : off + len).join('');
  },
  contains: ([l, v]) => (Array.isArray(l) ? l.some((x) => equal(x, v!)) : miss('contains needs a list')),
  element: ([l, i]) => (Array.isArray(l) && l.length > 0 ? l[(toNum(i!) as number) % l.length]! : miss('element of an empty list')),
  index: ([l, v]) => (Array.isArray(l) ? l.findIndex((x) => equal(x, v!)) : miss('index needs a list')),
  flatten: ([l]) => {
    const out: Val[] = [];
    const walk = (x: Val): void => (Array.isArray(x) ? x.forEach(walk) : void out.push(x));
    if (!Array.isArray(l)) return miss('flatten needs a list');
    walk(l);
    return out;
  },
  keys: ([m]) => (isObjVal(m!) ? Object.keys(m).sort() : miss('keys needs a map')),
  values: ([m]) => (isObjVal(m!) ? Object.keys(m).sort().map((k) => m[k]!) : miss('values needs a map')),
  zipmap: ([k, v]) => (Array.isArray(k) && Array.isArray(v) ? Object.fromEntries(k.map((x, i) => [toStr(x) as string, v[i] ?? null])) : miss('zipmap needs lists')),
  distinct: ([l]) => (Array.isArray(l) ? dedupe(l) : miss('distinct needs a list')),
  compact: ([l]) => (Array.isArray(l) ? l.filter((x) => x !== null && x !== '') : miss('compact needs a list')),
  range: (args) => {
    const n = args.map((a) => toNum(a) as number);
    const [start, end, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? (n[1]! >= n[0]! ? 1 : -1)];
    const out: number[] = [];
    if (step === 0) return miss('range step 0');
    for (let x = start; step > 0 ? x < end : x > end; x += step) {
      out.push(x);
      if (out.length > 1024) return miss('range too long');
    }
    return out;
  },
  min: (args) => Math.min(...args.map((a) => toNum(a) as number)),
  max: (args) => Math.max(...args.map((a) => toNum(a) as number)),
  abs: ([a]) => Math.abs(toNum(a!) as number),
  ceil: ([a]) => Math.ceil(toNum(a!) as number),
  floor: ([a]) => Math.floor(toNum(a!) as number),
  coalescelist: (args) => args.find((a) => Array.isArray(a) && a.length > 0) ?? miss('no non-empty list'),
  slice: ([l, a, b]) => (Array.isArray(l) ? l.slice(toNum(a!) as number, toNum(b!) as number) : miss('slice needs a list')),
  reverse: ([l]) => (Array.isArray(l) ? [...l].reverse() : miss('reverse needs a list')),
  sort: ([l]) => (Array.isArray(l) ? l.map((x) => toStr(x) as string).sort() : miss('sort needs a list')),
  startswith: ([s, p]) => (toStr(s!) as string).startsWith(toStr(p!) as string),
  endswith: ([s, p]) => (toStr(s!) as string).endsWith(toStr(p!) as string),
  base64encode: ([s]) => Buffer.from(toStr(s!) as string, 'utf8').toString('base64'),
  one: ([l]) => (Array.isArray(l) ? (l.length === 0 ? null : l.length === 1 ? l[0]! : miss('one() of several')) : miss('one needs a list')),
  alltrue: ([l]) => (Array.isArray(l) ? l.every((x) => toBool(x) === true) : miss('alltrue needs a list')),
  anytrue: ([l]) => (Array.isArray(l) ? l.some((x) => toBool(x) === true) : miss('anytrue needs a list')),
};

/** What Terraform prints for a value known only after apply; written for unknown parts inside jsonencode(). */
export const UNKNOWN_TEXT = '(known after apply)';

function markUnknown(v: Val): Val {
  if (v === UNKNOWN) return UNKNOWN_TEXT;
  if (Array.isArray(v)) return v.map(markUnknown);
  if (isObjVal(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, markUnknown(x)]));
  return v;
}

function miss(why: string): never {
  throw new EvalMiss(why);
}

function dedupe(l: Val[]): Val[] {
  const seen = new Set<string>();
  return l.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Evaluates an expression; UNKNOWN for anything not statically known. Never throws. */
export function evaluate(e: Expr, scope: Scope): Val {
  try {
    return ev(e, scope, null, 0);
  } catch (err) {
    if (err instanceof EvalMiss || err instanceof SyntaxError || err instanceof RangeError || err instanceof TypeError) return UNKNOWN;
    throw err;
  }
}

function ev(e: Expr, scope: Scope, item: Val | null, depth: number): Val {
  if (depth > 200) return UNKNOWN;
  const d = depth + 1;
  switch (e.t) {
    case 'lit':
      return e.value;
    case 'splat_item':
      return item ?? UNKNOWN;
    case 'tmpl': {
      if (e.directive) return UNKNOWN;
      // A template that is exactly one interpolation keeps the value's type ("${var.list}").
      if (e.parts.length === 1 && typeof e.parts[0] !== 'string') return ev(e.parts[0]!, scope, item, d);
      let out = '';
      for (const p of e.parts) {
        if (typeof p === 'string') out += p;
        else {
          const s = toStr(ev(p, scope, item, d));
          if (s === UNKNOWN) return UNKNOWN;
          out += s;
        }
      }
      return out;
    }
    case 'var': {
      const v = scope.lookup(e.name);
      return v === undefined ? UNKNOWN : v;
    }
    case 'tuple':
      return e.items.map((x) => ev(x, scope, item, d));
    case 'object': {
      const out: ObjVal = {};
      for (const it of e.items) {
        const k = toStr(ev(it.key, scope, item, d));
        if (k === UNKNOWN) return UNKNOWN;
        out[k] = ev(it.value, scope, item, d);
      }
      return out;
    }
    case 'attr': {
      const o = ev(e.obj, scope, item, d);
      if (o === UNKNOWN) return UNKNOWN;
      if (isObjVal(o)) return Object.hasOwn(o, e.name) ? o[e.name]! : miss(`no attribute ${e.name}`);
      return miss(`attribute ${e.name} of a non-object`);
    }
    case 'index': {
      const o = ev(e.obj, scope, item, d);
      const k = ev(e.key, scope, item, d);
      if (o === UNKNOWN || k === UNKNOWN) return UNKNOWN;
      if (Array.isArray(o)) {
        const i = toNum(k) as number;
        return i >= 0 && i < o.length ? o[i]! : miss('index out of range');
      }
      if (isObjVal(o)) {
        const key = toStr(k) as string;
        return Object.hasOwn(o, key) ? o[key]! : miss(`no key ${key}`);
      }
      return miss('index of a scalar');
    }
    case 'splat': {
      const o = ev(e.obj, scope, item, d);
      if (o === UNKNOWN) return UNKNOWN;
      const list = Array.isArray(o) ? o : o === null ? [] : [o];
      return list.map((x) => ev(e.each, scope, x, d));
    }
    case 'unary': {
      const v = ev(e.expr, scope, item, d);
      if (v === UNKNOWN) return UNKNOWN;
      if (e.op === '!') return !(toBool(v) as boolean);
      return -(toNum(v) as number);
    }
    case 'binary': {
      const l = ev(e.left, scope, item, d);
      // Short-circuit on a known side, as Terraform's && and || do.
      if (e.op === '&&' && l !== UNKNOWN && toBool(l) === false) return false;
      if (e.op === '||' && l !== UNKNOWN && toBool(l) === true) return true;
      const r = ev(e.right, scope, item, d);
      if (e.op === '&&' && r !== UNKNOWN && toBool(r) === false) return false;
      if (e.op === '||' && r !== UNKNOWN && toBool(r) === true) return true;
      if (!isKnown(l) || !isKnown(r)) return UNKNOWN;
      switch (e.op) {
        case '&&':
        case '||':
          return toBool(r) as boolean;
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case '<':
          return (toNum(l) as number) < (toNum(r) as number);
        case '>':
          return (toNum(l) as number) > (toNum(r) as number);
        case '<=':
          return (toNum(l) as number) <= (toNum(r) as number);
        case '>=':
          return (toNum(l) as number) >= (toNum(r) as number);
        case '+':
          return (toNum(l) as number) + (toNum(r) as number);
        case '-':
          return (toNum(l) as number) - (toNum(r) as number);
        case '*':
          return (toNum(l) as number) * (toNum(r) as number);
        case '/':
          return (toNum(l) as number) / (toNum(r) as number);
        case '%':
          return (toNum(l) as number) % (toNum(r) as number);
      }
      return UNKNOWN;
    }
    case 'cond': {
      const c = ev(e.cond, scope, item, d);
      if (c === UNKNOWN) return UNKNOWN;
      return toBool(c) ? ev(e.then, scope, item, d) : ev(e.else, scope, item, d);
    }
    case 'for': {
      const coll = ev(e.coll, scope, item, d);
      if (coll === UNKNOWN) return UNKNOWN;
      const entries: Array<[Val, Val]> = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : isObjVal(coll) ? Object.keys(coll).sort().map((k) => [k, coll[k]!]) : miss('for over a scalar');
      const outList: Val[] = [];
      const outObj: ObjVal = {};
      for (const [k, v] of entries) {
        const inner: Scope = {
          lookup: (name) => (name === e.valVar ? v : e.keyVar !== null && name === e.keyVar ? k : scope.lookup(name)),
        };
        if (e.cond) {
          const c = ev(e.cond, inner, item, d);
          if (c === UNKNOWN) return UNKNOWN;
          if (!toBool(c)) continue;
        }
        const value = ev(e.valExpr, inner, item, d);
        if (e.object) {
          const key = toStr(ev(e.keyExpr!, inner, item, d));
          if (key === UNKNOWN) return UNKNOWN;
          if (e.group) outObj[key] = [...((outObj[key] as Val[] | undefined) ?? []), value];
          else outObj[key] = value;
        } else outList.push(value);
      }
      return e.object ? outObj : outList;
    }
    case 'call': {
      const name = e.name.includes('::') ? e.name.slice(e.name.lastIndexOf('::') + 2) : e.name;
      if (name === 'try' || name === 'can') {
        for (const a of e.args) {
          try {
            const v = ev(a, scope, item, d);
            if (name === 'can') return v === UNKNOWN ? UNKNOWN : true;
            return v;
          } catch (err) {
            if (!(err instanceof EvalMiss)) throw err;
          }
        }
        return name === 'can' ? false : UNKNOWN;
      }
      let args = e.args.map((a) => ev(a, scope, item, d));
      if (e.expand) {
        const last = args[args.length - 1];
        if (last === UNKNOWN) return UNKNOWN;
        args = [...args.slice(0, -1), ...(Array.isArray(last) ? last : miss('... needs a list'))];
      }
      if (name === 'coalesce') {
        for (const a of args) {
          if (a === UNKNOWN) return UNKNOWN;
          if (a !== null && a !== '') return a;
        }
        return miss('coalesce: no value');
      }
      if (name === 'jsonencode' && args.length === 1 && args[0] !== UNKNOWN && !isKnown(args[0]!)) {
        // jsonencode({...}) of a partly known value (an ECS container definition with one
        // variable): the known parts are kept, each unknown one is written as Terraform prints it.
        return jsonEncode(markUnknown(args[0]!));
      }
      const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
      if (!fn || !args.every(isKnown)) return UNKNOWN;
      return fn(args);
    }
  }
}

/** A value with the UNKNOWN parts left out, and the dotted paths of what was left out. */
export function stripUnknown(v: Val, path: string, unknown: string[]): unknown {
  if (v === UNKNOWN) {
    unknown.push(path);
    return undefined;
  }
  if (Array.isArray(v)) {
    // A list with an unknown element (or an element that is an unknown list) is unknown as a whole:
    // its known part alone would be a guess. Objects in a list (blocks) keep their known attributes.
    if (v.some((x) => x === UNKNOWN || (Array.isArray(x) && !isKnown(x)))) {
      unknown.push(path);
      return undefined;
    }
    return v.map((x, i) => stripUnknown(x, `${path}.${i}`, unknown));
  }
  if (isObjVal(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const s = stripUnknown(x, path ? `${path}.${k}` : k, unknown);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v;
}
