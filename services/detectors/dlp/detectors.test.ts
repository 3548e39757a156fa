import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DATA_TYPES, type BuiltinDataType } from './config.ts';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { cardNumber, githubToken, ibanNumber, makeDecoy, makeSample, Rng } from './samples.ts';

const engine = buildEngine(parseDlpConfig({ enabled: true }));
const found = (text: string): string[] => engine.scan(text).map((m) => `${m.def.id}:${m.value}`);
const types = (text: string): string[] => engine.scan(text).map((m) => m.def.id);

test('every built-in type: generated samples give exactly their expected findings', () => {
  const rng = new Rng(20240601);
  for (const kind of BUILTIN_DATA_TYPES) {
    for (let i = 0; i < 25; i++) {
      const s = makeSample(kind, rng);
      const got = engine.scan(s.text).map((m) => `${m.def.id}@${m.start}+${m.end - m.start}`).sort();
      const want = s.expect.map((e) => `${e.type}@${e.offset}+${e.length}`).sort();
      assert.deepEqual(got, want, `${kind}: ${JSON.stringify(s.text.slice(0, 120))}`);
    }
  }
});

test('decoys (failed checksums, test values, placeholders, look-alikes) give no finding', () => {
  const rng = new Rng(99);
  for (let i = 0; i < 400; i++) {
    const d = makeDecoy(rng);
    assert.deepEqual(types(d), [], d);
  }
});

// Hand-written cases, positive and negative, per detector (values built at run time).
test('cases: text -> expected findings', () => {
  const rng = new Rng(5);
  const visa = cardNumber(rng, 'visa');
  const iban = ibanNumber(rng);
  const gh = githubToken(rng);
  const seg = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = `${seg({ alg: 'RS256', kid: 'k1' })}.${seg({ sub: 'user-42', exp: 1900000000 })}.${'Qx7'.repeat(14)}`;
  const akid = 'AKIA' + 'QWERTYUIOPASDFGH'.replace(/[01]/g, '2');
  const secret = 'Wq7bC9kR2mZ4xP8vN1tL6yH3dF5gJ0sA+/eTuIoQ';
  // Token-shaped values are assembled here so that no source line holds one whole.
  const slack = ['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-');
  const hookPath = ['T1029384756', 'B102984756', 'sjsbfzowhhqbsgftrvajxzpg'].join('/');
  const stripeLive = ['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_');
  const stripeDocs = ['sk', 'test', '4eC39HqLyjWDarjtT1zdp7dc'].join('_');
  const cases: Array<[string, string, string[]]> = [
    ['card in prose', `charge card ${visa} today`, [`payment_card:${visa}`]],
    ['card with trailing expiry group', `card ${visa.match(/.{4}/g)!.join(' ')} 12`, [`payment_card:${visa.match(/.{4}/g)!.join(' ')}`]],
    ['card inside a longer number', `id 9${visa}1`, []],
    ['card after a decimal point', `0.${visa}`, []],
    ['SSN dashed', 'His social security number is 531-21-7351', ['us_ssn:531-21-7351']],
    ['SSN plain needs a keyword', 'ref 531217351 shipped', []],
    ['SSN plain with keyword', 'SSN 531217351', ['us_ssn:531217351']],
    ['SSN invalid area', 'SSN 666-21-7351', []],
    ['SSN inside a phone-like run', 'dial 555-531-21-7351', []],
    ['IBAN compact', `pay to ${iban}.`, [`iban:${iban}`]],
    ['IBAN wrong checksum', `pay to ${iban.slice(0, -1)}${iban.endsWith('0') ? '1' : '0'}.`, []],
    ['e-mail', 'write to jane.doe@acme-corp.com.', ['email:jane.doe@acme-corp.com']],
    ['e-mail example domain is a test value', 'user@example.com', []],
    ['retina asset is not an e-mail', 'icon@2x.png', []],
    ['phone with keyword', 'Mobile: 041-412-293 Desk: 986.291.2294x751', ['phone:041-412-293', 'phone:986.291.2294x751']],
    ['phone without keyword is below the threshold', 'order 986.291.2294 shipped', []],
    ['date is not a phone', 'call on 2024-01-15', []],
    ['AWS pair', `aws_access_key_id=${akid}\naws_secret_access_key=${secret}`, [`aws_access_key_id:${akid}`, `aws_secret_access_key:${secret}`]],
    ['AWS key id alone', `key ${akid} rotated`, [`aws_access_key_id:${akid}`]],
    ['AWS documentation example', 'AKIAIOSFODNN7EXAMPLE', []],
    ['40 base64 characters without AWS context', `blob ${secret} stored`, []],
    ['JWT', `Authorization: Bearer ${jwt}`, [`jwt:${jwt}`]],
    ['JWT-like without JSON', `eyJub3Rqc29u.eyJhYmM.sig`, []],
    ['GitHub token with checksum', `GITHUB_TOKEN=${gh}`, [`github_token:${gh}`]],
    ['GitHub placeholder', `ghp_${'x'.repeat(36)}`, []],
    ['GitLab PAT', 'glpat-8d5ri2n9g85LAnC9YW85', ['gitlab_token:glpat-8d5ri2n9g85LAnC9YW85']],
    ['GitLab prefix alone', 'glpat-', []],
    ['Slack bot token', slack, [`slack_token:${slack}`]],
    ['Slack webhook path', `https://hooks.slack.com/services/${hookPath}`, [`slack_token:${hookPath}`]],
    ['Stripe live secret', stripeLive, [`stripe_key:${stripeLive}`]],
    ['Stripe docs test key', stripeDocs, []],
    ['password assigned (a password, not a generic secret)', 'db_password: "Zx9!qW2#eR4$tY6&u"', ['password:Zx9!qW2#eR4$tY6&u']],
    ['generic secret', 'client_secret: "Zx9!qW2#eR4$tY6&u"', ['generic_secret:Zx9!qW2#eR4$tY6&u']],
    ['generic template is not a secret', 'db_password: ${DB_PASSWORD}', []],
    ['generic identifier is not a secret', 'token_name: refresh_token_expiry', []],
    ['certificate is not a private key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', []],
    ['private key header without a body', '-----BEGIN RSA PRIVATE KEY-----\n\n', []],
  ];
  for (const [name, text, want] of cases) assert.deepEqual(found(text).sort(), [...want].sort(), name);
});

