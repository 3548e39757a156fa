import { parse } from '@bufbuild/cel';
import { CALL_SIGNATURES, INPUT_VARIABLES, type RuleInput } from './env.ts';
import { VARIABLE_SPECS, type FieldSpec } from './fields.ts';
import { isValidCidr } from './helpers.ts';
import { RE2JS } from '@bufbuild/re2';

type Parsed = ReturnType<typeof parse>;
type Expr = Parsed['expr'];

/** A parsed CEL expression with the positions of its nodes, for messages. */
export interface ParsedCondition {
  parsed: Parsed;
  text: string;
}

/** Parses CEL text; a syntax error is returned as a message (never thrown). */
export function parseCondition(text: string): ParsedCondition | { error: string } {
  try {
    return { parsed: parse(text), text };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { error: `CEL syntax error: ${msg.replace(/^<input>:/, 'at ')}` };
  }
}

const BOOL: FieldSpec = { kind: 'bool' };
const DYN: FieldSpec = { kind: 'dyn' };
const STRING: FieldSpec = { kind: 'string' };
const NUMBER: FieldSpec = { kind: 'number' };

const BOOL_CALLS = new Set([
  '_&&_', '_||_', '!_', '@in', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '@not_strictly_false',
  'contains', 'startsWith', 'endsWith', 'matches', 'inCidr', 'isPrivateIp', 'isPublicIp', 'glob', 'iglob',
  'containsAny', 'policyIsPublic', 'policyAllowsAll', 'k8sSystemActor', 'bool',
]);
const STRING_CALLS = new Set(['str', 'lower', 'network', 'toJson', 'k8sRef', 'k8sExecCommand', 'lowerAscii', 'upperAscii', 'trim', 'replace', 'substring', 'string', 'charAt', 'join', 'format']);
const NUMBER_CALLS = new Set(['size', 'int', 'double', 'uint', 'indexOf', 'lastIndexOf']);
const COMPARISONS = new Set(['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_']);

/**
 * Checks a parsed expression against the environment of its input: every variable is one the
 * input binds, every function exists with that many arguments, every field selected from `event`
 * exists in the normalized event, literals compared with a typed field have its type, CIDR
 * literals are valid, and (with `expectBool`) the whole expression is a boolean. Returns the
 * problems, empty when none.
 */
