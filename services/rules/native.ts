import type { parse } from '@bufbuild/cel';
import type { ApiActivity } from '../core/events.ts';
import { cachedRe2 } from './env.ts';
import {
  compileGlob,
  igetPath,
  inCidr,
  isPrivateIp,
  isPublicIp,
  k8sContainers,
  k8sExecCommand,
  k8sPodSpec,
  k8sRef,
  k8sRequest,
  k8sSystemActor,
  network,
  pgetPath,
  str,
  values,
  azureAccepted,
  azureRequest,
  azureRequestStarted,
  azureResponse,
} from './helpers.ts';

/**
 * Native evaluation of the simple parts of an activity rule's CEL expressions, straight on the
 * plain event: field paths, literals, `&&` `||` `!`, comparisons, `in` a list, the string
 * methods and most helpers. The CEL evaluator converts every value it touches; a rule's condition
 * usually fails on its first cheap test (`event.status_id == 1`), which this answers without it.
 *
 * Each expression compiles to a function giving its value or UNKNOWN. UNKNOWN means "ask CEL":
 * a construct this file does not evaluate (comprehensions, `raw`, `toJson` …), or a case where CEL
 * could give an error (a missing field, a function applied to a value of the wrong type). A
 * definite value is always the value CEL gives (checked rule by rule on every bundled test event,
 * `native.test.ts`), so the outcome of a rule never depends on which evaluator answered.
 *
 * `&&` and `||` are evaluated cheapest operand first: CEL's logical operators are commutative
 * (an error on one side is absorbed by `false` / `true` on the other, @bufbuild/cel EvalAnd/EvalOr),
 * so `a && b` is false as soon as either side is false, whatever the other side would give. Reading
 * `event.unmapped` (a JSON parse per event) and regular expressions come last.
 */

type Expr = ReturnType<typeof parse>['expr'];

/** The value of an expression natively evaluated could not be decided: evaluate with CEL. */
export const UNKNOWN: unique symbol = Symbol('UNKNOWN');

/** What native evaluation reads: the event, with `unmapped` parsed once on first use. */
export interface NativeInput {
  readonly activity: ApiActivity;
  /** `unmapped` parsed, as the CEL view has it (`{}` when absent or not an object). */
  unmapped(): Record<string, unknown>;
  /** The event with `unmapped` parsed, for the helpers that take `event`. */
  parsedEvent(): Record<string, unknown>;
}

/** A compiled expression: its value (plain JSON-like data) or UNKNOWN. */
export type NativeFn = (input: NativeInput) => unknown;

interface Compiled {
  fn: NativeFn;
  /** 0 reads normalized fields, 1 parses addresses or runs a regex, 2 reads `unmapped`. */
  cost: number;
  /** The expression is the `event` variable itself. */
  root?: boolean;
}

const U = UNKNOWN;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A scalar CEL compares by value: string, number, boolean or null. */
function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** CEL equality of two scalars: numbers across int/double, other types only with their own type. */
function scalarEquals(a: string | number | boolean | null, b: string | number | boolean | null): boolean {
  return a === b;
}

function constOf(e: Expr): { value: unknown } | null {
  if (e.exprKind.case !== 'constExpr') return null;
  const k = e.exprKind.value.constantKind;
  switch (k.case) {
    case 'stringValue':
    case 'boolValue':
      return { value: k.value };
    case 'nullValue':
      return { value: null };
    case 'int64Value': {
      const n = Number(k.value);
      return Number.isSafeInteger(n) ? { value: n } : null;
    }
    case 'doubleValue':
      return { value: k.value };
    default:
      return null;
  }
}

/** Flattens nested calls of one logical operator: a && (b && c) -> [a, b, c]. */
function flatten(e: Expr, fn: string, out: Expr[]): Expr[] {
  if (e.exprKind.case === 'callExpr' && e.exprKind.value.function === fn && !e.exprKind.value.target && e.exprKind.value.args.length === 2) {
    for (const a of e.exprKind.value.args) flatten(a, fn, out);
  } else out.push(e);
  return out;
}

function logical(e: Expr, isAnd: boolean): Compiled | null {
  const parts = flatten(e, isAnd ? '_&&_' : '_||_', []).map((x) => compile(x));
  const known = parts.filter((p): p is Compiled => p !== null).sort((a, b) => a.cost - b.cost);
  if (known.length === 0) return null;
  // An operand this file cannot evaluate keeps the result UNKNOWN unless another one decides it.
  const partial = known.length < parts.length;
  const fns = known.map((p) => p.fn);
  const decisive = !isAnd;
  const fn: NativeFn = (input) => {
    let unknown = partial;
    for (let i = 0; i < fns.length; i++) {
      const v = fns[i]!(input);
      if (v === decisive) return decisive;
      if (v !== !decisive) unknown = true;
    }
    return unknown ? U : !decisive;
  };
  return { fn, cost: Math.max(...known.map((p) => p.cost)) };
}

