import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DATA_TYPES } from './config.ts';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { AhoCorasickPrefilter, digitRunCount, RegexPrefilter, type DigitFilter, type Prefilter } from './prefilter.ts';
import { makeDecoy, makeSample, Rng } from './samples.ts';

function candidates(p: Prefilter, text: string, filter?: DigitFilter): string[] {
  const out: string[] = [];
  p.scan(text, { literal: (id, pos) => out.push(`L${id}@${pos}`), digits: (pos, n) => out.push(`D@${pos}:${n}`) }, filter);
  return out.sort();
}

test('Aho-Corasick and the alternation RegExp find the same candidates', () => {
  const literals = ['AKIA', 'secret', 'client_secret', 'sec', 'eyJ', '-----BEGIN', 'sig=', 'A3T', 'token', 'to'];
  const ac = new AhoCorasickPrefilter(literals);
  const re = new RegexPrefilter(literals);
  const rng = new Rng(1);
  const alphabet = 'akiAKIsecrtSECRT_-=lnoyJBGIN0123456789 \n.é';
  for (let i = 0; i < 300; i++) {
    const text = rng.chars(alphabet, 200) + 'client_secret=1 tokens AKIA3T eyJ -----BEGIN 12-34 sig=';
    assert.deepEqual(candidates(ac, text), candidates(re, text));
  }
  const filter: DigitFilter = { minDigits: 7, afterLetterPair: true };
  const gr = new AhoCorasickPrefilter(['GR1348941', 'sig=']);
  const grRe = new RegexPrefilter(['GR1348941', 'sig=']);
  for (let i = 0; i < 300; i++) {
    const text = `${rng.chars('ABGRab12345 -.()/x', 120)} GR1348941abc DE89 3704 de12 3456789 x12`;
    assert.deepEqual(candidates(ac, text, filter), candidates(re, text, filter));
    assert.deepEqual(candidates(gr, text, filter), candidates(grRe, text, filter));
  }
  assert.deepEqual(candidates(ac, 'DE89 3704 ab12 1 2 3 4 5 6 7', filter), ['D@2:6', 'D@12:9', 'D@15:7'].sort());
  assert.deepEqual(candidates(ac, 'xSECRETx'), ['L1@1', 'L3@1'].sort(), 'case-insensitive, nested literals');
  assert.deepEqual(candidates(ac, 'a12 345-6x7'), ['D@1:6', 'D@4:4', 'D@8:1', 'D@10:1'].sort());
  assert.equal(digitRunCount('4111 1111-1111.1111 x', 0), 16);
});

test('both prefilters give the same scan results on samples and decoys', () => {
  const config = parseDlpConfig({ enabled: true, customDetectors: [{ id: 'employee_id', pattern: 'EMP-[0-9]{6}' }, { id: 'any_code', pattern: '\\bQ[0-9]{5}\\b' }] });
  const ac = buildEngine(config, 'aho-corasick');
  const re = buildEngine(config, 'regex');
  assert.equal(ac.prefilterKind, 'aho-corasick');
  assert.equal(re.prefilterKind, 'regex');
  const rng = new Rng(2);
  let text = '';
  for (let i = 0; i < 200; i++) text += `${makeSample(BUILTIN_DATA_TYPES[i % BUILTIN_DATA_TYPES.length]!, rng).text}\n${makeDecoy(rng)}\nEMP-${100000 + i} Q${10000 + i}\n`;
  const a = ac.scan(text).map((m) => `${m.def.id}@${m.start}`);
  const b = re.scan(text).map((m) => `${m.def.id}@${m.start}`);
  assert.ok(a.length > 200);
  assert.deepEqual(a, b);
  assert.ok(a.some((x) => x.startsWith('employee_id@')) && a.some((x) => x.startsWith('any_code@')));
});
