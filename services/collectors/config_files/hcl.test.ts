/**
 * The HCL native-syntax parser and the static evaluator, case by case from the HCL spec
 * (hclsyntax/spec.md): structure, expressions, templates, heredocs, operators, errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HclError, parseHcl, parseHclExpression, parseHclTemplate, type Body } from './hcl.ts';
import { evaluate, stripUnknown, UNKNOWN, UNKNOWN_TEXT, type Scope, type Val } from './hcl-eval.ts';

const scope = (roots: Record<string, Val> = {}): Scope => ({ lookup: (n) => (Object.hasOwn(roots, n) ? roots[n] : undefined) });
const ev = (src: string, roots: Record<string, Val> = {}): Val => evaluate(parseHclExpression(src), scope(roots));
const attrs = (b: Body): Record<string, Val> => Object.fromEntries(b.attributes.map((a) => [a.name, evaluate(a.expr, scope())]));

function parseError(src: string): HclError {
  try {
    parseHcl(src);
  } catch (err) {
    assert.ok(err instanceof HclError, `expected an HclError, got ${String(err)}`);
    return err;
  }
  assert.fail(`parsed without error: ${src}`);
}

describe('HCL structure', () => {
  it('reads attributes, blocks with quoted and bare labels, nested and one-line blocks, with lines', () => {
    const body = parseHcl(
      [
        '# comment',
        'a = 1 // trailing comment',
        '/* block',
        '   comment */',
        'resource "aws_s3_bucket" "b" {',
        '  bucket = "x"',
        '  versioning {',
        '    enabled = true',
        '  }',
        '  tags = { Name = "x" }',
        '}',
        'locals { one = "line" }',
        'thing bare_label {',
        '}',
      ].join('\n'),
    );
    assert.deepEqual(attrs(body), { a: 1 });
    assert.deepEqual(
      body.blocks.map((b) => [b.type, b.labels, b.line]),
      [
        ['resource', ['aws_s3_bucket', 'b'], 5],
        ['locals', [], 12],
        ['thing', ['bare_label'], 13],
      ],
    );
    const r = body.blocks[0]!.body;
    assert.deepEqual(attrs(r), { bucket: 'x', tags: { Name: 'x' } });
    assert.equal(r.blocks[0]!.type, 'versioning');
    assert.deepEqual(attrs(r.blocks[0]!.body), { enabled: true });
    assert.deepEqual(attrs(body.blocks[1]!.body), { one: 'line' });
  });

  it('keeps newlines inside brackets as blanks and ends attributes at a newline', () => {
    const body = parseHcl('list = [\n  1,\n  2,\n]\nobj = {\n  a = 1\n  b: 2,\n  "c" = 3\n}\ncall = max(\n  1,\n  5\n)\nnext = true\n');
    assert.deepEqual(attrs(body), { list: [1, 2], obj: { a: 1, b: 2, c: 3 }, call: 5, next: true });
  });

  it('reports syntax errors with line and column', () => {
    const e1 = parseError('resource "a" "b" {\n  x = \n}\n');
    assert.equal(e1.line, 2);
    assert.match(e1.message, /expected an expression/);
    assert.match(parseError('a = [1, 2\nb = 3\n').message, /expected "," or "]"/);
    assert.match(parseError('block {\n  a = 1\n').message, /unclosed block/);
    assert.match(parseError('a = "no end\n').message, /unterminated string/);
    assert.match(parseError('a = <<EOT\ntext\n').message, /heredoc <<EOT is not closed/);
    assert.match(parseError('a = "\\q"\n').message, /invalid escape/);
    assert.match(parseError('a = 1 b = 2\n').message, /expected a newline/);
    assert.match(parseError('x "label"\n').message, /expected "=" or a block/);
    assert.match(parseError('}\n').message, /unexpected "}"/);
    assert.match(parseError('a = 1\n/* open').message, /unterminated \/\* comment/);
  });
});

