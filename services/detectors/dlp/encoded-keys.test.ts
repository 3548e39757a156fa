import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { validateDerKey } from './encoded-keys.ts';

const engine = buildEngine(parseDlpConfig({ enabled: true }));
const found = (text: string): string[] => engine.scan(text).map((m) => `${m.def.id}/${m.subtype}`);

// Keys are generated at test time: nothing key-like is written in the source.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const pkcs1Pem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const pkcs8Pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const der = (k: typeof rsa.privateKey, type: 'pkcs1' | 'pkcs8' | 'sec1'): string => (k.export({ type, format: 'der' }) as Buffer).toString('base64');

test('PEM private keys with escaped newlines inside JSON and concatenated in source code', () => {
  const escaped = pkcs8Pem.trim().replace(/\n/g, '\\n');
  assert.deepEqual(found(`{"type": "x", "private_key": "${escaped}\\n"}`), ['private_key/pkcs8']);
  const lines = pkcs1Pem.trim().split('\n');
  const java = `String key = ${lines.map((l) => `"${l}\\n"`).join(' +\n    ')};`;
  assert.deepEqual(found(java), ['private_key/rsa']);
  const py = `KEY = (\n${lines.map((l) => `    "${l}\\n"`).join('\n')}\n)`;
  assert.deepEqual(found(py), ['private_key/rsa']);
});

test('a PEM key encoded in base64 is found at every alignment inside a larger base64 text', () => {
  for (const pad of ['', 'a', 'ab', 'config:\n  key: |\n']) {
    const blob = Buffer.from(`${pad}${pkcs1Pem}trailer: 1\n`).toString('base64');
    assert.deepEqual(found(`data:\n  tls.key: ${blob}\n`), ['private_key/rsa_base64'], `prefix ${JSON.stringify(pad)}`);
  }
  const cert = Buffer.from(`-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----\n`).toString('base64');
  assert.deepEqual(found(`tls.crt: ${cert}`), [], 'a certificate is not a key');
});

test('bare base64 DER private keys: PKCS#1, PKCS#8, SEC1, Ed25519, also wrapped over indented lines', () => {
  assert.deepEqual(found(`KEY=${der(rsa.privateKey, 'pkcs1')}\n`), ['private_key/rsa_der_base64']);
  assert.deepEqual(found(`KEY=${der(rsa1024.privateKey, 'pkcs1')}\n`), ['private_key/rsa_der_base64']);
  assert.deepEqual(found(`"key": "${der(rsa.privateKey, 'pkcs8')}"`), ['private_key/pkcs8_der_base64']);
  assert.deepEqual(found(`key: ${der(ec.privateKey, 'sec1')}`), ['private_key/ec_der_base64']);
  assert.deepEqual(found(`key: ${der(ec.privateKey, 'pkcs8')}`), ['private_key/pkcs8_der_base64']);
  const wrapped = der(rsa1024.privateKey, 'pkcs1').match(/.{1,64}/g)!.join('\n        ');
  assert.deepEqual(found(`<data>\n        ${wrapped}\n</data>`), ['private_key/rsa_der_base64']);
  assert.deepEqual(found(`ED25519_KEY=${der(ed.privateKey, 'pkcs8')}\n`), ['private_key/pkcs8_der_base64']);
  assert.equal(validateDerKey({ text: '', start: 0, end: 0, value: der(ed.privateKey, 'pkcs8').slice(0, 40), valueStart: 0, groups: {} }), null, 'too short');
});

test('public keys, truncated keys and random base64 are not private keys', () => {
  const spki = (rsa.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
  assert.deepEqual(found(`pub: ${spki}`), []);
  const pkcs1Pub = (rsa.publicKey.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64');
  assert.deepEqual(found(`pub: ${pkcs1Pub}`), []);
  assert.deepEqual(found(`KEY=${der(rsa.privateKey, 'pkcs1').slice(0, 200)}\n`), [], 'a fragment of a key');
  assert.deepEqual(found(`blob: ${randomBytes(600).toString('base64')}`), []);
});

test('JSON Web Keys with private members, in JSON and in base64', () => {
  const jwk = ec.privateKey.export({ format: 'jwk' });
  assert.deepEqual(found(JSON.stringify({ keys: [jwk] }, null, 2)), ['private_key/jwk']);
  const pub = ec.publicKey.export({ format: 'jwk' });
  assert.deepEqual(found(JSON.stringify({ keys: [pub] })), [], 'a public JWK');
  for (const pad of ['', ' ', '  ']) {
    const b64 = Buffer.from(`${pad}${JSON.stringify([jwk], null, 4)}`).toString('base64');
    assert.deepEqual(found(`JWKS=${b64}\n`), ['private_key/jwk_base64'], `prefix ${JSON.stringify(pad)}`);
  }
});

test('AWS session tokens: by their leading bytes and by their documented names', () => {
  const body = randomBytes(300).toString('base64').replace(/=+$/, '');
  const sts = `IQoJb3JpZ2luX2Vj${body}`;
  assert.deepEqual(found(`aws_session_token = ${sts}\n`), ['aws_session_token/sts']);
  assert.deepEqual(found(`export AWS_SESSION_TOKEN="${body}"`), ['aws_session_token/sts']);
  assert.deepEqual(found(`"SessionToken": "${body}"`), ['aws_session_token/sts']);
  assert.deepEqual(found(`aws_session_token = ${'A'.repeat(200)}`), [], 'no entropy');
  assert.deepEqual(found(`blob ${body} end`), [], 'random base64 without a name or prefix');
});