export function checkExpression(p: ParsedCondition, input: RuleInput, expectBool: boolean): string[] {
  const errors: string[] = [];
  const allowed = new Set(INPUT_VARIABLES[input]);
  const positions = (p.parsed.sourceInfo?.positions ?? {}) as Record<string, number>;
  const where = (e: Expr): string => {
    const off = positions[String(e.id)];
    if (off === undefined) return '';
    const before = p.text.slice(0, off);
    const line = before.split('\n').length;
    const col = off - before.lastIndexOf('\n');
    return ` (at ${line}:${col})`;
  };

  const walk = (e: Expr, scope: ReadonlyMap<string, FieldSpec>, path: string | null): { spec: FieldSpec; path: string | null } => {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr': {
        switch (k.value.constantKind.case) {
          case 'stringValue':
            return { spec: STRING, path: null };
          case 'boolValue':
            return { spec: BOOL, path: null };
          case 'nullValue':
            return { spec: { kind: 'dyn', nullable: true }, path: null };
          case 'int64Value':
          case 'uint64Value':
          case 'doubleValue':
            return { spec: NUMBER, path: null };
          default:
            return { spec: DYN, path: null };
        }
      }
      case 'identExpr': {
        const name = k.value.name;
        const local = scope.get(name);
        if (local) return { spec: local, path: null };
        if (!allowed.has(name)) {
          const other = Object.entries(INPUT_VARIABLES).find(([, vars]) => vars.includes(name));
          errors.push(
            other
              ? `"${name}" is the variable of ${other[0]} rules; ${input} rules read ${[...allowed].join(', ')}${where(e)}`
              : `unknown variable "${name}"; ${input} rules read ${[...allowed].join(', ')}${where(e)}`,
          );
          return { spec: DYN, path: null };
        }
        return { spec: VARIABLE_SPECS[name] ?? DYN, path: name };
      }
      case 'selectExpr': {
        const sel = k.value;
        if (!sel.operand) return { spec: DYN, path: null };
        const base = walk(sel.operand, scope, path);
        const fieldPath = base.path === null ? null : `${base.path}.${sel.field}`;
        let spec: FieldSpec = DYN;
        if (base.spec.kind === 'object') {
          const f = base.spec.fields[sel.field];
          if (!f) {
            errors.push(`${base.path ?? 'the value'} has no field "${sel.field}" (fields: ${Object.keys(base.spec.fields).join(', ')})${where(e)}`);
          } else spec = f;
        } else if (base.spec.kind === 'string' || base.spec.kind === 'number' || base.spec.kind === 'bool' || base.spec.kind === 'list') {
          errors.push(`cannot select "${sel.field}" from ${base.path ?? 'a value'}, a ${base.spec.kind}${where(e)}`);
        }
        if (sel.testOnly) return { spec: BOOL, path: null };
        return { spec, path: fieldPath };
      }
      case 'callExpr': {
        const call = k.value;
        const fn = call.function;
        const sig = call.target ? `method:${call.args.length}` : `fn:${call.args.length}`;
        const known = CALL_SIGNATURES.get(fn);
        if (!known) errors.push(`unknown function "${fn}"${where(e)}`);
        else if (!known.has(sig)) {
          const forms = [...known].map((f) => (f.startsWith('method:') ? `x.${fn}(${f.slice(7)} args)` : `${fn}(${f.slice(3)} args)`));
          errors.push(`${call.target ? `x.${fn}(…)` : `${fn}(…)`} with ${call.args.length} argument(s) does not exist; known forms: ${forms.join(', ')}${where(e)}`);
        }
        const target = call.target ? walk(call.target, scope, path) : null;
        const args = call.args.map((a) => walk(a, scope, path));
        if (COMPARISONS.has(fn) && args.length === 2) compareLiteral(args[0]!, call.args[1]!, args[1]!, call.args[0]!, e);
        if (fn === '@in' && args.length === 2) inLiteral(args[0]!, call.args[1]!, e);
        if (fn === 'inCidr' && call.args[1]) cidrLiterals(call.args[1], e);
        if (fn === 'matches' && call.target && call.args[0]) regexLiteral(call.args[0], e);
        if (fn === '_[_]' && args[0]?.spec.kind === 'list') return { spec: args[0].spec.element, path: args[0].path === null ? null : `${args[0].path}[]` };
        if (['startsWith', 'endsWith', 'contains', 'matches', 'lowerAscii', 'upperAscii', 'trim', 'split'].includes(fn) && target) {
          if (target.spec.kind === 'number' || target.spec.kind === 'bool' || target.spec.kind === 'object' || target.spec.kind === 'list') {
            errors.push(`${fn}() needs a string; ${target.path ?? 'the value'} is a ${target.spec.kind}${where(e)}`);
          }
        }
        if (BOOL_CALLS.has(fn)) return { spec: BOOL, path: null };
        if (STRING_CALLS.has(fn)) return { spec: STRING, path: null };
        if (NUMBER_CALLS.has(fn)) return { spec: NUMBER, path: null };
        if (fn === '_?_:_' && args[1] && args[2] && args[1].spec.kind === args[2].spec.kind && args[1].spec.kind !== 'object' && args[1].spec.kind !== 'list') {
          return { spec: { kind: args[1].spec.kind }, path: null };
        }
        return { spec: DYN, path: null };
      }
      case 'listExpr': {
        for (const el of k.value.elements) walk(el, scope, path);
        return { spec: { kind: 'list', element: DYN }, path: null };
      }
      case 'structExpr': {
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, scope, path);
          if (entry.value) walk(entry.value, scope, path);
        }
        return { spec: DYN, path: null };
      }
      case 'comprehensionExpr': {
        const c = k.value;
        const range = c.iterRange ? walk(c.iterRange, scope, path) : { spec: DYN, path: null };
        const inner = new Map(scope);
        const elem: FieldSpec = range.spec.kind === 'list' ? range.spec.element : range.spec.kind === 'object' ? STRING : DYN;
        if (range.spec.kind === 'string' || range.spec.kind === 'number' || range.spec.kind === 'bool') {
          errors.push(`cannot iterate over ${range.path ?? 'a value'}, a ${range.spec.kind}${where(e)}`);
        }
        inner.set(c.iterVar, elem);
        if (c.iterVar2) inner.set(c.iterVar2, DYN);
        inner.set(c.accuVar, DYN);
        if (c.accuInit) walk(c.accuInit, scope, path);
        if (c.loopCondition) walk(c.loopCondition, inner, path);
        if (c.loopStep) walk(c.loopStep, inner, path);
        const res = c.result ? walk(c.result, inner, path) : { spec: DYN, path: null };
        return { spec: res.spec.kind === 'bool' ? BOOL : DYN, path: null };
      }
      default:
        return { spec: DYN, path: null };
    }
  };

  const literalKind = (x: Expr): 'string' | 'number' | 'bool' | 'null' | null => {
    if (x.exprKind.case !== 'constExpr') return null;
    switch (x.exprKind.value.constantKind.case) {
      case 'stringValue':
        return 'string';
      case 'boolValue':
        return 'bool';
      case 'nullValue':
        return 'null';
      case 'int64Value':
      case 'uint64Value':
      case 'doubleValue':
        return 'number';
      default:
        return null;
    }
  };

  const compareLiteral = (a: { spec: FieldSpec; path: string | null }, bExpr: Expr, b: { spec: FieldSpec; path: string | null }, aExpr: Expr, at: Expr): void => {
    for (const [field, lit] of [[a, bExpr], [b, aExpr]] as const) {
      if (field.path === null) continue;
      const kind = field.spec.kind;
      if (kind !== 'string' && kind !== 'number' && kind !== 'bool') continue;
      const lk = literalKind(lit);
      if (lk === null) continue;
      if (lk === 'null') {
        if (!field.spec.nullable) errors.push(`${field.path} is never null${where(at)}`);
      } else if (lk !== kind) errors.push(`${field.path} is a ${kind}, compared with a ${lk} literal${where(at)}`);
    }
  };

  const inLiteral = (a: { spec: FieldSpec; path: string | null }, listExpr: Expr, at: Expr): void => {
    if (a.path === null || listExpr.exprKind.case !== 'listExpr') return;
    const kind = a.spec.kind;
    if (kind !== 'string' && kind !== 'number' && kind !== 'bool') return;
    for (const el of listExpr.exprKind.value.elements) {
      const lk = literalKind(el);
      if (lk !== null && lk !== 'null' && lk !== kind) {
        errors.push(`${a.path} is a ${kind}, but the list holds a ${lk} literal${where(at)}`);
        return;
      }
    }
  };

  const cidrLiterals = (arg: Expr, at: Expr): void => {
    const lits = arg.exprKind.case === 'listExpr' ? arg.exprKind.value.elements : [arg];
    for (const l of lits) {
      if (l.exprKind.case === 'constExpr' && l.exprKind.value.constantKind.case === 'stringValue') {
        const v = l.exprKind.value.constantKind.value;
        if (!isValidCidr(v)) errors.push(`"${v}" is not a CIDR${where(at)}`);
      }
    }
  };

  const regexLiteral = (arg: Expr, at: Expr): void => {
    if (arg.exprKind.case !== 'constExpr' || arg.exprKind.value.constantKind.case !== 'stringValue') return;
    const pattern = arg.exprKind.value.constantKind.value;
    try {
      RE2JS.compile(pattern);
    } catch (err) {
      errors.push(`"${pattern}" is not a valid RE2 pattern: ${err instanceof Error ? err.message : String(err)}${where(at)}`);
    }
  };

  const root = walk(p.parsed.expr, new Map(), null);
  if (expectBool && root.spec.kind !== 'bool' && root.spec.kind !== 'dyn') {
    errors.push(`the condition must be a boolean expression; it gives a ${root.spec.kind}`);
  }
  return errors;
}

