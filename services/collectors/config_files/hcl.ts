/**
 * A parser for HCL native syntax (the language of Terraform `.tf` and `.tfvars` files), written
 * from the HCL spec (hashicorp/hcl, hclsyntax/spec.md): bodies of attributes and blocks with
 * labels; expressions with literals, quoted templates (`${…}` interpolations, `%{…}` directives,
 * `$${` / `%%{` escapes), heredocs (`<<EOT`, `<<-EOT`), tuples, objects, function calls,
 * `for` expressions, conditionals, unary and binary operators (spec precedence), attribute and
 * index access, legacy `.0` index and splats (`.*`, `[*]`). Comments `#`, `//`, `/* *\/`.
 * Newlines end attributes, except inside (), [] and {} of expressions. Every node carries its
 * 1-based line. Errors throw HclError with line and column. Pure, synchronous.
 */

export class HclError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line} column ${column}: ${message}`);
  }
}

export type Expr =
  | { t: 'lit'; value: string | number | boolean | null; line: number }
  | { t: 'tmpl'; parts: Array<string | Expr>; directive: boolean; line: number }
  | { t: 'var'; name: string; line: number }
  | { t: 'tuple'; items: Expr[]; line: number }
  | { t: 'object'; items: Array<{ key: Expr; value: Expr }>; line: number }
  | { t: 'call'; name: string; args: Expr[]; expand: boolean; line: number }
  | { t: 'attr'; obj: Expr; name: string; line: number }
  | { t: 'index'; obj: Expr; key: Expr; line: number }
  | { t: 'splat'; obj: Expr; each: Expr; line: number }
  | { t: 'unary'; op: '!' | '-'; expr: Expr; line: number }
  | { t: 'binary'; op: string; left: Expr; right: Expr; line: number }
  | { t: 'cond'; cond: Expr; then: Expr; else: Expr; line: number }
  | { t: 'for'; keyVar: string | null; valVar: string; coll: Expr; keyExpr: Expr | null; valExpr: Expr; cond: Expr | null; group: boolean; object: boolean; line: number }
  /** The current element inside a splat's traversal. */
  | { t: 'splat_item'; line: number };

export interface Attribute {
  name: string;
  expr: Expr;
  line: number;
}

export interface Block {
  type: string;
  labels: string[];
  body: Body;
  line: number;
}

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

function isIdStart(c: string): boolean {
  return /[\p{L}_]/u.test(c);
}
function isIdChar(c: string): boolean {
  return /[\p{L}\p{N}_-]/u.test(c);
}

class Parser {
  private i = 0;
  private readonly lineStarts: number[] = [0];
  private depth = 0;

  constructor(private readonly s: string) {
    for (let k = 0; k < s.length; k++) if (s[k] === '\n') this.lineStarts.push(k + 1);
  }

  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  fail(message: string, pos = this.i): never {
    const line = this.lineAt(pos);
    throw new HclError(message, line, pos - this.lineStarts[line - 1]! + 1);
  }

  private peek(n = 0): string {
    return this.s[this.i + n] ?? '';
  }

  private startsWith(t: string): boolean {
    return this.s.startsWith(t, this.i);
  }

  /** Skips blanks and comments; newlines too when `nl`. A line comment stops before its newline. */
  private skip(nl: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === '\n' && nl) this.i++;
      else if (c === '#' || (c === '/' && this.peek(1) === '/')) {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else if (c === '/' && this.peek(1) === '*') {
        const end = this.s.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('unterminated /* comment');
        this.i = end + 2;
      } else if (c === '\\' && this.peek(1) === '\n') {
        this.i += 2; // not HCL, but harmless
      } else return;
    }
  }

  private expect(t: string, nl: boolean): void {
    this.skip(nl);
    if (!this.startsWith(t)) this.fail(`expected "${t}", found ${this.describe()}`);
    this.i += t.length;
  }

  private describe(): string {
    if (this.i >= this.s.length) return 'end of file';
    const c = this.peek();
    return c === '\n' ? 'a newline' : JSON.stringify(this.s.slice(this.i, this.i + 12));
  }

  private ident(): string {
    const start = this.i;
    if (!isIdStart(this.peek())) this.fail(`expected a name, found ${this.describe()}`);
    while (this.i < this.s.length && isIdChar(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  private enter(): void {
    if (++this.depth > 200) this.fail('nested deeper than 200 levels');
  }

  // ------------------------------------------------------------------ bodies

  parseFile(): Body {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    const body = this.body(false);
    this.skip(true);
    if (this.i < this.s.length) this.fail(`unexpected ${this.describe()}`);
    return body;
  }

  private body(inBlock: boolean): Body {
    this.enter();
    const body: Body = { attributes: [], blocks: [] };
    for (;;) {
      this.skip(true);
      if (this.i >= this.s.length) {
        if (inBlock) this.fail('unclosed block: expected "}"');
        break;
      }
      if (this.peek() === '}') {
        if (!inBlock) this.fail('unexpected "}"');
        break;
      }
      const start = this.i;
      const line = this.lineAt(start);
      const name = this.ident();
      this.skip(false);
      if (this.peek() === '=' && this.peek(1) !== '=') {
        this.i++;
        const expr = this.expr(false);
        body.attributes.push({ name, expr, line });
        this.endOfItem();
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.skip(false);
        const c = this.peek();
        if (c === '"') {
          const t = this.template();
          if (t.t !== 'lit' || typeof t.value !== 'string') this.fail('a block label cannot hold interpolations');
          labels.push(t.value);
        } else if (isIdStart(c)) labels.push(this.ident());
        else break;
      }
      this.skip(false);
      if (this.peek() !== '{') this.fail(`expected "=" or a block after "${name}", found ${this.describe()}`);
      this.i++;
      const inner = this.body(true);
      this.expect('}', true);
      body.blocks.push({ type: name, labels, body: inner, line });
      this.endOfItem();
    }
    this.depth--;
    return body;
  }

  /** After an attribute or a block: a newline, the end of the file or the closing brace. */
  private endOfItem(): void {
    this.skip(false);
    const c = this.peek();
    if (c === '\n') this.i++;
    else if (c !== '}' && this.i < this.s.length) this.fail(`expected a newline, found ${this.describe()}`);
  }

  // ------------------------------------------------------------------ expressions

  /** An expression; `nl` when inside brackets (newlines are blanks there). */
  expr(nl: boolean): Expr {
    this.enter();
    const cond = this.binary(0, nl);
    const save = this.i;
    this.skip(nl);
    let out = cond;
    if (this.peek() !== '?') this.i = save;
    else {
      this.i++;
      const then = this.expr(nl);
      this.expect(':', nl);
      const els = this.expr(nl);
      out = { t: 'cond', cond, then, else: els, line: cond.line };
    }
    this.depth--;
    return out;
  }

  private binary(level: number, nl: boolean): Expr {
    if (level >= BINARY_LEVELS.length) return this.unary(nl);
    let left = this.binary(level + 1, nl);
    for (;;) {
      const save = this.i;
      this.skip(nl);
      const op = BINARY_LEVELS[level]!.filter((o) => this.startsWith(o)).sort((a, b) => b.length - a.length)[0];
      // `=>` (for expressions) is not `>`-anything; `<<` starts a heredoc, not a comparison.
      if (!op || (op === '<' && this.peek(1) === '<')) {
        this.i = save;
        return left;
      }
      this.i += op.length;
      const right = this.binary(level + 1, nl);
      left = { t: 'binary', op, left, right, line: left.line };
    }
  }

  private unary(nl: boolean): Expr {
    this.skip(nl);
    const c = this.peek();
    if ((c === '!' && this.peek(1) !== '=') || c === '-') {
      const line = this.lineAt(this.i);
      this.i++;
      this.enter();
      const expr = this.unary(nl);
      this.depth--;
      return { t: 'unary', op: c, expr, line };
    }
    return this.postfix(this.primary(nl), nl);
  }

  private postfix(base: Expr, nl: boolean): Expr {
    let e = base;
    for (;;) {
      const save = this.i;
      this.skip(nl);
      const c = this.peek();
      if (c === '.' && this.peek(1) === '*') {
        this.i += 2;
        e = { t: 'splat', obj: e, each: this.splatTail(true, nl), line: e.line };
      } else if (c === '[' && this.s.startsWith('[*]', this.i)) {
        this.i += 3;
        e = { t: 'splat', obj: e, each: this.splatTail(false, nl), line: e.line };
      } else {
        const next = this.traversal(e, true);
        if (next === null) {
          this.i = save;
          return e;
        }
        e = next;
      }
    }
  }

  /**
   * One traversal step on `e` at the cursor: `.0` (a numeric index), `.name`, or (when `index`)
   * `[expr]` but not `[*]`; null, with the cursor unmoved, when none starts here.
   */
  private traversal(e: Expr, index: boolean): Expr | null {
    const c = this.peek();
    if (c === '.' && /[0-9]/.test(this.peek(1))) {
      this.i++;
      const start = this.i;
      while (/[0-9]/.test(this.peek())) this.i++;
      return { t: 'index', obj: e, key: { t: 'lit', value: Number(this.s.slice(start, this.i)), line: e.line }, line: e.line };
    }
    if (c === '.' && isIdStart(this.peek(1))) {
      this.i++;
      return { t: 'attr', obj: e, name: this.ident(), line: e.line };
    }
    if (index && c === '[' && !this.s.startsWith('[*]', this.i)) {
      this.i++;
      const key = this.expr(true);
      this.expect(']', true);
      return { t: 'index', obj: e, key, line: e.line };
    }
    return null;
  }

  /** The traversal after a splat, applied to each element (`.*.name`, `[*].a[0]`). */
  private splatTail(attrOnly: boolean, nl: boolean): Expr {
    let e: Expr = { t: 'splat_item', line: this.lineAt(this.i) };
    for (;;) {
      const save = this.i;
      this.skip(nl);
      const next = this.traversal(e, !attrOnly);
      if (next === null) {
        this.i = save;
        return e;
      }
      e = next;
    }
  }

  private primary(nl: boolean): Expr {
    this.skip(nl);
    const start = this.i;
    const line = this.lineAt(start);
    const c = this.peek();
    if (c === '') this.fail('expected an expression, found end of file');
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 64))!;
      this.i += m[0].length;
      return { t: 'lit', value: Number(m[0]), line };
    }
    if (c === '"') return this.template();
    if (c === '<' && this.peek(1) === '<') return this.heredoc();
    if (c === '(') {
      this.i++;
      const e = this.expr(true);
      this.expect(')', true);
      return e;
    }
    if (c === '[') {
      this.i++;
      this.skip(true);
      if (this.isFor()) return this.forExpr(line, false);
      const items: Expr[] = [];
      for (;;) {
        this.skip(true);
        if (this.peek() === ']') break;
        items.push(this.expr(true));
        this.skip(true);
        if (this.peek() === ',') this.i++;
        else if (this.peek() !== ']') this.fail(`expected "," or "]", found ${this.describe()}`);
      }
      this.i++;
      return { t: 'tuple', items, line };
    }
    if (c === '{') {
      this.i++;
      this.skip(true);
      if (this.isFor()) return this.forExpr(line, true);
      const items: Array<{ key: Expr; value: Expr }> = [];
      for (;;) {
        this.skip(true);
        if (this.peek() === '}') break;
        const key = this.expr(true);
        this.skip(true);
        if (this.peek() === '=' || this.peek() === ':') this.i++;
        else this.fail(`expected "=" or ":" after an object key, found ${this.describe()}`);
        const value = this.expr(true);
        items.push({ key: key.t === 'var' ? { t: 'lit', value: key.name, line: key.line } : key, value });
        this.skip(false);
        if (this.peek() === ',' || this.peek() === '\n') this.i++;
        else {
          this.skip(true);
          if (this.peek() !== '}') this.fail(`expected ",", a newline or "}", found ${this.describe()}`);
        }
      }
      this.i++;
      return { t: 'object', items, line };
    }
    if (isIdStart(c)) {
      let name = this.ident();
      // provider::name::function (Terraform 1.8)
      while (this.startsWith('::')) {
        this.i += 2;
        name += `::${this.ident()}`;
      }
      if (name === 'true' || name === 'false') return { t: 'lit', value: name === 'true', line };
      if (name === 'null') return { t: 'lit', value: null, line };
      const save = this.i;
      this.skip(false);
      if (this.peek() === '(') {
        this.i++;
        const args: Expr[] = [];
        let expand = false;
        for (;;) {
          this.skip(true);
          if (this.peek() === ')') break;
          args.push(this.expr(true));
          this.skip(true);
          if (this.startsWith('...')) {
            this.i += 3;
            expand = true;
            this.skip(true);
          }
          if (this.peek() === ',') this.i++;
          else if (this.peek() !== ')') this.fail(`expected "," or ")" in the arguments of ${name}(), found ${this.describe()}`);
        }
        this.i++;
        return { t: 'call', name, args, expand, line };
      }
      this.i = save;
      return { t: 'var', name, line };
    }
    this.fail(`expected an expression, found ${this.describe()}`);
  }

  private isFor(): boolean {
    return /^for[ \t\r\n]+[\p{L}_]/u.test(this.s.slice(this.i, this.i + 8));
  }

  private forExpr(line: number, object: boolean): Expr {
    this.i += 3;
    this.skip(true);
    let valVar = this.ident();
    let keyVar: string | null = null;
    this.skip(true);
    if (this.peek() === ',') {
      this.i++;
      this.skip(true);
      keyVar = valVar;
      valVar = this.ident();
      this.skip(true);
    }
    if (!this.startsWith('in') || isIdChar(this.peek(2))) this.fail(`expected "in" in a for expression, found ${this.describe()}`);
    this.i += 2;
    const coll = this.expr(true);
    this.expect(':', true);
    let keyExpr: Expr | null = null;
    let valExpr = this.expr(true);
    this.skip(true);
    if (object) {
      if (!this.startsWith('=>')) this.fail(`expected "=>" in an object for expression, found ${this.describe()}`);
      this.i += 2;
      keyExpr = valExpr;
      valExpr = this.expr(true);
      this.skip(true);
    }
    let group = false;
    if (object && this.startsWith('...')) {
      this.i += 3;
      group = true;
      this.skip(true);
    }
    let cond: Expr | null = null;
    if (this.startsWith('if') && !isIdChar(this.peek(2))) {
      this.i += 2;
      cond = this.expr(true);
      this.skip(true);
    }
    this.expect(object ? '}' : ']', true);
    return { t: 'for', keyVar, valVar, coll, keyExpr, valExpr, cond, group, object, line };
  }

  /** A quoted template starting at `"`: a literal when it has no interpolation. */
  private template(): Expr {
    const line = this.lineAt(this.i);
    this.i++;
    const parts: Array<string | Expr> = [];
    let buf = '';
    let directive = false;
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      if (c === '"') {
        this.i++;
        break;
      }
      if (c === '\\') {
        const n = this.peek(1);
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (n in simple) {
          buf += simple[n];
          this.i += 2;
        } else if (n === 'u' || n === 'U') {
          const len = n === 'u' ? 4 : 8;
          const hex = this.s.slice(this.i + 2, this.i + 2 + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail('bad unicode escape');
          buf += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + len;
        } else this.fail(`invalid escape \\${n}`);
        continue;
      }
      if (this.templateMarker(parts, buf, () => (directive = true))) {
        buf = '';
        continue;
      }
      buf += c;
      this.i++;
    }
    if (buf) parts.push(buf);
    return finishTemplate(parts, directive, line);
  }

  /** `$${` / `%%{` escapes and `${…}` / `%{…}` sequences inside a template. True when consumed (buf flushed into parts). */
  private templateMarker(parts: Array<string | Expr>, buf: string, onDirective: () => void): boolean {
    if (this.startsWith('$${') || this.startsWith('%%{')) {
      parts.push(buf + this.s.slice(this.i + 1, this.i + 3));
      this.i += 3;
      return true;
    }
    if (this.startsWith('${')) {
      if (buf) parts.push(buf);
      this.i += 2;
      if (this.peek() === '~') this.i++;
      const e = this.expr(true);
      this.skip(true);
      if (this.peek() === '~') this.i++;
      this.expect('}', true);
      parts.push(e);
      return true;
    }
    if (this.startsWith('%{')) {
      if (buf) parts.push(buf);
      onDirective();
      this.i += 2;
      // if/else/endif/for/endfor: the content is read as words and expressions up to "}".
      if (this.peek() === '~') this.i++;
      this.skip(true);
      const word = /^(if|else|endif|for|endfor)\b/.exec(this.s.slice(this.i, this.i + 8));
      if (!word) this.fail('expected if, else, endif, for or endfor in a template directive');
      this.i += word[1]!.length;
      if (word[1] === 'if') this.expr(true);
      else if (word[1] === 'for') {
        this.skip(true);
        this.ident();
        this.skip(true);
        if (this.peek() === ',') {
          this.i++;
          this.skip(true);
          this.ident();
          this.skip(true);
        }
        if (!this.startsWith('in')) this.fail('expected "in" in a template for directive');
        this.i += 2;
        this.expr(true);
      }
      this.skip(true);
      if (this.peek() === '~') this.i++;
      this.expect('}', true);
      return true;
    }
    return false;
  }

  private heredoc(): Expr {
    const line = this.lineAt(this.i);
    this.i += 2;
    const indent = this.peek() === '-';
    if (indent) this.i++;
    const marker = this.ident();
    this.skip(false);
    if (this.peek() !== '\n') this.fail('expected a newline after the heredoc marker');
    this.i++;
    // Find the closing line first, then read the content as a template.
    const lines: Array<{ start: number; end: number }> = [];
    let pos = this.i;
    let closed = -1;
    while (pos <= this.s.length) {
      let end = this.s.indexOf('\n', pos);
      if (end < 0) end = this.s.length;
      const text = this.s.slice(pos, end).replace(/\r$/, '');
      if (text.trim() === marker) {
        closed = end;
        break;
      }
      lines.push({ start: pos, end: end < this.s.length ? end + 1 : end });
      if (end >= this.s.length) break;
      pos = end + 1;
    }
    if (closed < 0) this.fail(`heredoc <<${marker} is not closed`, this.i);
    const contentEnd = lines.length ? lines[lines.length - 1]!.end : this.i;
    let strip = 0;
    if (indent) {
      const widths = lines.map((l) => this.s.slice(l.start, l.end)).filter((t) => t.trim() !== '').map((t) => /^[ \t]*/.exec(t)![0].length);
      strip = widths.length ? Math.min(...widths) : 0;
    }
    const parts: Array<string | Expr> = [];
    let buf = '';
    let directive = false;
    let col = 0;
    while (this.i < contentEnd) {
      const c = this.peek();
      if (col < strip && (c === ' ' || c === '\t')) {
        this.i++;
        col++;
        continue;
      }
      if (this.templateMarker(parts, buf, () => (directive = true))) {
        buf = '';
        col = strip;
        continue;
      }
      buf += c;
      this.i++;
      col = c === '\n' ? 0 : Math.max(col, strip);
    }
    if (buf) parts.push(buf);
    this.i = closed;
    return finishTemplate(parts, directive, line);
  }
}

function finishTemplate(parts: Array<string | Expr>, directive: boolean, line: number): Expr {
  const merged: Array<string | Expr> = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  if (!directive && merged.length === 0) return { t: 'lit', value: '', line };
  if (!directive && merged.length === 1 && typeof merged[0] === 'string') return { t: 'lit', value: merged[0], line };
  return { t: 'tmpl', parts: merged, directive, line };
}

/** Parses an HCL native syntax file into its body. Throws HclError (with line and column) on bad syntax. */
export function parseHcl(text: string): Body {
  return new Parser(text).parseFile();
}

/** Parses one expression (e.g. the inside of `${…}` in Terraform JSON syntax). Throws HclError. */
export function parseHclExpression(text: string): Expr {
  const p = new Parser(text);
  const e = p.expr(true);
  return e;
}

/** Parses a template text (Terraform JSON syntax strings: `"web-${var.env}"`). Throws HclError. */
export function parseHclTemplate(text: string): Expr {
  // A quoted template without the quotes: escape what a quoted string would treat specially.
  const quoted = `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  return new Parser(quoted).expr(false);
}
