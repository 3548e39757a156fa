/**
 * The Confluent registry client against a real HTTP(S) server. No Schema Registry runs on the test
 * machines, so the server is `startFakeRegistry` (./testing.ts): a node:http server implementing the
 * REST endpoints Sluice calls, recording every request with its Authorization header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SchemaRegistryConfig } from '../config.ts';
import { SluiceError } from '../errors.ts';
import { SCHEMA_NAMES } from '../events.ts';
import { AvroCodec } from './codec.ts';
import { checkSchemaIdScope, connectSchemaRegistry, createSchemaRegistry } from './registry-setup.ts';
import { LocalSchemaRegistry } from './registry.ts';
import { startFakeRegistry } from './testing.ts';

const TOPIC = 'sluice.dlq.v1';
const SUBJECT = `${TOPIC}-value`;
const deadLetter = {
  stage: 'collect',
  source: 'aws_cloudtrail',
  position: 'f.json#1',
  reason_code: 'SLUICE_ERR_INPUT_MALFORMED',
  reason: 'not JSON',
  raw: Buffer.from('x'),
  time: 1_700_000_000_000,
};
const local = new LocalSchemaRegistry().schema(SCHEMA_NAMES.deadLetter);
const USER = 'APIKEY7QX';
const PASSWORD = 'S3cr3t-Sentinel-Pa55word';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

const settings = (input: Record<string, unknown>) => SchemaRegistryConfig.parse(input);

/** A dead letter (schemas/avro/dead_letter.v1.avsc): a small schema that no one else is changing. */
const record = (): Record<string, unknown> => ({ ...deadLetter, raw_truncated: false });

test('auto-registration with basic auth: BACKWARD set on the subject, then registered; every request authenticated', async () => {
  const server = await startFakeRegistry({ basicAuth: { username: USER, password: PASSWORD } });
  try {
    const registry = await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD } }));
    const codec = new AvroCodec(registry);
    const buf = await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
    const id = buf.readInt32BE(1);
    assert.ok(id >= 100, 'the id is the registry\'s, not the local one');
    assert.notEqual(id, local.id);
    assert.equal(server.compatibility.get(SUBJECT), 'BACKWARD');
    const calls = server.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    assert.deepEqual(calls, [`GET /config/${SUBJECT}`, `PUT /config/${SUBJECT}`, `POST /subjects/${SUBJECT}/versions`]);
    for (const r of server.requests) assert.equal(r.authorization, basic, `${r.method} ${r.path} carries the basic-auth header`);

    // A second process decodes through GET /schemas/ids/{id}.
    const reader = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD } })));
    const { value } = await reader.decode<{ reason: string }>(buf, SCHEMA_NAMES.deadLetter);
    assert.equal(value.reason, 'not JSON');
    assert.equal(server.requests.at(-1)?.path.split('?')[0], `/schemas/ids/${id}`);
  } finally {
    await server.close();
  }
});

test('a subject already at the wanted level is not changed; another level is set as configured', async () => {
  const server = await startFakeRegistry();
  try {
    server.compatibility.set(SUBJECT, 'BACKWARD');
    await new AvroCodec(await connectSchemaRegistry(settings({ url: server.url }))).encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
    assert.ok(!server.requests.some((r) => r.method === 'PUT'), 'no PUT when the level is already BACKWARD');

    const full = await startFakeRegistry();
    try {
      await new AvroCodec(await connectSchemaRegistry(settings({ url: full.url, compatibility: 'FULL_TRANSITIVE' }))).encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
      assert.equal(full.compatibility.get(SUBJECT), 'FULL_TRANSITIVE');
    } finally {
      await full.close();
    }
  } finally {
    await server.close();
  }
});

test("credentials in the URL's user info become the basic-auth header; a path prefix (Apicurio's /apis/ccompat/v7) is kept", async () => {
  const server = await startFakeRegistry({ basicAuth: { username: USER, password: PASSWORD }, prefix: '/apis/ccompat/v7' });
  try {
    const url = server.url.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
    const codec = new AvroCodec(await connectSchemaRegistry(settings({ url })));
    await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
    assert.ok(server.requests.length >= 2);
    for (const r of server.requests) assert.equal(r.authorization, basic);
  } finally {
    await server.close();
  }
});

