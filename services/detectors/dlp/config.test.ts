import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { literalPrefix } from './custom.ts';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { dlpSpec } from './index.ts';
import { chunksOf, placed, testDetector } from './testing.ts';
import { cardNumber, Rng } from './samples.ts';

function configError(input: unknown): SluiceError {
  try {
    parseDlpConfig(input);
  } catch (err) {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_ERR_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected a config error');
}

test('defaults: disabled, every field described, unknown keys rejected', () => {
  const c = parseDlpConfig({});
  assert.equal(c.enabled, false);
  assert.equal(c.minConfidence, 0.5);
  assert.equal(c.contextWindow, 30);
  assert.equal(c.evidence.mode, 'last4');
  assert.match(configError({ enabled: true, bogus: 1 }).message, /bogus/);
  const shape = dlpSpec.configSchema.def.shape as Record<string, { description?: string }>;
  for (const [k, v] of Object.entries(shape)) assert.ok(v.description, `${k} has a description`);
  assert.deepEqual(testDetector({ enabled: false }).run(chunksOf(Buffer.from('jane@acme-corp.com'), [])), []);
});

test('user detectors: validated at config time, errors name the bad one', () => {
  const e = configError({
    customDetectors: [
      { id: 'employee_id', pattern: 'EMP-[0-9]{6}' },
      { id: 'broken_one', pattern: 'ab(c' },
      { id: 'empty_matcher', pattern: 'x*' },
      { id: 'email', pattern: 'abc' },
      { id: 'employee_id', pattern: 'EMP2-[0-9]{6}' },
      { id: 'kw_less', pattern: 'q{3}', requireKeyword: true },
      { id: 'Bad-Id', pattern: 'abc' },
    ],
    policies: [{ name: 'p1', action: 'alert', dataTypes: ['nope'] }],
    evidence: { mode: 'hmac' },
  });
  const m = e.message;
  assert.match(m, /custom detector "broken_one": pattern is not a valid regular expression/);
  assert.match(m, /custom detector "empty_matcher": pattern matches the empty string/);
  assert.match(m, /custom detector "email": the id is a built-in data type/);
  assert.match(m, /custom detector "employee_id": the id is used twice/);
  assert.match(m, /custom detector "kw_less": requireKeyword needs keywords/);
  assert.match(m, /customDetectors\.6\.id/);
  assert.match(m, /policy "p1": unknown data type "nope"/);
  assert.match(m, /evidence\.mode "hmac" needs evidence\.hmacKey/);
  assert.doesNotMatch(m, /employee_id": pattern/);
});

test('user detectors: found with keywords and a named built-in validator', () => {
  const rng = new Rng(3);
  const card = cardNumber(rng, 'mastercard');
  const bad = card.slice(0, -1) + String((Number(card.at(-1)) + 5) % 10);
  const d = testDetector({
    customDetectors: [
      { id: 'employee_id', pattern: 'EMP-[0-9]{6}', keywords: ['employee'], confidence: 0.4, keywordConfidence: 0.9, severity: 'Low', category: 'Business' },
      { id: 'loyalty_card', pattern: '(?<![0-9])LC(?<value>[0-9]{16})(?![0-9])', validator: 'luhn' },
      { id: 'project_code', pattern: 'proj(?:ect)?[ :#]+(?<value>[A-Z]{3}[0-9]{4})', caseInsensitive: true, requireKeyword: true, keywords: ['secret'] },
    ],
  });
  const text = `employee EMP-123456;${'.'.repeat(40)} badge EMP-654321 (no keyword nearby, 0.4 < 0.5)\nLC${card} LC${bad}\nsecret PROJECT: ABC1234 and project: XYZ9876${' '.repeat(40)}`;
  const bytes = Buffer.from(text);
  const got = placed(d.run(chunksOf(bytes, [5, 20, 60], { key: 'custom.txt' })));
  const at = (s: string): number => text.indexOf(s);
  assert.deepEqual(got, [`employee_id@${at('EMP-123456')}+10`, `loyalty_card@${at(card)}+16`, `project_code@${at('ABC1234')}+7`].sort());
  assert.equal(literalPrefix('EMP-[0-9]{6}'), 'EMP-');
  assert.equal(literalPrefix('acct(?:ount)?'), 'acct');
  assert.equal(literalPrefix('abc?d'), 'ab');
  assert.equal(literalPrefix('a|b'), '');
  assert.equal(literalPrefix('\\d+'), '');
  assert.equal(literalPrefix('sk\\.live'), 'sk.live');
});

test('carry bound: detectors needing more than maxCarryBytes are a config error', () => {
  assert.throws(
    () => testDetector({ maxCarryBytes: 4096 }),
    (err: unknown) => err instanceof SluiceError && /more than maxCarryBytes \(4096\)/.test(err.message),
  );
  // Without the long detectors (private keys, JWTs, session tokens, vendor tokens), a small carry is enough.
  assert.doesNotThrow(() =>
    testDetector({
      maxCarryBytes: 8192,
      disabledTypes: ['private_key', 'jwt', 'gcp_service_account_key', 'azure_sas_token', 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'api_token', 'azure_storage_connection_string'],
    }),
  );
  const e = buildEngine(parseDlpConfig({}));
  assert.ok(e.leftContext > e.maxLength && e.holdback > 2 * e.maxLength);
});