/**
 * The lower-cased values `event.api.operation` must have for the expression to be true, or null
 * when the expression does not pin it. Recognised: `event.api.operation == 'X'`, `... in [...]`,
 * the same on `.lowerAscii()` / `lower(...)`, joined by `&&` (either side) and `||` (both sides).
 * Used to index rules so an event is only evaluated against rules that can match it.
 */
export function operationFilter(p: ParsedCondition): Set<string> | null {
  return opsOf(p.parsed.expr, 'operation');
}

/** The same for `event.api.service_name`: the second index key, for rules that do not pin the operation. */
export function serviceFilter(p: ParsedCondition): Set<string> | null {
  return opsOf(p.parsed.expr, 'service_name');
}

function isOperationRef(e: Expr, field: string): boolean {
  if (e.exprKind.case === 'callExpr') {
    const c = e.exprKind.value;
    if (c.function === 'lowerAscii' && c.target && c.args.length === 0) return isOperationRef(c.target, field);
    if (c.function === 'lower' && !c.target && c.args.length === 1) return isOperationRef(c.args[0]!, field);
    return false;
  }
  if (e.exprKind.case !== 'selectExpr' || e.exprKind.value.field !== field || e.exprKind.value.testOnly) return false;
  const api = e.exprKind.value.operand;
  if (!api || api.exprKind.case !== 'selectExpr' || api.exprKind.value.field !== 'api') return false;
  const ev = api.exprKind.value.operand;
  return !!ev && ev.exprKind.case === 'identExpr' && ev.exprKind.value.name === 'event';
}

function stringConst(e: Expr): string | null {
  return e.exprKind.case === 'constExpr' && e.exprKind.value.constantKind.case === 'stringValue' ? e.exprKind.value.constantKind.value : null;
}