/** Lower-cases A-Z only, as the CEL strings extension's lowerAscii. */
function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function upperAscii(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** A list of literals (strings, numbers, booleans, null), or null. */
function literalList(e: Expr): unknown[] | null {
  if (e.exprKind.case !== 'listExpr') return null;
  const out: unknown[] = [];
  for (const el of e.exprKind.value.elements) {
    const c = constOf(el);
    if (c === null) return null;
    out.push(c.value);
  }
  return out;
}

/** The helpers that take the event: they read the event with `unmapped` parsed, as CEL gives it to them. */
const EVENT_HELPERS: Record<string, (event: unknown) => unknown> = {
  k8sRequest,
  k8sPodSpec,
  k8sContainers,
  k8sSystemActor,
  k8sExecCommand,
  azureRequest,
  azureResponse,
  azureRequestStarted,
  azureAccepted,
};

/** Helpers of the event that only read normalized fields (no `unmapped`): they get the event as it is. */
const CHEAP_EVENT_HELPERS = new Set(['k8sSystemActor']);

/** helpers.ts getPath on plain data (objects, arrays, scalars): null when a step is missing. */
function getPlain(obj: unknown, segs: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const seg of segs) {
    if (Array.isArray(cur)) cur = /^\d+$/.test(seg) ? cur[Number(seg)] : undefined;
    else if (cur !== null && typeof cur === 'object') cur = Object.hasOwn(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
    else cur = undefined;
    if (cur === undefined || cur === null) return null;
  }
  return cur;
}

function compileCall(e: Expr): Compiled | null {
  if (e.exprKind.case !== 'callExpr') return null;
  const call = e.exprKind.value;
  const fn = call.function;
  const args = call.args;

  if (fn === '_&&_' || fn === '_||_') return args.length === 2 ? logical(e, fn === '_&&_') : null;

  if (call.target) {
    const t = compile(call.target);
    if (!t || t.root) return null;
    if (args.length === 0 && (fn === 'lowerAscii' || fn === 'upperAscii')) {
      const f = fn === 'lowerAscii' ? lowerAscii : upperAscii;
      const tf = t.fn;
      return { fn: (i) => { const s = tf(i); return typeof s === 'string' ? f(s) : U; }, cost: t.cost };
    }
    if (args.length !== 1) return null;
    const a = compile(args[0]!);
    if (!a || a.root) return null;
    const tf = t.fn;
    const af = a.fn;
    const cost = Math.max(t.cost, a.cost);
    const strings = (op: (s: string, x: string) => boolean): NativeFn => (i) => {
      const s = tf(i);
      if (typeof s !== 'string') return U;
      const x = af(i);
      return typeof x === 'string' ? op(s, x) : U;
    };
    switch (fn) {
      case 'startsWith':
        return { fn: strings((s, x) => s.startsWith(x)), cost };
      case 'endsWith':
        return { fn: strings((s, x) => s.endsWith(x)), cost };
      case 'contains':
        return { fn: strings((s, x) => s.includes(x)), cost };
      case 'matches':
        return { fn: strings((s, x) => cachedRe2.compile(x).test(s)), cost: Math.max(cost, 1) };
      default:
        return null;
    }
  }

  switch (fn) {
    case '!_': {
      const a = args[0] ? compile(args[0]) : null;
      if (!a || a.root) return null;
      const af = a.fn;
      return { fn: (i) => { const v = af(i); return typeof v === 'boolean' ? !v : U; }, cost: a.cost };
    }
    case '_==_':
    case '_!=_': {
      const [a, b] = args.map((x) => compile(x));
      if (!a || !b || a.root || b.root) return null;
      const af = a.fn;
      const bf = b.fn;
      const neg = fn === '_!=_';
      return {
        fn: (i) => {
          const x = af(i);
          if (!isScalar(x)) return U;
          const y = bf(i);
          if (!isScalar(y)) return U;
          return scalarEquals(x, y) !== neg;
        },
        cost: Math.max(a.cost, b.cost),
      };
    }
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_': {
      const [a, b] = args.map((x) => compile(x));
      if (!a || !b || a.root || b.root) return null;
      const af = a.fn;
      const bf = b.fn;
      const cmp = fn === '_<_' ? (x: number, y: number) => x < y : fn === '_<=_' ? (x: number, y: number) => x <= y : fn === '_>_' ? (x: number, y: number) => x > y : (x: number, y: number) => x >= y;
      return {
        fn: (i) => {
          const x = af(i);
          const y = bf(i);
          return typeof x === 'number' && typeof y === 'number' && !Number.isNaN(x) && !Number.isNaN(y) ? cmp(x, y) : U;
        },
        cost: Math.max(a.cost, b.cost),
      };
    }
    case '@in': {
      const a = args[0] ? compile(args[0]) : null;
      if (!a || a.root || !args[1]) return null;
      const af = a.fn;
      const list = literalList(args[1]);
      if (list !== null) {
        if (!list.every(isScalar)) return null;
        const set = new Set(list);
        return { fn: (i) => { const x = af(i); return isScalar(x) ? set.has(x) : U; }, cost: a.cost };
      }
      // `x in values(...)`: a list value; its maps and lists never equal a scalar (CEL equals gives false).
      const l = compile(args[1]);
      if (!l || l.root) return null;
      const lf = l.fn;
      return {
        fn: (i) => {
          const x = af(i);
          if (!isScalar(x)) return U;
          const xs = lf(i);
          if (!Array.isArray(xs)) return U;
          for (const el of xs) if (isScalar(el) && scalarEquals(x, el)) return true;
          return false;
        },
        cost: Math.max(a.cost, l.cost),
      };
    }
    case '_+_': {
      const [a, b] = args.map((x) => compile(x));
      if (!a || !b || a.root || b.root) return null;
      const af = a.fn;
      const bf = b.fn;
      return { fn: (i) => { const x = af(i); const y = bf(i); return typeof x === 'string' && typeof y === 'string' ? x + y : U; }, cost: Math.max(a.cost, b.cost) };
    }
    case '_?_:_': {
      const [c, t, f] = args.map((x) => compile(x));
      if (!c || !t || !f || c.root || t.root || f.root) return null;
      const cf = c.fn;
      const tf = t.fn;
      const ff = f.fn;
      return { fn: (i) => { const v = cf(i); return v === true ? tf(i) : v === false ? ff(i) : U; }, cost: Math.max(c.cost, t.cost, f.cost) };
    }
    default:
      return compileHelper(fn, args);
  }
}

