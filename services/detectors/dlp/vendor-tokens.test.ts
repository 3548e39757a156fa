import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { Rng } from './samples.ts';
import { bech32Valid, longestSequence, TOKEN_FORMATS, validateTokenBody } from './vendor-tokens.ts';

const engine = buildEngine(parseDlpConfig({ enabled: true }));
const found = (text: string): string[] => engine.scan(text).map((m) => `${m.def.id}/${m.subtype}:${m.value}`);

const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const DI = '0123456789';
const AN = UP + LO + DI;
const HEX = '0123456789abcdef';

/** A random string holding upper, lower and digit characters of the alphabet where it has them. */
function rand(rng: Rng, alphabet: string, n: number): string {
  for (;;) {
    const s = rng.chars(alphabet, n);
    const need = [UP, LO, DI].filter((c) => [...alphabet].some((ch) => c.includes(ch)));
    if (need.every((c) => [...s].some((ch) => c.includes(ch))) && longestSequence(s) < 4 && !/(.)\1{3}/.test(s)) return s;
  }
}

// Tokens are built at run time from each vendor's documented prefix, alphabet and length.
const rng = new Rng(77);
const POSITIVES: Array<[string, string]> = [
  ['anthropic', `sk-ant-api03-${rand(rng, AN + '_-', 93)}AA`],
  ['openai', `sk-proj-${rand(rng, AN, 20)}${['T3Blbk', 'FJ'].join('')}${rand(rng, AN, 20)}`],
  ['groq', `gsk_${rand(rng, AN, 52)}`],
  ['huggingface', `hf_${rand(rng, UP + LO, 34)}`],
  ['xai', `xai-${rand(rng, AN, 80)}`],
  ['perplexity', `pplx-${rand(rng, AN, 48)}`],
  ['digitalocean', `dop_v1_${rand(rng, HEX, 64)}`],
  ['npm', `npm_${rand(rng, AN, 36)}`],
  ['pypi', `pypi-AgEIcHlwaS5vcmc${rand(rng, AN + '_-', 120)}`],
  ['rubygems', `rubygems_${rand(rng, HEX, 48)}`],
  ['docker', `dckr_pat_${rand(rng, AN + '_-', 27)}`],
  ['grafana', `glsa_${rand(rng, AN, 32)}_${rand(rng, HEX, 8)}`],
  ['hashicorp_vault', `hvs.${rand(rng, AN + '_-', 95)}`],
  ['google_api_key', `AIza${rand(rng, AN + '_-', 35)}`],
  ['google_oauth_client_secret', `GOCSPX-${rand(rng, AN + '_-', 28)}`],
  ['sendgrid', `SG.${rand(rng, AN, 22)}.${rand(rng, AN, 43)}`],
  ['shopify', `shpat_${rand(rng, HEX, 32)}`],
  ['postman', `PMAK-${rand(rng, HEX, 24)}-${rand(rng, HEX, 34)}`],
  ['linear', `lin_api_${rand(rng, AN, 40)}`],
  ['sentry', `sntryu_${rand(rng, HEX, 64)}`],
  ['azure_ad_client_secret', `${rand(rng, AN, 3)}7Q~${rand(rng, AN + '_-', 34)}`],
  ['telegram_bot', `${rand(rng, DI, 9)}:AA${rand(rng, AN + '_-', 33)}`],
  ['mailchimp', `${rand(rng, HEX, 32)}-us14`],
  ['atlassian', `ATATT3${rand(rng, AN + '_-', 170)}=${rand(rng, '0123456789ABCDEF', 8)}`],
  ['twilio_api_key', `SK${rand(rng, HEX, 32)}`],
  ['sonarqube', `squ_${rand(rng, HEX, 40)}`],
];

test('vendor tokens: each documented shape is found, with the vendor as subtype', () => {
  for (const [vendor, token] of POSITIVES) {
    for (const [pre, post] of [['TOKEN=', '\n'], ['"key": "', '"'], ['Authorization: ', ' ']]) {
      assert.deepEqual(found(`${pre}${token}${post}`), [`api_token/${vendor}:${token}`], `${vendor} in ${pre}`);
    }
  }
});

test('vendor tokens: every format has anchors and a bounded length', () => {
  for (const f of TOKEN_FORMATS) {
    assert.ok(f.anchors.length > 0, f.vendor);
    assert.ok(f.maxLength <= 4096, `${f.vendor}: carry bound`);
  }
});

test('vendor tokens: placeholders, sequences, runs, wrong lengths and longer words are not reported', () => {
  const r = new Rng(5);
  const cases: Array<[string, string]> = [
    ['placeholder word', `gsk_${rand(r, AN, 45)}EXAMPLE`],
    ['lower-case placeholder', `npm_${rand(r, AN, 29)}example`],
    ['sequence', `dop_v1_0123456789abcdef${rand(r, HEX, 48)}`],
    ['run of one character', `hf_${'x'.repeat(34)}`],
    ['one character class', `npm_${'abcdefghij'.repeat(3)}qwerty`],
    ['too short', `gsk_${rand(r, AN, 30)}`],
    ['too long', `npm_${rand(r, AN, 50)}`],
    ['inside a longer word', `xnpm_${rand(r, AN, 36)}`],
    ['akamai host name, not a client token', `akab-${rand(r, LO + DI, 16)}-${rand(r, LO + DI, 16)}.luna.akamaiapis.net`],
    ['deepseek shape inside a word', `disk-${rand(r, HEX, 32)}`],
    ['twilio shape in upper-case hex (a hash)', `SK${rand(r, '0123456789ABCDEF', 32)}`],
  ];
  for (const [what, text] of cases) assert.deepEqual(found(`value ${text} end`), [], what);
});

test('vendor tokens: an ANSI colour sequence just before a token is a border', () => {
  const token = POSITIVES[2]![1];
  assert.deepEqual(found(`\x1b[93m${token}\x1b[0m`), [`api_token/groq:${token}`]);
});

test('token body checks: entropy, classes, runs, sequences, placeholders', () => {
  assert.equal(longestSequence('xx123456yy'), 6);
  assert.equal(longestSequence('fedcba'), 6);
  assert.equal(longestSequence('a1b2'), 1);
  assert.equal(validateTokenBody('short'), null);
  assert.equal(validateTokenBody('aaaaaaaaaaaaaaaaaaaa'), null);
  assert.equal(validateTokenBody('Q7fK2mX9pL4sR8tV1wZ3')?.testValue, false);
  assert.equal(validateTokenBody('Q7fK2mX9pL4sR8tVfake')?.testValue, true);
  assert.equal(validateTokenBody('Q7fK2mX9pL4s12345678')?.testValue, true);
});

test('bech32 checksum (BIP-173): valid strings pass, a changed character fails', () => {
  // BIP-173 test vectors.
  for (const s of ['A12UEL5L', 'a12uel5l', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw', 'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w']) {
    assert.equal(bech32Valid(s), true, s);
  }
  assert.equal(bech32Valid('split1checkupstagehandshakeupstreamerranterredcaperred2y9e3x'), false);
  assert.equal(bech32Valid('pzry9x0s0muk'), false, 'no separator');
});