test('context keywords raise confidence; test values lower it', () => {
  const rng = new Rng(8);
  const visa = cardNumber(rng, 'visa');
  const [plain] = engine.scan(`ref ${visa} ok`);
  const [keyed] = engine.scan(`credit card ${visa} ok`);
  assert.ok(plain && keyed);
  assert.equal(plain.keyword, false);
  assert.equal(keyed.keyword, true);
  assert.ok(keyed.confidence > plain.confidence);
  // A keyword beyond the window does not count.
  const [far] = engine.scan(`credit card${' '.repeat(40)}${visa} ok`);
  assert.equal(far?.keyword, false);
  // Known test card: found with a low confidence when the threshold allows it.
  const low = buildEngine(parseDlpConfig({ enabled: true, minConfidence: 0 }));
  const [t] = low.scan('credit card 4111 1111 1111 1111');
  assert.equal(t?.testValue, true);
  assert.ok(t!.confidence < 0.5);
});

test('disabledTypes and minConfidence', () => {
  const noEmail = buildEngine(parseDlpConfig({ enabled: true, disabledTypes: ['email'] }));
  assert.deepEqual(noEmail.scan('jane.doe@acme-corp.com').length, 0);
  const strict = buildEngine(parseDlpConfig({ enabled: true, minConfidence: 0.9 }));
  const visa = cardNumber(new Rng(1), 'visa');
  assert.equal(strict.scan(`ref ${visa}`).length, 0);
  assert.equal(strict.scan(`credit card ${visa}`).length, 1);
});

test('overlaps: the more specific detector wins', () => {
  const gh = githubToken(new Rng(4));
  assert.deepEqual(types(`api_token = "${gh}"`), ['github_token'], 'not also a generic secret');
  const iban = ibanNumber(new Rng(6)).match(/.{1,4}/g)!.join(' ');
  assert.deepEqual(types(`IBAN ${iban}`), ['iban'], 'digits inside an IBAN are not a card');
  const byType = new Set<BuiltinDataType>(engine.scan(makeSample('gcp_service_account_key', new Rng(2)).text).map((m) => m.def.id as BuiltinDataType));
  assert.deepEqual([...byType].sort(), ['email', 'gcp_service_account_key', 'private_key']);
});