function compileHelper(fn: string, args: readonly Expr[]): Compiled | null {
  const eventHelper = EVENT_HELPERS[fn];
  if (eventHelper && args.length === 1) {
    const a = compile(args[0]!);
    if (!a || !a.root) return null;
    if (CHEAP_EVENT_HELPERS.has(fn)) return { fn: (i) => eventHelper(i.activity), cost: 0 };
    return { fn: (i) => eventHelper(i.parsedEvent()), cost: 2 };
  }
  if (fn === 'k8sRef' && args.length === 2) {
    const a = compile(args[0]!);
    const part = constOf(args[1]!);
    if (!a || !a.root || part === null) return null;
    const p = part.value;
    // `namespace` may fall back to the request body; the other parts read normalized fields only.
    if (p === 'namespace') return { fn: (i) => k8sRef(i.parsedEvent(), p), cost: 2 };
    return { fn: (i) => k8sRef(i.activity, p), cost: 0 };
  }
  const compiled = args.map((x) => compile(x));
  if (compiled.some((c) => c === null || c.root)) return null;
  const cs = compiled as Compiled[];
  const fns = cs.map((c) => c.fn);
  const cost = Math.max(0, ...cs.map((c) => c.cost));
  const [f0, f1, f2] = fns;
  switch (`${fn}/${args.length}`) {
    case 'str/1':
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? str(v) : U; }, cost };
    case 'lower/1':
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? str(v).toLowerCase() : U; }, cost };
    case 'size/1':
      return { fn: (i) => { const v = f0!(i); return Array.isArray(v) ? v.length : typeof v === 'string' ? [...v].length : U; }, cost };
    case 'values/1':
      return { fn: (i) => { const v = f0!(i); return v === U ? U : values(v); }, cost };
    case 'get/2':
    case 'get/3': {
      const path = constOf(args[1]!)?.value ?? literalList(args[1]!);
      if (typeof path !== 'string' && !(Array.isArray(path) && path.every((s) => typeof s === 'string'))) return null;
      const segs: string[] = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : (path as string[]);
      if (args.length === 2) return { fn: (i) => { const o = f0!(i); return o === U ? U : getPlain(o, segs); }, cost };
      return {
        fn: (i) => {
          const o = f0!(i);
          if (o === U) return U;
          const v = getPlain(o, segs);
          if (v !== null) return v;
          return f2!(i);
        },
        cost,
      };
    }
    case 'iget/2':
    case 'iget/3':
    case 'pget/2':
    case 'pget/3': {
      // get with names matched ignoring case (iget) or as protobuf field names (pget): the helpers' own lookups.
      // A dotted path only (a list path goes to CEL, whose list the helpers read).
      const path = constOf(args[1]!)?.value;
      if (typeof path !== 'string') return null;
      const lookup = fn === 'iget' ? igetPath : pgetPath;
      if (args.length === 2) return { fn: (i) => { const o = f0!(i); return o === U ? U : lookup(o, path); }, cost: Math.max(cost, 1) };
      return {
        fn: (i) => {
          const o = f0!(i);
          if (o === U) return U;
          const v = lookup(o, path);
          return v !== null ? v : f2!(i);
        },
        cost: Math.max(cost, 1),
      };
    }
    case 'isPublicIp/1':
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? isPublicIp(v) : U; }, cost: Math.max(cost, 1) };
    case 'network/1':
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? network(v) : U; }, cost: Math.max(cost, 1) };
    case 'isPrivateIp/1':
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? isPrivateIp(v) : U; }, cost: Math.max(cost, 1) };
    case 'inCidr/2': {
      const cidrs = constOf(args[1]!)?.value ?? literalList(args[1]!);
      if (typeof cidrs !== 'string' && !(Array.isArray(cidrs) && cidrs.every((s) => typeof s === 'string'))) return null;
      return { fn: (i) => { const v = f0!(i); return isScalar(v) ? inCidr(v, cidrs) : U; }, cost: Math.max(cost, 1) };
    }
    case 'containsAny/2': {
      const list = literalList(args[1]!);
      if (list === null) return null;
      const needles = list.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
      return {
        fn: (i) => {
          const s = f0!(i);
          if (s === U) return U;
          if (s === null || typeof s === 'object') return false;
          const text = str(s).toLowerCase();
          return needles.some((x) => text.includes(x));
        },
        cost,
      };
    }
    case 'glob/2':
      return { fn: (i) => { const s = f0!(i); const p = f1!(i); return s === U || p === U ? U : typeof s === 'string' && typeof p === 'string' && compileGlob(p, false).test(s); }, cost };
    case 'iglob/2':
      return { fn: (i) => { const s = f0!(i); const p = f1!(i); return s === U || p === U ? U : typeof p === 'string' && s !== null && typeof s !== 'object' && compileGlob(p, true).test(str(s)); }, cost };
    default:
      return null;
  }
}