describe('HCL expressions', () => {
  it('literals, escapes and templates', () => {
    assert.equal(ev('"a\\tb\\n\\"q\\" \\u00e9"'), 'a\tb\n"q" é');
    assert.equal(ev('"$${literal} %%{x}"'), '${literal} %{x}');
    assert.equal(ev('"web-${var.env}-${1 + 1}"', { var: { env: 'dev' } }), 'web-dev-2');
    assert.deepEqual(ev('"${var.list}"', { var: { list: [1, 2] } }), [1, 2], 'a lone interpolation keeps its type');
    assert.equal(ev('1.5e2'), 150);
    assert.equal(ev('null'), null);
    assert.equal(ev('"%{ if true }x%{ endif }"'), UNKNOWN, 'directives are not evaluated');
  });

  it('heredocs, plain and indented, with interpolation', () => {
    const body = parseHcl('a = <<EOT\nline ${var.x}\n  two\nEOT\nb = <<-EOT\n    {\n      "k": 1\n    }\n    EOT\nc = 1\n');
    const s = scope({ var: { x: 'X' } });
    assert.equal(evaluate(body.attributes[0]!.expr, s), 'line X\n  two\n');
    assert.equal(evaluate(body.attributes[1]!.expr, s), '{\n  "k": 1\n}\n');
    assert.equal(evaluate(body.attributes[2]!.expr, s), 1);
  });

  it('operators follow the spec precedence', () => {
    assert.equal(ev('1 + 2 * 3'), 7);
    assert.equal(ev('(1 + 2) * 3'), 9);
    assert.equal(ev('10 - 4 - 3'), 3);
    assert.equal(ev('7 % 4 == 3 && !false'), true);
    assert.equal(ev('1 < 2 || 3 > 4'), true);
    assert.equal(ev('2 >= 2 && 2 <= 1'), false);
    assert.equal(ev('-3 + 1'), -2);
    assert.equal(ev('1 != 2 ? "a" : "b"'), 'a');
    assert.equal(ev('"x" == "x"'), true);
  });

  it('traversals: attributes, indexes, legacy .N index, splats', () => {
    const v = { var: { m: { a: [{ n: 1 }, { n: 2 }] }, l: ['x', 'y'] } };
    assert.equal(ev('var.m.a[1].n', v), 2);
    assert.equal(ev('var.l.0', v), 'x');
    assert.equal(ev('var.m["a"][0]["n"]', v), 1);
    assert.deepEqual(ev('var.m.a[*].n', v), [1, 2]);
    assert.deepEqual(ev('var.m.a.*.n', v), [1, 2]);
  });

  it('for expressions over lists and maps, with conditions and grouping', () => {
    assert.deepEqual(ev('[for x in [1, 2, 3] : x * 2 if x != 2]'), [2, 6]);
    assert.deepEqual(ev('{for k, v in { a = 1, b = 2 } : upper(k) => v}'), { A: 1, B: 2 });
    assert.deepEqual(ev('{for s in ["a", "b", "a"] : s => s...}'), { a: ['a', 'a'], b: ['b'] });
    assert.deepEqual(ev('[for i, x in ["p", "q"] : "${i}${x}"]'), ['0p', '1q']);
  });

  it('functions: a pure subset, expansion, try and can', () => {
    assert.equal(ev('jsonencode({ b = 1, a = [true, null] })'), '{"a":[true,null],"b":1}');
    assert.deepEqual(ev('jsondecode("{\\"x\\":[1]}")'), { x: [1] });
    assert.deepEqual(ev('merge({ a = 1 }, { b = 2 }, { a = 3 })'), { a: 3, b: 2 });
    assert.deepEqual(ev('concat([1], [2, 3])'), [1, 2, 3]);
    assert.equal(ev('lookup({ a = 1 }, "b", 9)'), 9);
    assert.equal(ev('format("%s-%03d", "web", 7)'), 'web-007');
    assert.equal(ev('join(",", ["a", "b"])'), 'a,b');
    assert.equal(ev('max([1, 8, 3]...)'), 8);
    assert.equal(ev('length(["a", "b"])'), 2);
    assert.deepEqual(ev('flatten([[1], [2, [3]]])'), [1, 2, 3]);
    assert.equal(ev('try(var.m.missing, "fallback")', { var: { m: {} } }), 'fallback');
    assert.equal(ev('can(var.m.missing)', { var: { m: {} } }), false);
    assert.equal(ev('coalesce("", "b")'), 'b');
    assert.equal(ev('provider::aws::arn_parse("x")'), UNKNOWN, 'provider functions are unknown');
  });

  it('anything not static is UNKNOWN, and UNKNOWN propagates without guessing', () => {
    assert.equal(ev('aws_vpc.main.id'), UNKNOWN);
    assert.equal(ev('"prefix-${aws_vpc.main.id}"'), UNKNOWN);
    assert.equal(ev('file("policy.json")'), UNKNOWN);
    assert.equal(ev('var.unset ? 1 : 2', { var: { unset: UNKNOWN } }), UNKNOWN);
    assert.equal(ev('var.unset || true', { var: { unset: UNKNOWN } }), true, 'a known side decides ||');
    assert.equal(ev('var.unset && false', { var: { unset: UNKNOWN } }), false);
    assert.equal(ev('var.unset + 1', { var: { unset: UNKNOWN } }), UNKNOWN);
    assert.equal(ev('path.module'), UNKNOWN);
    // jsonencode of a partly known value writes the unknown parts as Terraform prints them.
    assert.equal(ev('jsonencode({ a = 1, b = var.x })', { var: { x: UNKNOWN } }), `{"a":1,"b":${JSON.stringify(UNKNOWN_TEXT)}}`);
  });

  it('stripUnknown leaves out unknown values and lists their paths', () => {
    const unknown: string[] = [];
    const out = stripUnknown({ a: 1, b: UNKNOWN, c: [1, UNKNOWN], d: [{ x: UNKNOWN, y: 2 }], e: { f: UNKNOWN } }, '', unknown);
    assert.deepEqual(out, { a: 1, d: [{ y: 2 }], e: {} });
    assert.deepEqual(unknown.sort(), ['b', 'c', 'd.0.x', 'e.f']);
  });

  it('JSON-syntax template strings parse as templates', () => {
    assert.equal(evaluate(parseHclTemplate('web-${var.env} "q"'), scope({ var: { env: 'p' } })), 'web-p "q"');
    assert.equal(evaluate(parseHclTemplate('plain'), scope()), 'plain');
  });
});
