/**
 * Mutations of seed inputs, as fast-check arbitraries: byte flips, cuts, deletions, repeated slices,
 * dictionary tokens of the input's syntax (JSON, YAML, XML, HCL), deep nesting, long strings, and a
 * structure-aware one that replaces a value somewhere in a JSON document. Positions are fractions
 * of the input length, so one mutation fits every seed.
 */
import fc from 'fast-check';

export type Syntax = 'json' | 'yaml' | 'xml' | 'hcl' | 'text';

/** Tokens that parsers and mappers treat specially, per syntax. */
export const DICTIONARY: Record<Syntax, readonly string[]> = {
  json: ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '-0', '-1e999', '1e400', '9007199254740993', '"\\u0000"', '"\\ud800"', '"__proto__"', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{}}}', '\n', '\u2028', '\uFEFF'],
  yaml: ['---\n', '...\n', '&a ', '*a', '<<: *a\n', '!!binary ', '!!js/function ', '!Ref ', '!GetAtt x.y', '!Sub "${AWS::Region}"', '? ', '- ', '|\n', '>-\n', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '{', '}', '[', ']', ': ', '#', '\t', '"', "'", '~', '.nan', '0o777', '1_000', '2001-12-14t21:59:43.10-05:00'],
  xml: ['<', '>', '/>', '</', '<!DOCTYPE x [<!ENTITY e "eeeeeeeeeeeeeeeeeeee">]>', '&e;', '&amp;', '&#0;', '&#x10FFFF;', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '<!-- ', ' -->', 'xmlns:x="urn:x"', '<component>', '</component>', '"', '='],
  hcl: ['${', '}', '{', '"', '\n', 'resource "aws_s3_bucket" "b" {', 'for_each = ', 'count = 100000000', '<<EOT\n', 'EOT\n', 'locals {', '${jsonencode(', ')', 'dynamic "x" {', 'module "m" { source = "./m" }', 'var.', '[for x in var.y : x]', '%{ if true }', '%{ endif }', '#', '//', '/*'],
  text: ['\n', '\r\n', '\t', ' ', '-', '0', '\u0000', '\uFFFD', 'ACCEPT', 'REJECT', '2', '4294967295', '-1'],
};

export type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'repeat'; at: number; len: number; times: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'nest'; at: number; depth: number; open: string; close: string }
  | { op: 'longString'; at: number; length: number }
  | { op: 'jsonValue'; pick: number; value: fc.JsonValue };

const at = fc.double({ min: 0, max: 1, noNaN: true });

export function mutationArb(syntax: Syntax): fc.Arbitrary<Mutation> {
  const nesting = syntax === 'xml' ? { open: '<a>', close: '</a>' } : syntax === 'yaml' ? { open: '- ', close: '' } : { open: '[', close: ']' };
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at, byte: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 256 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at, len: fc.integer({ min: 1, max: 512 }), times: fc.integer({ min: 2, max: 64 }) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), at, token: fc.constantFrom(...DICTIONARY[syntax], ...DICTIONARY.text) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at, depth: fc.integer({ min: 100, max: 5000 }), open: fc.constant(nesting.open), close: fc.constant(nesting.close) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('longString' as const), at, length: fc.integer({ min: 1000, max: 300_000 }) }) },
    { weight: syntax === 'json' ? 5 : 0, arbitrary: fc.record({ op: fc.constant('jsonValue' as const), pick: at, value: fc.jsonValue({ maxDepth: 3 }) }) },
  );
}

/** Every node of a parsed JSON value, with a setter, in document order. */
function slots(root: unknown): Array<(v: unknown) => void> {
  const out: Array<(v: unknown) => void> = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 64 || typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      out.push((v) => ((node as Record<string, unknown>)[key] = v));
      walk((node as Record<string, unknown>)[key], depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

export function applyMutation(input: Buffer, m: Mutation): Buffer {
  const pos = (f: number): number => Math.min(input.length, Math.floor(f * (input.length + 1)));
  switch (m.op) {
    case 'flip': {
      if (input.length === 0) return Buffer.from([m.byte]);
      const out = Buffer.from(input);
      out[Math.min(out.length - 1, pos(m.at))] = m.byte;
      return out;
    }
    case 'truncate':
      return input.subarray(0, pos(m.at));
    case 'delete': {
      const p = pos(m.at);
      return Buffer.concat([input.subarray(0, p), input.subarray(p + m.len)]);
    }
    case 'repeat': {
      const p = pos(m.at);
      const slice = input.subarray(p, p + m.len);
      return Buffer.concat([input.subarray(0, p), ...Array.from({ length: m.times }, () => slice), input.subarray(p)]);
    }
    case 'insert': {
      const p = pos(m.at);
      return Buffer.concat([input.subarray(0, p), Buffer.from(m.token), input.subarray(p)]);
    }
    case 'nest': {
      const p = pos(m.at);
      return Buffer.concat([input.subarray(0, p), Buffer.from(m.open.repeat(m.depth) + m.close.repeat(m.depth)), input.subarray(p)]);
    }
    case 'longString': {
      const p = pos(m.at);
      return Buffer.concat([input.subarray(0, p), Buffer.alloc(m.length, 0x41), input.subarray(p)]);
    }
    case 'jsonValue': {
      let doc: unknown;
      try {
        doc = JSON.parse(input.toString('utf8'));
      } catch {
        return input;
      }
      const all = slots(doc);
      if (all.length === 0) return Buffer.from(JSON.stringify(m.value));
      all[Math.min(all.length - 1, Math.floor(m.pick * all.length))]!(m.value);
      return Buffer.from(JSON.stringify(doc));
    }
  }
}

/** A seed picked from the corpus and 1 to 4 mutations applied to it; the unmutated seeds come first (fast-check examples). */
export function mutatedInputArb(seeds: readonly Buffer[], syntax: Syntax): fc.Arbitrary<{ seed: number; mutations: Mutation[] }> {
  return fc.record({ seed: fc.nat({ max: Math.max(0, seeds.length - 1) }), mutations: fc.array(mutationArb(syntax), { minLength: 1, maxLength: 4 }) });
}

export function materialize(seeds: readonly Buffer[], input: { seed: number; mutations: readonly Mutation[] }): Buffer {
  return input.mutations.reduce((b, m) => applyMutation(b, m), seeds[input.seed] ?? Buffer.alloc(0));
}
