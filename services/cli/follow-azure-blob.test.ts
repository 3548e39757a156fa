/**
 * `sluice collector object_storage --follow azure-blob` (runAzureBlobFollowRole) against a real local
 * Blob service, **Azurite** (test/support/azurite.ts), through the storage connection string the
 * role is configured with. Chunks go to the embedded log (acknowledged on append).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzuriteBlob, type AzuriteBlob } from '../../test/support/azurite.ts';
import { resolveConfig } from './config.ts';
import { azureBlobFollowConfig, renderAzureBlobCounts, runAzureBlobFollowRole } from './follow-azure-blob.ts';
import type { AppContext } from './wiring.ts';

let azurite: AzuriteBlob;
let connection: string;
let dir: string;
before(async () => {
  azurite = await startAzuriteBlob();
  connection = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azurite.endpoint};`;
  dir = mkdtempSync(join(tmpdir(), 'sluice-azblob-follow-'));
});
after(async () => {
  await azurite?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CONTAINER = 'exports';
const put = (name: string, body: string) => azurite.service.getContainerClient(CONTAINER).getBlockBlobClient(name).uploadData(Buffer.from(body));

function context(stateFile: string): AppContext {
  const config = resolveConfig({
    log: { level: 'warn' },
    http: { port: 0 },
    collectors: { object_storage: { chunkBytes: 1024, azureBlob: { connectionString: connection, containerName: CONTAINER, prefix: 'customers/', pollIntervalMs: 1000, stateFile, blobsPerCommit: 2 } } },
  });
  return { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
}

async function runUntil(ctx: AppContext, log: EmbeddedLog, done: () => boolean) {
  const stop = new AbortController();
  const running = runAzureBlobFollowRole(ctx, { stop: stop.signal, transport: log });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  const deadline = Date.now() + 20_000;
  while (!done() && failed === undefined && Date.now() < deadline) await sleep(20);
  stop.abort();
  return running;
}

const keysOn = (log: EmbeddedLog, ctx: AppContext): string[] => log.readAll(ctx.config.topics.objectChunk).map((m) => String(m.key));

describe('Azure Blob follow role on Azurite', () => {
  it('publishes new blobs, then on a restart only the new and changed ones (by etag); forgets deleted blobs', async () => {
    await azurite.service.getContainerClient(CONTAINER).createIfNotExists();
    await put('customers/a.csv', 'id,name\n1,alice\n');
    await put('customers/b.csv', 'id,name\n2,bob\n');
    await put('customers/c.csv', `id,card\n${'3,4556737586899855\n'.repeat(100)}`); // 1900 bytes: 2 chunks of 1024
    await put('other/ignored.csv', 'not under the prefix\n');
    const stateFile = join(dir, 'state.json');
    const ctx = context(stateFile);
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    const first = await runUntil(ctx, log, () => new Set(keysOn(log, ctx)).size >= 3);
    assert.equal(first.objects, 3);
    const bucket = `${AZURITE_ACCOUNT}/${CONTAINER}`;
    assert.deepEqual([...new Set(keysOn(log, ctx))].sort(), ['a', 'b', 'c'].map((n) => `azure_blob://${bucket}/customers/${n}.csv`));
    assert.equal(keysOn(log, ctx).length, 4, 'a, b, and c in 2 chunks');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { source: string; objects: Record<string, string> };
    assert.equal(state.source, `azure_blob://${bucket}`);
    assert.deepEqual(Object.keys(state.objects).sort(), ['customers/a.csv', 'customers/b.csv', 'customers/c.csv']);

    // While the role is down: b changes, d is added, a is deleted.
    await put('customers/b.csv', 'id,name\n2,bobby\n');
    await put('customers/d.csv', 'id,name\n4,dan\n');
    await azurite.service.getContainerClient(CONTAINER).deleteBlob('customers/a.csv');
    const before = keysOn(log, ctx).length;
    const second = await runUntil(ctx, log, () => keysOn(log, ctx).length >= before + 2);
    assert.equal(second.objects, 2, 'only the changed and the new blob');
    assert.equal(second.unchanged, 1, 'c kept its etag');
    assert.equal(second.removed, 1, 'a left the container');
    assert.deepEqual(keysOn(log, ctx).slice(before).sort(), ['b', 'd'].map((n) => `azure_blob://${bucket}/customers/${n}.csv`));
    const after2 = JSON.parse(readFileSync(stateFile, 'utf8')) as { objects: Record<string, string> };
    assert.deepEqual(Object.keys(after2.objects).sort(), ['customers/b.csv', 'customers/c.csv', 'customers/d.csv']);
    assert.match(renderAzureBlobCounts(second), /blobs read 2 \(unchanged 1, removed 1\)/);
  });

  it('a state file of the earlier form ({container, blobs}) is honoured and rewritten in the current form', async () => {
    const client = azurite.service.getContainerClient(CONTAINER);
    await client.createIfNotExists();
    await put('customers/m1.csv', 'id,name\n7,mia\n');
    await put('customers/m2.csv', 'id,name\n8,max\n');
    const etag = async (name: string) => (await client.getBlobClient(name).getProperties()).etag!.replace(/^"|"$/g, '');
    const bucket = `${AZURITE_ACCOUNT}/${CONTAINER}`;
    const stateFile = join(dir, 'old-state.json');
    // m1 was published before the upgrade, at its current etag; m2 is new to the follower.
    const listed: string[] = [];
    for await (const b of client.listBlobsFlat({ prefix: 'customers/' })) listed.push(b.name);
    const known: Record<string, string> = {};
    for (const name of listed) if (name !== 'customers/m2.csv') known[name] = await etag(name);
    writeFileSync(stateFile, JSON.stringify({ version: 1, container: bucket, blobs: known }));
    const ctx = context(stateFile);
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    const stats = await runUntil(ctx, log, () => keysOn(log, ctx).length >= 1);
    assert.deepEqual(keysOn(log, ctx), [`azure_blob://${bucket}/customers/m2.csv`], 'only the blob the old state did not hold');
    assert.equal(stats.objects, 1);
    const rewritten = JSON.parse(readFileSync(stateFile, 'utf8')) as { source: string; objects: Record<string, string>; blobs?: unknown };
    assert.equal(rewritten.source, `azure_blob://${bucket}`);
    assert.equal(rewritten.blobs, undefined);
    assert.equal(rewritten.objects['customers/m2.csv'], await etag('customers/m2.csv'));
    assert.equal(rewritten.objects['customers/m1.csv'], known['customers/m1.csv']);
    // Another container's old state is refused, as a current-form one is.
    writeFileSync(stateFile, JSON.stringify({ version: 1, container: `${AZURITE_ACCOUNT}/elsewhere`, blobs: {} }));
    await assert.rejects(runUntil(context(stateFile), log, () => false), /belongs to azure_blob:\/\/devstoreaccount1\/elsewhere/);
  });

  it('config: container required, connection string from the config or the environment', () => {
    const ctx = (azureBlob: Record<string, unknown> | undefined): AppContext => ({
      config: resolveConfig({ collectors: { object_storage: azureBlob ? { azureBlob } : {} } }),
      logger: silentLogger(),
      clock: systemClock,
      telemetry: createTelemetry({ serviceName: 't' }),
    });
    assert.throws(() => azureBlobFollowConfig(ctx(undefined), {}), (e: unknown) => e instanceof SluiceError && /azureBlob/.test(e.message));
    assert.throws(() => azureBlobFollowConfig(ctx({ containerName: 'exports' }), {}), /SLUICE_AZURE_STORAGE_CONNECTION_STRING/);
    assert.equal(azureBlobFollowConfig(ctx({ containerName: 'exports' }), { SLUICE_AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).connectionString, 'UseDevelopmentStorage=true');
  });
});
