import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, loadConfig, resolveConfig } from './config.ts';
import { SluiceError } from '../core/errors.ts';

test('defaults give the embedded setup with the documented topic names', () => {
  const c = resolveConfig({});
  assert.equal(c.kafka, undefined);
  assert.equal(c.clickhouse, undefined);
  assert.equal(c.topics.activity, 'sluice.activity.v1');
  assert.equal(c.topics.findings, 'sluice.findings.v2');
  assert.equal(c.topics.deadLetter, 'sluice.dlq.v1');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.topics));
});

test('env vars land in the config, typed', () => {
  const c = resolveConfig(configFromEnv({ KAFKA_BROKERS: 'k1:9092, k2:9092', SLUICE_PROCESSOR_WORKERS: '3', CLICKHOUSE_URL: 'http://ch:8123' }));
  assert.deepEqual(c.kafka?.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(c.processor.workers, 3);
  assert.equal(c.clickhouse?.url, 'http://ch:8123');
  assert.equal(c.clickhouse?.database, 'sluice');
});

test('Schema Registry env vars: basic auth, TLS files, pre-registered mode, compatibility; local ids only when allowed', () => {
  const c = resolveConfig(
    configFromEnv({
      SCHEMA_REGISTRY_URL: 'https://psrc-1.confluent.cloud',
      SCHEMA_REGISTRY_USERNAME: 'KEY',
      SCHEMA_REGISTRY_PASSWORD: 'SECRET',
      SCHEMA_REGISTRY_CA_FILE: '/etc/ca.pem',
      SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
      SCHEMA_REGISTRY_COMPATIBILITY: 'FULL',
    }),
  );
  assert.deepEqual(c.schemaRegistry?.basicAuth, { username: 'KEY', password: 'SECRET' });
  assert.equal(c.schemaRegistry?.tls?.caFile, '/etc/ca.pem');
  assert.equal(c.schemaRegistry?.tls?.rejectUnauthorized, true);
  assert.equal(c.schemaRegistry?.autoRegister, false);
  assert.equal(c.schemaRegistry?.compatibility, 'FULL');
  const defaults = resolveConfig(configFromEnv({ SCHEMA_REGISTRY_URL: 'http://r:8081' }));
  assert.equal(defaults.schemaRegistry?.autoRegister, true);
  assert.equal(defaults.schemaRegistry?.compatibility, 'BACKWARD');
  assert.throws(() => resolveConfig(configFromEnv({ SCHEMA_REGISTRY_USERNAME: 'KEY' })), /schemaRegistry\.url/);
  assert.equal(resolveConfig({}).allowLocalSchemaIds, false);
  assert.equal(resolveConfig(configFromEnv({ SLUICE_ALLOW_LOCAL_SCHEMA_IDS: 'true' })).allowLocalSchemaIds, true);
});

test('boolean and nested env vars (Kafka TLS and SASL)', () => {
  const c = resolveConfig(
    configFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
  );
  assert.equal(c.kafka?.ssl, true);
  assert.deepEqual(c.kafka?.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  assert.throws(() => resolveConfig(configFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'maybe' })), /kafka\.ssl/);
});

test('every problem is reported at once, unknown keys included', () => {
  try {
    resolveConfig({ bogus: 1, processor: { workers: 'many', extra: true }, kafka: { brokers: ['no-port'] }, topics: { activity: 'bad topic' } });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof SluiceError);
    assert.equal(e.code, 'SLUICE_ERR_CONFIG_INVALID');
    for (const part of ['bogus', 'processor.workers', 'processor: Unrecognized key: "extra"', 'kafka.brokers.0', 'topics.activity']) {
      assert.ok(e.message.includes(part), `message should mention ${part}:\n${e.message}`);
    }
    assert.match(e.message, /5 problems/);
  }
});

test('file < env < overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cfg-'));
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, 'processor:\n  workers: 4\n  groupId: from-file\nlog:\n  level: warn\n');
  const c = loadConfig({ file, env: { SLUICE_PROCESSOR_WORKERS: '6' }, overrides: { log: { level: 'debug' } } });
  assert.equal(c.processor.workers, 6);
  assert.equal(c.processor.groupId, 'from-file');
  assert.equal(c.log.level, 'debug');
});

test('a YAML syntax error names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cfg-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'processor: [unclosed\n');
  assert.throws(() => loadConfig({ file, env: {} }), (e: unknown) => e instanceof SluiceError && e.message.includes(file));
});

test('`sluice config` refuses Kafka without a Schema Registry, with the way out, unless local ids are allowed', async () => {
  const bin = fileURLToPath(new URL('./bin.mjs', import.meta.url));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KAFKA_|CLICKHOUSE_|SCHEMA_REGISTRY_|SLUICE_)/.test(k)));
  const run = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, 'config'], { env: { ...base, ...env }, timeout: 60_000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stderr }),
      ),
    );
  const refused = await run({ KAFKA_BROKERS: '127.0.0.1:9' });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /SLUICE_ERR_CONFIG_INVALID: Kafka is configured \(KAFKA_BROKERS\) but no Schema Registry \(SCHEMA_REGISTRY_URL\)/);
  assert.match(refused.stderr, /SLUICE_ALLOW_LOCAL_SCHEMA_IDS=true/);
  assert.equal((await run({ KAFKA_BROKERS: '127.0.0.1:9', SLUICE_ALLOW_LOCAL_SCHEMA_IDS: 'true' })).code, 0);
  assert.equal((await run({ KAFKA_BROKERS: '127.0.0.1:9', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9' })).code, 0);
});