function opsOf(e: Expr, field: string): Set<string> | null {
  if (e.exprKind.case !== 'callExpr') return null;
  const c = e.exprKind.value;
  const [a, b] = c.args;
  switch (c.function) {
    case '_&&_': {
      const l = a ? opsOf(a, field) : null;
      const r = b ? opsOf(b, field) : null;
      if (l && r) return new Set([...l].filter((x) => r.has(x)));
      return l ?? r;
    }
    case '_||_': {
      const l = a ? opsOf(a, field) : null;
      const r = b ? opsOf(b, field) : null;
      return l && r ? new Set([...l, ...r]) : null;
    }
    case '_==_': {
      if (!a || !b) return null;
      const lit = isOperationRef(a, field) ? stringConst(b) : isOperationRef(b, field) ? stringConst(a) : null;
      return lit === null ? null : new Set([lit.toLowerCase()]);
    }
    case '@in': {
      if (!a || !b || !isOperationRef(a, field) || b.exprKind.case !== 'listExpr') return null;
      const out = new Set<string>();
      for (const el of b.exprKind.value.elements) {
        const s = stringConst(el);
        if (s === null) return null;
        out.add(s.toLowerCase());
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * The operations a condition allows, as patterns: exact values and the prefixes, suffixes and
 * substrings of `event.api.operation.startsWith/endsWith/contains('…')` (lower-cased; on the
 * operation or its lower-cased forms), joined by `&&` (the more selective side) and `||` (both
 * sides). For conditions the exact index (operationFilter) cannot key, such as Azure's
 * `event.api.operation.endsWith('/DELETE')`. A superset of the operations the condition accepts:
 * the index compares the lower-cased operation, and only ASCII patterns are kept, for which
 * lower-casing the operation keeps the pattern where it was.
 */
export interface OperationPatterns {
  readonly exact: readonly string[];
  readonly prefix: readonly string[];
  readonly suffix: readonly string[];
  readonly contains: readonly string[];
}

interface PatternSets {
  exact: Set<string>;
  prefix: Set<string>;
  suffix: Set<string>;
  contains: Set<string>;
}

const PATTERN_METHODS: Record<string, 'prefix' | 'suffix' | 'contains'> = { startsWith: 'prefix', endsWith: 'suffix', contains: 'contains' };

/** How many events a filter lets through, roughly: substrings most, exact values least. */
function breadth(f: PatternSets): number {
  return f.contains.size * 10_000 + (f.prefix.size + f.suffix.size) * 100 + f.exact.size;
}

function patternsOf(e: Expr): PatternSets | null {
  if (e.exprKind.case !== 'callExpr') return null;
  const c = e.exprKind.value;
  const [a, b] = c.args;
  if (c.target && c.args.length === 1 && PATTERN_METHODS[c.function] && isOperationRef(c.target, 'operation') && a) {
    const lit = stringConst(a);
    // eslint-disable-next-line no-control-regex
    if (lit === null || lit === '' || !/^[\x00-\x7f]*$/.test(lit)) return null;
    const out: PatternSets = { exact: new Set(), prefix: new Set(), suffix: new Set(), contains: new Set() };
    out[PATTERN_METHODS[c.function]!].add(lit.toLowerCase());
    return out;
  }
  switch (c.function) {
    case '_&&_': {
      const l = a ? patternsOf(a) : null;
      const r = b ? patternsOf(b) : null;
      if (l && r) return breadth(l) <= breadth(r) ? l : r;
      return l ?? r;
    }
    case '_||_': {
      const l = a ? patternsOf(a) : null;
      const r = b ? patternsOf(b) : null;
      if (!l || !r) return null;
      return {
        exact: new Set([...l.exact, ...r.exact]),
        prefix: new Set([...l.prefix, ...r.prefix]),
        suffix: new Set([...l.suffix, ...r.suffix]),
        contains: new Set([...l.contains, ...r.contains]),
      };
    }
    case '_==_':
    case '@in': {
      const ops = opsOf(e, 'operation');
      return ops === null ? null : { exact: ops, prefix: new Set(), suffix: new Set(), contains: new Set() };
    }
    default:
      return null;
  }
}

/** The operation patterns of a condition (see OperationPatterns), or null when it pins none. */
export function operationPatterns(p: ParsedCondition): OperationPatterns | null {
  const f = patternsOf(p.parsed.expr);
  if (f === null) return null;
  const list = (s: Set<string>): string[] => [...s].sort();
  return { exact: list(f.exact), prefix: list(f.prefix), suffix: list(f.suffix), contains: list(f.contains) };
}

/** Whether a lower-cased operation passes the patterns. */
export function matchesPatterns(op: string, p: OperationPatterns): boolean {
  return p.exact.includes(op) || p.prefix.some((x) => op.startsWith(x)) || p.suffix.some((x) => op.endsWith(x)) || p.contains.some((x) => op.includes(x));
}