test('pre-registered schemas only: the id is found with GET requests alone, never a POST or PUT', async () => {
  const server = await startFakeRegistry({ basicAuth: { username: USER, password: PASSWORD } });
  try {
    // Registered beforehand by an operator: an older version, then this schema re-indented (same schema, other text).
    const older = JSON.parse(local.text) as { fields: unknown[] };
    older.fields = older.fields.slice(0, -1);
    server.preRegister(SUBJECT, JSON.stringify(older));
    const id = server.preRegister(SUBJECT, JSON.stringify(JSON.parse(local.text), null, 4));
    server.requests.length = 0;

    const registry = await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD }, autoRegister: false }));
    const codec = new AvroCodec(registry);
    const buf = await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
    assert.equal(buf.readInt32BE(1), id);
    await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()); // cached: no more requests
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`),
      [`GET /subjects/${SUBJECT}/versions`, `GET /subjects/${SUBJECT}/versions/2`],
    );
    assert.ok(server.requests.every((r) => r.method === 'GET' && r.authorization === basic));
  } finally {
    await server.close();
  }
});

test('pre-registered schemas only: a missing subject or schema fails with SCHEMA_NOT_REGISTERED, and nothing is written', async () => {
  const server = await startFakeRegistry();
  try {
    const codec = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, autoRegister: false })));
    await assert.rejects(codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()), (e: unknown) => {
      assert.ok(e instanceof SluiceError);
      assert.equal(e.code, 'SLUICE_ERR_SCHEMA_NOT_REGISTERED');
      assert.match(e.message, new RegExp(`${SCHEMA_NAMES.deadLetter}.*not registered under subject ${SUBJECT}: the subject does not exist`));
      assert.match(e.message, /autoRegister/);
      return true;
    });
    server.preRegister(SUBJECT, '{"type":"record","name":"Other","fields":[{"name":"a","type":"string"}]}');
    await assert.rejects(codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()), (e: unknown) =>
      e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_NOT_REGISTERED' && /none of its 1 version\(s\) is this schema/.test(e.message),
    );
    assert.ok(server.requests.length >= 3);
    assert.deepEqual(server.requests.filter((r) => r.method !== 'GET'), [], 'only GET requests');
    assert.equal(server.compatibility.size, 0);
  } finally {
    await server.close();
  }
});

test('refused credentials: SCHEMA_REGISTRY error whose message, cause and inspection hold no credential', async () => {
  const server = await startFakeRegistry({ basicAuth: { username: USER, password: 'the-right-one' } });
  try {
    const codec = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD }, timeoutMs: 2000 })));
    const err = await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()).then(
      () => assert.fail('encode succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_ERR_SCHEMA_REGISTRY');
    assert.match(err.message, /401/);
    const everything = [err.message, inspect(err, { depth: 10 }), JSON.stringify(err), JSON.stringify(err.cause), inspect(err.cause, { depth: 10 })].join('\n');
    for (const secret of [PASSWORD, basic.slice(6), `${USER}:${PASSWORD}`]) assert.ok(!everything.includes(secret), `the error shows ${secret.slice(0, 6)}…`);
    assert.ok(server.requests.length > 0 && server.requests.every((r) => r.authorization === basic));
  } finally {
    await server.close();
  }
});

test('an unreachable registry: retriable SCHEMA_REGISTRY error without the request headers (axios keeps them on its errors)', async () => {
  const server = await startFakeRegistry();
  await server.close(); // nothing listens on its port now
  const codec = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD }, timeoutMs: 1000 })));
  const err = await codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()).then(
    () => assert.fail('encode succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SluiceError && err.code === 'SLUICE_ERR_SCHEMA_REGISTRY' && err.retriable);
  assert.match(err.message, /ECONNREFUSED/);
  const everything = [err.message, inspect(err, { depth: 10 }), JSON.stringify(err), JSON.stringify(err.cause), inspect(err.cause, { depth: 10 })].join('\n');
  for (const secret of [PASSWORD, basic.slice(6)]) assert.ok(!everything.includes(secret), `the error shows ${secret.slice(0, 6)}…`);
});

test('a registration the subject refuses as incompatible says so', async () => {
  const server = await startFakeRegistry({ incompatible: [SUBJECT] });
  try {
    const codec = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url })));
    await assert.rejects(codec.encode(TOPIC, SCHEMA_NAMES.deadLetter, record()), (e: unknown) =>
      e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_REGISTRY' && /409/.test(e.message) && /not BACKWARD-compatible/.test(e.message),
    );
  } finally {
    await server.close();
  }
});

/** A self-signed certificate for 127.0.0.1 made with openssl, or null when openssl is not installed. */
function selfSigned(): { cert: string; key: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-tls-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    return { cert, key };
  } catch {
    return null;
  }
}

const pem = selfSigned();

test('TLS: a private CA from tls.caFile is trusted; without it the certificate is refused', { skip: pem === null ? 'openssl not available' : false }, async () => {
  const server = await startFakeRegistry({ tls: { cert: readFileSync(pem!.cert), key: readFileSync(pem!.key) }, basicAuth: { username: USER, password: PASSWORD } });
  try {
    const trusted = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD }, tls: { caFile: pem!.cert } })));
    const buf = await trusted.encode(TOPIC, SCHEMA_NAMES.deadLetter, record());
    assert.ok(buf.readInt32BE(1) >= 100);
    assert.ok(server.requests.every((r) => r.authorization === basic));

    const untrusted = new AvroCodec(await connectSchemaRegistry(settings({ url: server.url, basicAuth: { username: USER, password: PASSWORD }, timeoutMs: 2000 })));
    await assert.rejects(untrusted.encode('other.topic', SCHEMA_NAMES.deadLetter, record()), (e: unknown) =>
      e instanceof SluiceError && e.code === 'SLUICE_ERR_SCHEMA_REGISTRY' && /self[- ]signed|certificate/i.test(e.message),
    );
  } finally {
    await server.close();
  }
});

test('TLS settings: unreadable files and half a client certificate are configuration errors', async () => {
  await assert.rejects(connectSchemaRegistry(settings({ url: 'https://127.0.0.1:1', tls: { caFile: '/nonexistent/ca.pem' } })), (e: unknown) =>
    e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /tls\.caFile/.test(e.message),
  );
  assert.equal(SchemaRegistryConfig.safeParse({ url: 'https://r:1', tls: { certFile: '/c.pem' } }).success, false);
  assert.equal(SchemaRegistryConfig.safeParse({ url: 'http://r:1', tls: { caFile: '/c.pem' } }).success, false, 'tls needs https');
  assert.equal(SchemaRegistryConfig.safeParse({ url: 'http://u:p@r:1', basicAuth: { username: 'u', password: 'p' } }).success, false, 'credentials twice');
  assert.equal(SchemaRegistryConfig.safeParse({ url: 'http://r:1', compatibility: 'SOMETIMES' }).success, false);
  assert.equal(SchemaRegistryConfig.parse({ url: 'http://r:1' }).compatibility, 'BACKWARD');
});

test('Kafka without a Schema Registry is refused unless local schema ids are allowed explicitly', async () => {
  const kafka = { brokers: ['k:9092'] } as never;
  assert.throws(
    () => checkSchemaIdScope({ kafka, schemaRegistry: undefined, allowLocalSchemaIds: false }),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /SCHEMA_REGISTRY_URL/.test(e.message) && /SLUICE_ALLOW_LOCAL_SCHEMA_IDS/.test(e.message),
  );
  await assert.rejects(createSchemaRegistry({ kafka, schemaRegistry: undefined, allowLocalSchemaIds: false }), /SCHEMA_REGISTRY_URL/);
  checkSchemaIdScope({ kafka, schemaRegistry: undefined, allowLocalSchemaIds: true });
  checkSchemaIdScope({ kafka: undefined, schemaRegistry: undefined, allowLocalSchemaIds: false });
  checkSchemaIdScope({ kafka, schemaRegistry: settings({ url: 'http://r:1' }), allowLocalSchemaIds: false });
  assert.equal((await createSchemaRegistry({ kafka, schemaRegistry: undefined, allowLocalSchemaIds: true })).kind, 'local');
  assert.equal((await createSchemaRegistry({ kafka: undefined, schemaRegistry: undefined, allowLocalSchemaIds: false })).kind, 'local');
});
