import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { redactUrlSecrets, secretPaths } from '../core/secrets.ts';
import { SluiceConfigSchema } from './config.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

/** The leaf schema at a path of the config schema (through objects, optionals, arrays). */
function leafAt(schema: z.core.$ZodType, path: string[]): z.core.$ZodType {
  type Def = { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType };
  let s = schema;
  for (const key of path) {
    for (let d = (s as unknown as { _zod: { def: Def } })._zod.def; ; d = (s as unknown as { _zod: { def: Def } })._zod.def) {
      if (key === '[]' && (d.element || d.valueType)) {
        s = (d.element ?? d.valueType)!;
        break;
      }
      if (d.shape && key in d.shape) {
        s = d.shape[key]!;
        break;
      }
      const inner = d.innerType ?? d.in;
      if (!inner) throw new Error(`no ${key} in the schema`);
      s = inner;
    }
  }
  return s;
}

/** A value of the form the field accepts, holding a unique marker. */
function sentinelFor(leaf: z.core.$ZodType, i: number): string {
  const mark = `SENTINEL${String(i).padStart(4, '0')}`;
  const candidates = [`${mark}-${'x'.repeat(40)}`, `${mark}${'0'.repeat(56)}`, Buffer.from(`${mark}${'k'.repeat(20)}`).toString('base64')];
  const ok = candidates.find((c) => (leaf as unknown as z.ZodType).safeParse(c).success);
  if (!ok) throw new Error(`no sentinel fits the secret field #${i}`);
  return ok;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  path.forEach((key, i) => {
    const last = i === path.length - 1;
    const nextIsArray = path[i + 1] === '[]';
    if (key === '[]') return;
    if (last) node[key] = path[path.length - 1] === '[]' ? [value] : value;
    else if (nextIsArray && i + 1 === path.length - 1) node[key] = [value];
    else node = (node[key] ??= {}) as Record<string, unknown>;
  });
}

test('every field marked secret in the config schema is redacted by `sluice config`, and URL secrets too', async () => {
  const paths = secretPaths(SluiceConfigSchema);
  const names = paths.map((p) => p.join('.'));
  // The known secrets must be marked (a new one must be added to the schema with .meta(SECRET)).
  for (const expected of ['kafka.sasl.password', 'kafka.tls.keyPassword', 'clickhouse.password', 'clickhouse.migration.password', 'remediation.secret', 'schemaRegistry.basicAuth.password']) assert.ok(names.includes(expected), `${expected} is not marked secret (marked: ${names.join(', ')})`);
  assert.ok(names.some((n) => n.endsWith('evidence.hmacKey')), `dlp evidence.hmacKey is not marked secret (marked: ${names.join(', ')})`);
  assert.ok(names.some((n) => n.endsWith('stateEncryptionKey')), `dlp stateEncryptionKey is not marked secret (marked: ${names.join(', ')})`);

  // Required siblings of the sections that hold secrets.
  const config: Record<string, unknown> = {
    kafka: { brokers: ['127.0.0.1:9'], sasl: { mechanism: 'plain', username: 'u' } },
    clickhouse: { url: 'http://ch-user:URLSENTINELPASS@127.0.0.1:8123/?password=QUERYSENTINEL1&database=x&token=QUERYSENTINEL2', migration: { username: 'm' } },
    schemaRegistry: { url: 'http://127.0.0.1:8081/?sig=QUERYSENTINEL3', basicAuth: { username: 'u' } },
    collectors: { azure_activity: { eventhubs: { checkpoint: { containerName: 'sluice-checkpoints' } } }, object_storage: { azureBlob: { containerName: 'exports' } } },
  };
  const sentinels: string[] = ['URLSENTINELPASS', 'QUERYSENTINEL1', 'QUERYSENTINEL2', 'QUERYSENTINEL3'];
  paths.forEach((p, i) => {
    const value = sentinelFor(leafAt(SluiceConfigSchema, p), i);
    sentinels.push(value.startsWith('SENTINEL') ? value : value);
    setPath(config, p, value);
  });
  const parsed = SluiceConfigSchema.safeParse(config);
  assert.ok(parsed.success, `the test config does not validate; add the required siblings of new secret fields: ${JSON.stringify(parsed.error?.issues.slice(0, 5))}`);

  const dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, stringify(config));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KAFKA_|CLICKHOUSE_|SCHEMA_REGISTRY_|SLUICE_)/.test(k)));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [BIN, 'config', '-c', file], { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  assert.match(stdout, /\*\*\*/);
  for (const s of sentinels) {
    const needle = s.startsWith('SENTINEL') || /SENTINEL/.test(s) ? s : s;
    assert.ok(!stdout.includes(needle), `sluice config printed the secret ${needle.slice(0, 24)}…`);
    const b64 = Buffer.from(needle, 'base64').toString('latin1');
    if (/SENTINEL/.test(b64)) assert.ok(!stdout.includes(b64));
  }
  assert.ok(!/SENTINEL/.test(stdout), 'no sentinel marker anywhere in the output');
  console.log(`# sluice config: ${paths.length} secret field(s) (${names.join(', ')}) and 4 URL secrets, none printed`);
});

test('URL secrets: userinfo and credential query parameters are redacted, the rest kept', () => {
  assert.equal(redactUrlSecrets('https://u:p4ss@h:1/x?db=a&password=p&Token=t&X-Amz-Signature=s&sig=q#f'), 'https://u:***@h:1/x?db=a&password=***&Token=***&X-Amz-Signature=***&sig=***#f');
  assert.equal(redactUrlSecrets('plain text, no url'), 'plain text, no url');
  assert.equal(redactUrlSecrets('kafka:9092'), 'kafka:9092');
});
