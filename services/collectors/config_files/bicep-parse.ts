/**
 * Bicep parser, written from the language reference (learn.microsoft.com "Bicep file structure
 * and syntax", data types, operators, resource / module declarations, loops, conditions): a
 * tokenizer and a recursive-descent parser giving declarations (param, var, resource, module,
 * output, …) with their 1-based lines and expression trees. Newlines end statements and separate
 * object properties and array items (commas are accepted too); `//` and `/* *\/` comments;
 * strings `'…'` with escapes (`\'`, `\\`, `\n`, `\r`, `\t`, `\$`, `\u{…}`) and interpolation
 * `${…}`; multi-line strings `'''…'''` (verbatim, no interpolation); decorators `@name(…)`;
 * `[for x in y: …]`, `[for (x, i) in y: if (c) …]`, `if (c) {…}`; lambdas `x => …`; `.?`, `[?…]`,
 * `!` (non-null assertion), `??`, `?:`, `...` (spread); `#disable-next-line` pragmas. Type
 * expressions are skipped (only the value matters).
 * `BicepError` carries line and column. Pure.
 */

export class BicepError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line} column ${column}: ${message}`);
    this.name = 'BicepError';
  }
}

export type BExpr =
  | { t: 'lit'; v: string | number | boolean | null }
  | { t: 'tpl'; parts: Array<string | BExpr> }
  | { t: 'ident'; name: string; line: number }
  | { t: 'obj'; props: BProp[]; resources: BResourceDecl[] }
  | { t: 'arr'; items: BExpr[] }
  | { t: 'spread'; e: BExpr }
  | { t: 'for'; item: string; index: string | null; iter: BExpr; body: BExpr }
  | { t: 'if'; cond: BExpr; body: BExpr }
  | { t: 'call'; ns: string | null; name: string; args: BExpr[] }
  | { t: 'prop'; obj: BExpr; name: string; safe?: true }
  | { t: 'idx'; obj: BExpr; key: BExpr; safe?: true }
  | { t: 'un'; op: '!' | '-'; e: BExpr }
  | { t: 'bin'; op: string; l: BExpr; r: BExpr }
  | { t: 'cond'; c: BExpr; a: BExpr; b: BExpr }
  | { t: 'lambda'; params: string[]; body: BExpr };

export interface BProp {
  key: string;
  value: BExpr;
  line: number;
}

export interface BResourceDecl {
  kind: 'resource';
  name: string;
  /** The type string as written (`Microsoft.Storage/storageAccounts@2023-01-01`, or a child's relative `blobServices`). */
  type: string;
  existing: boolean;
  value: BExpr;
  line: number;
}

export type BDecl =
  | { kind: 'param'; name: string; value: BExpr | null; line: number; secure: boolean; nullable: boolean }
  | { kind: 'var'; name: string; value: BExpr; line: number }
  | BResourceDecl
  | { kind: 'module'; name: string; path: string; value: BExpr; line: number }
  | { kind: 'using'; path: string; line: number }
  | { kind: 'other'; keyword: string; line: number };

// ------------------------------------------------------------------ tokens

type Tok =
  | { k: 'id'; v: string; line: number; col: number }
  | { k: 'num'; v: number; line: number; col: number }
  | { k: 'str'; parts: Array<string | BExpr>; line: number; col: number }
  | { k: 'op'; v: string; line: number; col: number }
  | { k: 'nl'; line: number; col: number }
  | { k: 'eof'; line: number; col: number };

const OPS = ['...', '??', '.?', '==', '!=', '=~', '!~', '<=', '>=', '&&', '||', '=>', '::', '{', '}', '[', ']', '(', ')', ',', ':', '.', '?', '!', '<', '>', '+', '-', '*', '/', '%', '=', '@', '|'];
const ESCAPES: Record<string, string> = { "'": "'", '\\': '\\', n: '\n', r: '\r', t: '\t', $: '$' };
const MAX_DEPTH = 64;

function tokenize(src: string, lineBase = 1, colBase = 1, depth = 0): Tok[] {
  if (depth > MAX_DEPTH) throw new BicepError('strings nested too deep', lineBase, colBase);
  const toks: Tok[] = [];
  let i = 0;
  let line = lineBase;
  let lineStart = -(colBase - 1);
  const col = (at: number): number => at - lineStart + 1;
  const fail = (msg: string, at = i): never => {
    throw new BicepError(msg, line, col(at));
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      toks.push({ k: 'nl', line, col: col(i) });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
      i++;
      continue;
    }
    // `// comment`, and the linter pragmas `#disable-next-line <rule>` / `#disable-diagnostics` / `#restore-diagnostics`
    if ((c === '/' && src[i + 1] === '/') || (c === '#' && /[a-z]/.test(src[i + 1] ?? ''))) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated /* comment');
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    const startLine = line;
    const startCol = col(i);
    if (src.startsWith("'''", i)) {
      const end = src.indexOf("'''", i + 3);
      if (end < 0) fail("unterminated multi-line string (''')");
      let v = src.slice(i + 3, end);
      // A line break right after the opening ''' is not part of the value.
      v = v.replace(/^\r?\n/, '');
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 3;
      toks.push({ k: 'str', parts: [v], line: startLine, col: startCol });
      continue;
    }
    if (c === "'") {
      const parts: Array<string | BExpr> = [];
      let cur = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new BicepError('unterminated string', startLine, startCol);
        const d = src[i]!;
        if (d === "'") {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === 'u' && src[i + 2] === '{') {
            const close = src.indexOf('}', i + 3);
            const hex = close < 0 ? '' : src.slice(i + 3, close);
            if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) fail('bad \\u{…} escape', i);
            cur += String.fromCodePoint(Number.parseInt(hex, 16));
            i = close + 1;
            continue;
          }
          if (e === undefined || !(e in ESCAPES)) fail(`unknown escape \\${e ?? ''}`, i);
          cur += ESCAPES[e!]!;
          i += 2;
          continue;
        }
        if (d === '$' && src[i + 1] === '{') {
          const exprStart = i + 2;
          const end = interpolationEnd(src, exprStart);
          if (end < 0) fail('unterminated ${…} in a string', i);
          if (cur) parts.push(cur);
          cur = '';
          const inner = src.slice(exprStart, end);
          const p = new Parser(tokenize(inner, line, col(exprStart), depth + 1), depth + 1);
          const e = p.expression();
          p.skipNl();
          p.expectEof('}');
          parts.push(e);
          i = end + 1;
          continue;
        }
        cur += d;
        i++;
      }
      if (cur || parts.length === 0) parts.push(cur);
      toks.push({ k: 'str', parts, line: startLine, col: startCol });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i, i + 64))!;
      toks.push({ k: 'num', v: Number(m[0]), line, col: startCol });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 512))!;
      toks.push({ k: 'id', v: m[0], line, col: startCol });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(c)}`);
    toks.push({ k: 'op', v: op!, line, col: startCol });
    i += op!.length;
  }
  toks.push({ k: 'eof', line, col: col(i) });
  return toks;
}

/** Index of the `}` closing an interpolation that starts at `from`, skipping nested braces and strings. */
function interpolationEnd(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\n') return -1;
    if (c === "'") {
      // a nested string: skip to its end (escapes and nested interpolations included)
      i++;
      while (i < src.length && src[i] !== "'") {
        if (src[i] === '\\') i++;
        else if (src[i] === '$' && src[i + 1] === '{') {
          const e = interpolationEnd(src, i + 2);
          if (e < 0) return -1;
          i = e;
        }
        i++;
      }
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

// ------------------------------------------------------------------ parser

const KEYWORDS = new Set(['param', 'var', 'resource', 'module', 'output', 'type', 'func', 'import', 'targetScope', 'metadata', 'using', 'extension', 'provider', 'extends', 'assert']);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly depth = 0,
  ) {}

  private peek(n = 0): Tok {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private next(): Tok {
    const t = this.peek();
    if (t.k !== 'eof') this.i++;
    return t;
  }
  private isOp(v: string, t: Tok = this.peek()): boolean {
    return t.k === 'op' && t.v === v;
  }
  private isId(v: string, t: Tok = this.peek()): boolean {
    return t.k === 'id' && t.v === v;
  }
  private fail(msg: string, t: Tok = this.peek()): never {
    throw new BicepError(msg, t.line, t.col);
  }
  private describe(t: Tok): string {
    switch (t.k) {
      case 'id':
        return JSON.stringify(t.v);
      case 'num':
        return String(t.v);
      case 'str':
        return 'a string';
      case 'op':
        return JSON.stringify(t.v);
      case 'nl':
        return 'end of line';
      default:
        return 'end of file';
    }
  }
  private expectOp(v: string): Tok {
    if (!this.isOp(v)) this.fail(`expected ${JSON.stringify(v)}, found ${this.describe(this.peek())}`);
    return this.next();
  }
  private ident(what: string): string {
    const t = this.peek();
    if (t.k !== 'id') this.fail(`expected ${what}, found ${this.describe(t)}`);
    this.next();
    return (t as { v: string }).v;
  }
  skipNl(): void {
    while (this.peek().k === 'nl') this.i++;
  }
  expectEof(what: string): void {
    if (this.peek().k !== 'eof') this.fail(`unexpected ${this.describe(this.peek())} before ${what}`);
  }
  /** After a statement: end of line or file. */
  private endOfStatement(): void {
    const t = this.peek();
    if (t.k !== 'nl' && t.k !== 'eof') this.fail(`expected end of line, found ${this.describe(t)}`);
  }
  private plainString(what: string): string {
    const t = this.peek();
    if (t.k !== 'str') this.fail(`expected ${what} (a string), found ${this.describe(t)}`);
    this.next();
    const parts = (t as { parts: Array<string | BExpr> }).parts;
    if (parts.some((p) => typeof p !== 'string')) this.fail(`${what} cannot be interpolated`, t);
    return parts.join('');
  }

  file(): BDecl[] {
    const out: BDecl[] = [];
    let decorators: string[] = [];
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if (t.k === 'eof') return out;
      if (this.isOp('@')) {
        decorators.push(this.decorator());
        continue;
      }
      if (t.k !== 'id' || !KEYWORDS.has(t.v)) this.fail(`expected a declaration (param, var, resource, module, output, …), found ${this.describe(t)}`);
      const d = this.declaration();
      if (d.kind === 'param' && decorators.includes('secure')) d.secure = true;
      decorators = [];
      out.push(d);
      this.endOfStatement();
    }
  }

  /** Skips a decorator (`@description('…')`, `@sys.secure()`) and gives its name. */
  private decorator(): string {
    this.expectOp('@');
    let name = this.ident('a decorator name');
    if (this.isOp('.')) {
      this.next();
      name = this.ident('a decorator name');
    }
    if (this.isOp('(')) this.args();
    this.skipNl();
    return name;
  }

  private declaration(): BDecl {
    const kw = this.next() as { v: string; line: number };
    const line = kw.line;
    switch (kw.v) {
      case 'param': {
        const name = this.ident('a parameter name');
        // In a .bicepparam file: `param x = value`; in a .bicep file: `param x <type> [= default]`.
        // A nullable type (`int?`, `foo[]?`) without a default is null.
        const nullable = this.isOp('=') ? false : this.skipType();
        if (this.isOp('=')) {
          this.next();
          this.skipNl();
          return { kind: 'param', name, value: this.expression(), line, secure: false, nullable };
        }
        return { kind: 'param', name, value: null, line, secure: false, nullable };
      }
      case 'var': {
        const name = this.ident('a variable name');
        if (!this.isOp('=')) this.skipType();
        this.expectOp('=');
        this.skipNl();
        return { kind: 'var', name, value: this.expression(), line };
      }
      case 'resource':
        return this.resourceDecl(line);
      case 'module': {
        const name = this.ident('a module name');
        const path = this.plainString('the module path');
        this.expectOp('=');
        this.skipNl();
        return { kind: 'module', name, path, value: this.declBody(), line };
      }
      case 'using': {
        const t = this.peek();
        if (t.k === 'str') return { kind: 'using', path: this.plainString('the template path'), line };
        if (this.isId('none')) this.next();
        return { kind: 'using', path: '', line };
      }
      case 'output': {
        this.ident('an output name');
        if (this.isId('resource')) {
          this.next();
          this.plainString('a resource type');
        } else this.skipType();
        this.expectOp('=');
        this.skipNl();
        this.expression();
        return { kind: 'other', keyword: 'output', line };
      }
      case 'func': {
        this.ident('a function name');
        this.skipBalanced('(', ')');
        this.skipType();
        this.expectOp('=>');
        this.skipNl();
        this.expression();
        return { kind: 'other', keyword: 'func', line };
      }
      default:
        // type, import, targetScope, metadata, extension, provider, extends: nothing to deploy.
        this.skipRestOfStatement();
        return { kind: 'other', keyword: kw.v, line };
    }
  }

  private resourceDecl(line: number): BResourceDecl {
    const name = this.ident('a resource name');
    const type = this.plainString('the resource type');
    let existing = false;
    if (this.isId('existing')) {
      this.next();
      existing = true;
    }
    this.expectOp('=');
    this.skipNl();
    return { kind: 'resource', name, type, existing, value: this.declBody(), line };
  }

  /** A resource or module body: `{…}`, `if (c) {…}` or `[for …: …]`. */
  private declBody(): BExpr {
    if (this.isId('if')) return this.ifBody();
    if (this.isOp('[')) {
      const e = this.primary();
      if (e.t !== 'for') this.fail('expected an object, if (…) or [for …] as the body');
      return e;
    }
    if (!this.isOp('{')) this.fail(`expected an object, if (…) or [for …] as the body, found ${this.describe(this.peek())}`);
    return this.object();
  }

  /** `if (c) {…}` (a resource or module body) or, inside a `for` with `depth`, `if (c) <value>`. */
  private ifBody(depth: number | null = null): BExpr {
    this.next();
    this.expectOp('(');
    this.skipNl();
    const cond = this.expression();
    this.skipNl();
    this.expectOp(')');
    this.skipNl();
    if (depth !== null) return { t: 'if', cond, body: this.ternary(depth + 1) };
    if (!this.isOp('{')) this.fail('expected an object after if (…)');
    return { t: 'if', cond, body: this.object() };
  }

  /** Skips a type expression up to `=` / `=>` / end of line at depth 0; true when it ends in `?` (nullable). */
  private skipType(): boolean {
    let depth = 0;
    let last: Tok | null = null;
    for (;;) {
      const t = this.peek();
      if (t.k === 'eof' || (depth === 0 && (t.k === 'nl' || this.isOp('=') || this.isOp('=>')))) return last !== null && this.isOp('?', last);
      last = t;
      if (t.k === 'op' && (t.v === '{' || t.v === '[' || t.v === '(')) depth++;
      if (t.k === 'op' && (t.v === '}' || t.v === ']' || t.v === ')')) {
        if (depth === 0) this.fail(`unexpected ${this.describe(t)}`);
        depth--;
      }
      this.next();
    }
  }

  private skipBalanced(open: string, close: string): void {
    this.expectOp(open);
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.k === 'eof') this.fail(`expected ${JSON.stringify(close)}`, t);
      if (this.isOp(open, t)) depth++;
      else if (this.isOp(close, t)) depth--;
    }
  }

  private skipRestOfStatement(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.k === 'eof') return;
      if (depth === 0 && t.k === 'nl') return;
      if (t.k === 'op' && (t.v === '{' || t.v === '[' || t.v === '(')) depth++;
      if (t.k === 'op' && (t.v === '}' || t.v === ']' || t.v === ')')) depth--;
      this.next();
    }
  }

  // ---------------------------------------------------------------- expressions

  expression(): BExpr {
    if (this.depth > MAX_DEPTH) this.fail('nested too deep');
    return this.ternary(0);
  }

  /** Peeks past newlines for an operator continuing an expression on the next line. */
  private continues(ops: readonly string[]): boolean {
    let n = 0;
    while (this.peek(n).k === 'nl') n++;
    const t = this.peek(n);
    if (t.k === 'op' && ops.includes(t.v)) {
      this.i += n;
      return true;
    }
    return false;
  }

  private ternary(depth: number): BExpr {
    if (depth > MAX_DEPTH) this.fail('nested too deep');
    // lambdas: `x => …`, `(a, b) => …`
    const lam = this.tryLambda(depth);
    if (lam) return lam;
    const c = this.binary(0, depth);
    if (this.continues(['?'])) {
      this.next();
      this.skipNl();
      const a = this.ternary(depth + 1);
      if (!this.continues([':'])) this.fail('expected ":" in a conditional expression');
      this.next();
      this.skipNl();
      const b = this.ternary(depth + 1);
      return { t: 'cond', c, a, b };
    }
    return c;
  }

  private tryLambda(depth: number): BExpr | null {
    const t = this.peek();
    if (t.k === 'id' && this.isOp('=>', this.peek(1))) {
      this.i += 2;
      this.skipNl();
      return { t: 'lambda', params: [t.v], body: this.ternary(depth + 1) };
    }
    if (this.isOp('(')) {
      // (a, b) => …
      let n = 1;
      const params: string[] = [];
      for (;;) {
        const p = this.peek(n);
        if (this.isOp(')', p) && params.length === 0) break;
        if (p.k !== 'id') return null;
        params.push(p.v);
        n++;
        if (this.isOp(',', this.peek(n))) n++;
        else if (this.isOp(')', this.peek(n))) break;
        else return null;
      }
      if (!this.isOp('=>', this.peek(n + 1))) return null;
      this.i += n + 2;
      this.skipNl();
      return { t: 'lambda', params, body: this.ternary(depth + 1) };
    }
    return null;
  }

  private static readonly LEVELS: ReadonlyArray<readonly string[]> = [['??'], ['||'], ['&&'], ['==', '!=', '=~', '!~'], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

  private binary(level: number, depth: number): BExpr {
    if (level >= Parser.LEVELS.length) return this.unary(depth);
    let l = this.binary(level + 1, depth);
    const ops = Parser.LEVELS[level]!;
    // `??`, `||` and `&&` may continue on the next line.
    while (level <= 2 ? this.continues(ops) : this.peek().k === 'op' && ops.includes((this.peek() as { v: string }).v)) {
      const op = (this.next() as { v: string }).v;
      this.skipNl();
      const r = this.binary(level + 1, depth);
      l = { t: 'bin', op, l, r };
    }
    return l;
  }

  private unary(depth: number): BExpr {
    if (depth > MAX_DEPTH) this.fail('nested too deep');
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.next() as { v: '!' | '-' }).v;
      return { t: 'un', op, e: this.unary(depth + 1) };
    }
    return this.postfix(depth);
  }

  private postfix(depth: number): BExpr {
    let e = this.primary(depth);
    for (;;) {
      if (this.isOp('.') || this.isOp('.?')) {
        const safe = this.isOp('.?');
        this.next();
        const name = this.ident('a property name');
        if (this.isOp('(')) {
          // a namespaced function (sys.concat(…), az.resourceGroup()) or a resource function (sa.listKeys())
          const args = this.args();
          e = e.t === 'ident' ? { t: 'call', ns: e.name, name, args } : { t: 'call', ns: '(member)', name, args: [e, ...args] };
        } else e = safe ? { t: 'prop', obj: e, name, safe } : { t: 'prop', obj: e, name };
      } else if (this.isOp('[')) {
        this.next();
        const safe = this.isOp('?');
        if (safe) this.next();
        this.skipNl();
        const key = this.ternary(depth + 1);
        this.skipNl();
        this.expectOp(']');
        e = safe ? { t: 'idx', obj: e, key, safe } : { t: 'idx', obj: e, key };
      } else if (this.isOp('!') && !this.isOp('=', this.peek(1))) {
        // non-null assertion `x!` (a following `!=` is an operator, tokenized as such)
        this.next();
      } else if (this.isOp('::')) {
        // nested resource accessor `parent::child`
        this.next();
        e = { t: 'prop', obj: e, name: `::${this.ident('a nested resource name')}` };
      } else return e;
    }
  }

  private args(): BExpr[] {
    this.expectOp('(');
    const args: BExpr[] = [];
    this.skipNl();
    while (!this.isOp(')')) {
      args.push(this.expression());
      this.skipNl();
      if (this.isOp(',')) {
        this.next();
        this.skipNl();
      } else if (!this.isOp(')')) this.fail(`expected "," or ")", found ${this.describe(this.peek())}`);
    }
    this.next();
    return args;
  }

  private primary(depth = 0): BExpr {
    const t = this.peek();
    if (t.k === 'str') {
      this.next();
      return t.parts.length === 1 && typeof t.parts[0] === 'string' ? { t: 'lit', v: t.parts[0] } : { t: 'tpl', parts: t.parts };
    }
    if (t.k === 'num') {
      this.next();
      return { t: 'lit', v: t.v };
    }
    if (t.k === 'id') {
      this.next();
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (this.isOp('(')) return { t: 'call', ns: null, name: t.v, args: this.args() };
      return { t: 'ident', name: t.v, line: t.line };
    }
    if (this.isOp('(')) {
      this.next();
      this.skipNl();
      const e = this.ternary(depth + 1);
      this.skipNl();
      this.expectOp(')');
      return e;
    }
    if (this.isOp('{')) return this.object(depth);
    if (this.isOp('[')) {
      this.next();
      this.skipNl();
      if (this.isId('for')) return this.forExpr(depth);
      const items: BExpr[] = [];
      while (!this.isOp(']')) {
        if (this.isOp('...')) {
          this.next();
          items.push({ t: 'spread', e: this.ternary(depth + 1) });
        } else items.push(this.ternary(depth + 1));
        if (this.isOp(',')) this.next();
        else if (this.peek().k !== 'nl' && !this.isOp(']')) this.fail(`expected "," a new line or "]", found ${this.describe(this.peek())}`);
        this.skipNl();
      }
      this.next();
      return { t: 'arr', items };
    }
    return this.fail(`expected a value, found ${this.describe(t)}`);
  }

  private forExpr(depth: number): BExpr {
    this.next(); // for
    let item: string;
    let index: string | null = null;
    if (this.isOp('(')) {
      this.next();
      item = this.ident('a loop variable');
      if (this.isOp(',')) {
        this.next();
        index = this.ident('a loop index');
      }
      this.expectOp(')');
    } else item = this.ident('a loop variable');
    if (!this.isId('in')) this.fail(`expected "in", found ${this.describe(this.peek())}`);
    this.next();
    const iter = this.ternary(depth + 1);
    this.expectOp(':');
    this.skipNl();
    const body = this.isId('if') ? this.ifBody(depth) : this.ternary(depth + 1);
    this.skipNl();
    this.expectOp(']');
    return { t: 'for', item, index, iter, body };
  }

  private object(depth = 0): BExpr {
    if (depth > MAX_DEPTH) this.fail('nested too deep');
    this.expectOp('{');
    const props: BProp[] = [];
    const resources: BResourceDecl[] = [];
    this.skipNl();
    while (!this.isOp('}')) {
      if (this.isOp('@')) {
        this.decorator();
        continue;
      }
      const t = this.peek();
      if (this.isOp('...')) {
        // `...other`: the properties of another object (spread); key '...' marks it
        this.next();
        props.push({ key: '...', value: this.ternary(depth + 1), line: t.line });
      } else if (this.isId('resource') && this.peek(1).k === 'id') {
        this.next();
        resources.push(this.resourceDecl(t.line));
      } else {
        let key: string;
        if (t.k === 'id') key = t.v;
        else if (t.k === 'str' && t.parts.every((p) => typeof p === 'string')) key = t.parts.join('');
        else if (t.k === 'str') this.fail('an object key cannot be interpolated');
        else this.fail(`expected a property name or "}", found ${this.describe(t)}`);
        this.next();
        this.expectOp(':');
        this.skipNl();
        props.push({ key: key!, value: this.ternary(depth + 1), line: t.line });
      }
      if (this.isOp(',')) this.next();
      else if (this.peek().k !== 'nl' && !this.isOp('}')) this.fail(`expected a new line, "," or "}", found ${this.describe(this.peek())}`);
      this.skipNl();
    }
    this.next();
    return { t: 'obj', props, resources };
  }
}

/** Parses a `.bicep` or `.bicepparam` file into its declarations. Throws BicepError. */
export function parseBicep(text: string): BDecl[] {
  return new Parser(tokenize(text)).file();
}

/** Parses one expression (tests). */
export function parseBicepExpression(text: string): BExpr {
  const p = new Parser(tokenize(text));
  p.skipNl();
  const e = p.expression();
  p.skipNl();
  p.expectEof('the end');
  return e;
}