/** Compiles one expression; null when this file does not evaluate it (CEL will). */
function compile(e: Expr): Compiled | null {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr': {
      const c = constOf(e);
      if (c === null) return null;
      const v = c.value;
      return { fn: () => v, cost: 0 };
    }
    case 'identExpr':
      return k.value.name === 'event' ? { fn: (i) => i.activity, cost: 0, root: true } : null;
    case 'selectExpr': {
      const sel = k.value;
      if (!sel.operand) return null;
      const base = compile(sel.operand);
      if (!base) return null;
      const field = sel.field;
      if (base.root) {
        // `event.unmapped` is the parsed object; every other field is the event's own.
        if (field === 'unmapped') return sel.testOnly ? { fn: () => true, cost: 0 } : { fn: (i) => i.unmapped(), cost: 2 };
        if (sel.testOnly) return { fn: (i) => Object.hasOwn(i.activity, field), cost: 0 };
        return {
          fn: (i) => {
            const ev = i.activity as unknown as Record<string, unknown>;
            if (!Object.hasOwn(ev, field)) return U;
            const v = ev[field];
            return v === undefined ? null : v;
          },
          cost: 0,
        };
      }
      const bf = base.fn;
      if (sel.testOnly) return { fn: (i) => { const o = bf(i); return isPlainObject(o) ? Object.hasOwn(o, field) : U; }, cost: base.cost };
      return {
        fn: (i) => {
          const o = bf(i);
          if (!isPlainObject(o) || !Object.hasOwn(o, field)) return U;
          const v = o[field];
          return v === undefined ? null : v;
        },
        cost: base.cost,
      };
    }
    case 'callExpr':
      return compileCall(e);
    case 'listExpr': {
      // A list of literals (the argument of get, inCidr, containsAny); other lists are CEL's.
      const list = literalList(e);
      return list === null ? null : { fn: () => list, cost: 0 };
    }
    default:
      return null;
  }
}

/**
 * The native form of a condition or key expression, or null when no part of it can be evaluated
 * natively. A condition's function gives true, false or UNKNOWN; a key's its value or UNKNOWN.
 */
export function compileNative(expr: Expr): NativeFn | null {
  const c = compile(expr);
  return c === null || c.root ? null : c.fn;
}
