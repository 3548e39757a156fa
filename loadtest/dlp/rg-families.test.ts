import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_DATA_TYPES, makeSample, Rng, type BuiltinDataType } from '../../services/detectors/dlp/index.ts';
import { combinedOrder, passGroups, RG_FAMILIES, toJs, toJsSearch, toRust, ValueLocator } from './rg-families.ts';
import { parseRgJson, place, score } from './ripgrep.ts';
import type { CorpusFile } from './corpus.ts';

const family = (type: BuiltinDataType) => RG_FAMILIES.find((f) => f.type === type)!;

/** Value spans the family's patterns find in a text, as ripgrep would (leftmost-first, non-overlapping). */
function spans(type: BuiltinDataType, text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const res = family(type).patterns.map(toJsSearch);
  let at = 0;
  for (;;) {
    let best: RegExpExecArray | null = null;
    for (const re of res) {
      re.lastIndex = at;
      const m = re.exec(text);
      if (m && m[0].length > 0 && (best === null || m.index < best.index)) best = m;
    }
    if (best === null) return out;
    const v = best.indices?.groups?.value ?? best.indices![0]!;
    out.push([v[0], v[1] - v[0]]);
    at = best.index + best[0].length;
  }
}

test('every data type the detector reports has a ripgrep family, once', () => {
  assert.deepEqual(RG_FAMILIES.map((f) => f.type).sort(), [...BUILTIN_DATA_TYPES].sort());
  assert.equal(combinedOrder()[0]!.type, 'private_key');
  const groups = passGroups();
  assert.deepEqual(groups.flat().map((f) => f.type).sort(), [...BUILTIN_DATA_TYPES].sort());
  assert.equal(groups.length, 1 + RG_FAMILIES.filter((f) => f.ownPass).length);
});

test('the ripgrep form is ASCII mode, has no named group and opens long bounds', () => {
  const r = toRust(String.raw`key=(?<value>[A-Za-z0-9+/]{12,160}==)`);
  assert.equal(r, String.raw`(?-u)key=(?:[A-Za-z0-9+/]{12,}==)`);
  assert.equal(toRust('[0-9]{11,18}'), '(?-u)[0-9]{11,18}');
});

test('each family finds the value span of generated samples of its type (positive)', () => {
  for (const type of BUILTIN_DATA_TYPES) {
    const rng = new Rng(4242);
    for (let i = 0; i < 30; i++) {
      const s = makeSample(type, rng);
      for (const e of s.expect.filter((x) => x.type === type)) {
        const found = spans(type, `${s.text}\n`);
        assert.ok(found.some(([o, l]) => o === e.offset && l === e.length), `${type}: ${JSON.stringify(s.text)} -> ${JSON.stringify(found)}`);
      }
    }
  }
});

test('shapes outside the family are not matched (negative)', () => {
  const negatives: Array<[BuiltinDataType, string]> = [
    ['payment_card', 'order 41111111111 shipped'],
    ['us_ssn', 'ssn=000-12-3456 and 666-12-3456 and 912-12-3456'],
    ['us_ssn', 'id 123456789 on file'],
    ['iban', 'IBAN: DE8937040044053201300 (one digit short)'],
    ['email', 'user at example dot com'],
    ['phone', 'build 555-1234 passed'],
    ['aws_access_key_id', 'AKIA123'],
    ['aws_secret_access_key', 'blob wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz stored'],
    ['github_token', `ghp_${'a'.repeat(35)} `],
    ['azure_sas_token', 'https://x.blob.core.windows.net/c?sig=abc'],
    ['private_key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['jwt', 'eyJhbGciOi only a header'],
    ['stripe_key', 'sk_live_short'],
    ['password', 'the password is strong'],
    ['generic_secret', 'token: short'],
  ];
  for (const [type, text] of negatives) assert.deepEqual(spans(type, text), [], `${type}: ${text}`);
});

test('the JavaScript extractor is anchored to the whole match', () => {
  assert.equal(toJs('ab').test('xab'), false);
  assert.equal(toJs('(?i:ab)').test('AB'), true);
});

test('rg --json matches are placed and scored like detector findings', () => {
  const line = JSON.stringify({
    type: 'match',
    data: { path: { text: '/tmp/x/part-0000.log' }, lines: { text: 'k AccountKey=' }, line_number: 3, absolute_offset: 100, submatches: [{ match: { text: `AccountKey=${'A'.repeat(86)}==` }, start: 2, end: 100 }] },
  });
  const matches = parseRgJson(`{"type":"begin"}\n${line}\n`);
  assert.deepEqual(matches.map((m) => [m.file, m.offset]), [['part-0000.log', 102]]);
  const { placed, unplaced } = place(matches, RG_FAMILIES);
  assert.equal(unplaced, 0);
  assert.deepEqual(placed, [['part-0000.log', 'azure_storage_connection_string', 113, 88]]);
  const files = [{ name: 'part-0000.log', path: '', bytes: 1, format: 'log', truth: [{ type: 'azure_storage_connection_string', offset: 113, length: 88, border: false }] }] as CorpusFile[];
  const s = score(files, [...placed, ['part-0000.log', 'azure_storage_connection_string', 400, 88]], ['azure_storage_connection_string']);
  assert.deepEqual(s.azure_storage_connection_string, { planted: 1, found: 2, true_positives: 1, precision: 0.5, recall: 1 });
  assert.equal(new ValueLocator(RG_FAMILIES).locate('nothing here'), null);
});
