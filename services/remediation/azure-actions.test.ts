// Azure Blob executors end to end against Azurite (the npm Azure Storage emulator, a real Blob
// service on loopback; test/support/azurite.ts): blobs uploaded to Azurite, read by the
// object_storage collector's Azure Blob reader, scanned by the dlp detector, its action records
// signed as the processor signs them, consumed by RemediatorService with the azure_blob executors.
// The credential path is the production one: the account key from the environment variable the
// config names. Azurite has no blob versioning and no legal hold (HTTP 501): versioned deletes are
// not exercised here, and a configured legal hold shows the failure path (the original is kept).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { resolveConfig } from '../cli/config.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import type { SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { silentLogger } from '../core/logger.ts';
import type { ObjectChunk } from '../core/model/object-chunk.ts';
import { isCaughtUp } from '../core/transport.ts';
import { readAzureBlobs } from '../collectors/object_storage/azure-blob.ts';
import { testDetector } from '../detectors/dlp/testing.ts';
import { outputSignatureHeaders } from '../processor/output-signing.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzuriteBlob, type AzuriteBlob } from '../../test/support/azurite.ts';
import { AZURE_QUARANTINE_METADATA } from './executors/azure-blob.ts';
import type { ActionResult } from './results.ts';
import { RemediatorService } from './service.ts';

const ACTIONS_KEY = 'actions-key-for-the-azurite-tests-0123456789';
const KEY_ENV = 'SLUICE_TEST_AZURITE_ACCOUNT_KEY';
let az: AzuriteBlob;
let n = 0;

before(async () => {
  az = await startAzuriteBlob();
  process.env[KEY_ENV] = AZURITE_KEY;
});
after(async () => {
  delete process.env[KEY_ENV];
  await az?.close();
});

function cardNumber(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => randomInt(10))];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i]!;
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return [...digits, (10 - (sum % 10)) % 10].join('').replace(/(\d{4})(?=\d)/g, '$1 ');
}

async function container(prefix: string): Promise<ContainerClient> {
  const c = az.service.getContainerClient(`${prefix}-${++n}-${Date.now().toString(36)}`);
  await c.create();
  return c;
}

async function exists(c: ContainerClient, name: string, snapshot?: string): Promise<boolean> {
  const b = snapshot ? c.getBlobClient(name).withSnapshot(snapshot) : c.getBlobClient(name);
  return b.exists();
}

/** The container read by the Azure Blob reader, scanned by the dlp detector: its action events. */
async function dlpActions(c: ContainerClient, action: 'quarantine' | 'delete'): Promise<SideOutput[]> {
  const chunks: ObjectChunk[] = [];
  for await (const out of readAzureBlobs({ client: c })) {
    assert.equal(out.kind, 'event', out.kind === 'dead_letter' ? out.reason : '');
    if (out.kind === 'event' && out.stream === 'object_chunk') chunks.push(out.event);
  }
  const d = testDetector({ policies: [{ name: `${action}-cards`, action, dataTypes: ['payment_card'] }] });
  d.run(chunks);
  return d.emitted.filter((o) => o.stream === 'actions');
}

function config(allow: string[], opts: { dryRun?: boolean; quarantine?: string; legalHold?: boolean; account?: string } = {}): SluiceConfig {
  return resolveConfig({
    topics: { partitions: 1 },
    remediation: {
      ...(opts.dryRun === false ? { dryRun: false } : {}),
      actionsKey: ACTIONS_KEY,
      executors: {
        azureBlob: {
          accounts: {
            [opts.account ?? AZURITE_ACCOUNT]: { allow, endpoint: az.endpoint, accountKeyEnv: KEY_ENV, ...(opts.quarantine ? { quarantine: { container: opts.quarantine, accessTier: 'Cool', legalHold: opts.legalHold ?? false } } : {}) },
          },
        },
      },
    },
  });
}

async function remediate(cfg: SluiceConfig, actions: readonly SideOutput[], repeat = 1): Promise<{ results: ActionResult[]; dead: DeadLetterRecord[] }> {
  const clock = new ManualClock(1_765_000_000_000);
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const topic = cfg.topics.actions;
  const records = actions.map((a) => {
    const value = Buffer.from(JSON.stringify(a.value));
    return { key: a.key, value, headers: outputSignatureHeaders('actions', ACTIONS_KEY, topic, a.key, value) };
  });
  for (let i = 0; i < repeat; i++) await producer.send(topic, records);
  const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, cfg.topics.deadLetter, clock), config: cfg, logger: silentLogger(), clock });
  await service.start();
  while (!(await isCaughtUp(log, cfg.remediation.groupId, topic))) await log.waitForChange(20);
  await service.stop();
  const results = log.readAll(cfg.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
  const dead = await Promise.all(log.readAll(cfg.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
  return { results, dead };
}

test('a DLP quarantine of an Azure blob: copied with its snapshot (metadata, Cool tier), then deleted; repeats and a restarted remediator find it done', async () => {
  const src = await container('src');
  const q = await container('quarantine');
  const blob = src.getBlockBlobClient('exports/customers.csv');
  const body = `name,card\nalice,${cardNumber()}\n`;
  await blob.upload(body, Buffer.byteLength(body));
  const snap = (await blob.createSnapshot()).snapshot!;
  const actions = await dlpActions(src, 'quarantine');
  assert.equal(actions.length, 1, 'one policy met: one action');
  const action = actions[0]!.value as { id: string; object: { store: string; bucket: string } };
  assert.deepEqual([action.object.store, action.object.bucket], ['azure_blob', `${AZURITE_ACCOUNT}/${src.containerName}`]);
  const cfg = config(['azure_blob.quarantine'], { dryRun: false, quarantine: q.containerName });

  const first = await remediate(cfg, actions, 2);
  assert.deepEqual(first.results.map((r) => [r.executor, r.outcome]), [['azure_blob.quarantine', 'done'], ['azure_blob.quarantine', 'already_done']], first.results.map((r) => r.reason).join(' | '));
  assert.match(first.results[0]!.reason, /^quarantined azure:\/\/devstoreaccount1\/src-[^/]+\/exports\/customers\.csv to azure:\/\/devstoreaccount1\/quarantine-[^/]+\/quarantine\/devstoreaccount1\/src-.*, with 1 snapshot \(copied too\)$/);
  assert.equal(first.results[0]!.account, AZURITE_ACCOUNT);
  assert.equal(await exists(src, 'exports/customers.csv'), false, 'the blob is gone');
  assert.equal(await exists(src, 'exports/customers.csv', snap), false, 'and its snapshot');
  const copies: Array<{ name: string; tier?: string; meta?: Record<string, string> }> = [];
  for await (const i of q.listBlobsFlat({ includeMetadata: true })) copies.push({ name: i.name, tier: i.properties.accessTier, meta: i.metadata });
  assert.equal(copies.length, 2, copies.map((c) => c.name).join(', '));
  const main = copies.find((c) => !c.name.includes('/snapshot-'))!;
  assert.equal(main.tier, 'Cool');
  assert.equal(main.meta?.[AZURE_QUARANTINE_METADATA.actionId], action.id);
  assert.match(main.meta?.[AZURE_QUARANTINE_METADATA.reason] ?? '', /^policy quarantine-cards: 1 finding of payment_card/);
  assert.equal((await q.getBlobClient(main.name).downloadToBuffer()).toString('utf8'), body, 'the copy is byte for byte');
  assert.ok(copies.some((c) => c.name.includes(`/snapshot-${snap}/`)));

  const restarted = await remediate(cfg, actions);
  assert.deepEqual(restarted.results.map((r) => r.outcome), ['already_done']);
  assert.match(restarted.results[0]!.reason, /carries this action id/);
  assert.deepEqual([...first.dead, ...restarted.dead], []);
});

test('a DLP delete of an Azure blob deletes it (with its snapshots); a second run is already_done', async () => {
  const src = await container('del');
  const blob = src.getBlockBlobClient('cards.txt');
  await blob.upload(`card ${cardNumber()}\n`, 25);
  await blob.createSnapshot();
  const actions = await dlpActions(src, 'delete');
  const cfg = config(['azure_blob.delete'], { dryRun: false });
  const run = await remediate(cfg, actions);
  assert.deepEqual(run.results.map((r) => [r.executor, r.outcome]), [['azure_blob.delete', 'done']], run.results[0]?.reason);
  assert.match(run.results[0]!.reason, /deleted azure:\/\/devstoreaccount1\/del-[^/]+\/cards\.txt and its 1 snapshot$/);
  assert.equal(await exists(src, 'cards.txt'), false);
  const again = await remediate(cfg, actions);
  assert.deepEqual(again.results.map((r) => r.outcome), ['already_done']);
});

test('a blob changed since the finding is refused; dry-run, a storage account not configured and a kind not allowed change nothing', async () => {
  const src = await container('chg');
  const q = await container('qchg');
  const blob = src.getBlockBlobClient('a.csv');
  await blob.upload(`card ${cardNumber()}\n`, 25);
  const actions = await dlpActions(src, 'quarantine');
  await blob.upload(`rewritten ${cardNumber()}\n`, 30); // a new ETag: the content the action is about is gone

  const changed = await remediate(config(['azure_blob.quarantine'], { dryRun: false, quarantine: q.containerName }), actions);
  assert.equal(changed.results[0]!.outcome, 'refused');
  assert.match(changed.results[0]!.reason, /changed since the finding \(ETag now .*, the finding saw .*\): not acted on/);

  const dry = await remediate(config(['azure_blob.quarantine'], { quarantine: q.containerName }), actions);
  assert.deepEqual([dry.results[0]!.outcome, dry.results[0]!.dry_run], ['dry_run', true]);
  assert.match(dry.results[0]!.reason, /^dry-run: would Copy Blob azure:\/\/devstoreaccount1\/chg-[^/]+\/a\.csv -> azure:\/\/devstoreaccount1\/qchg-[^/]+\/quarantine\/devstoreaccount1\/chg-[^/]+\/[^/]+\/a\.csv with metadata sluice_action_id=/);

  const other = await remediate(config(['azure_blob.quarantine'], { dryRun: false, quarantine: q.containerName, account: 'otheraccount' }), actions);
  assert.equal(other.results[0]!.outcome, 'refused');
  assert.match(other.results[0]!.reason, /storage account devstoreaccount1 is not configured under remediation\.executors\.azureBlob\.accounts/);
  const notAllowed = await remediate(config(['azure_blob.delete'], { dryRun: false }), actions);
  assert.match(notAllowed.results[0]!.reason, /azure_blob\.quarantine is not allowed in storage account devstoreaccount1 \(remediation\.executors\.azureBlob\.accounts\.devstoreaccount1\.allow: azure_blob\.delete\)/);
  assert.equal(await exists(src, 'a.csv'), true, 'nothing was touched');
  let copies = 0;
  for await (const _ of q.listBlobsFlat()) copies++;
  assert.equal(copies, 0);
});

test('a legal hold that cannot be placed (Azurite answers 501) fails the action and keeps the original; a missing credential fails with its reason', async () => {
  const src = await container('hold');
  const q = await container('qhold');
  await src.getBlockBlobClient('h.csv').upload(`card ${cardNumber()}\n`, 25);
  const actions = await dlpActions(src, 'quarantine');
  const run = await remediate(config(['azure_blob.quarantine'], { dryRun: false, quarantine: q.containerName, legalHold: true }), actions);
  assert.equal(run.results[0]!.outcome, 'failed');
  assert.match(run.results[0]!.reason, /^legal hold on azure:\/\/.* failed: .*\(HTTP 501\).*; the copy is kept and the original was not deleted/);
  assert.deepEqual(run.dead.map((d) => d.reason_code), ['SLUICE_ERR_SINK_WRITE']);
  assert.equal(await exists(src, 'h.csv'), true);

  const saved = process.env[KEY_ENV];
  delete process.env[KEY_ENV];
  try {
    const noKey = await remediate(config(['azure_blob.delete'], { dryRun: false }), actions.map((a) => ({ ...a, value: { ...a.value, action: 'delete' } })));
    assert.equal(noKey.results[0]!.outcome, 'failed');
    assert.match(noKey.results[0]!.reason, /environment variable SLUICE_TEST_AZURITE_ACCOUNT_KEY \(remediation\.executors\.azureBlob\.accounts\.devstoreaccount1\.accountKeyEnv\) is not set/);
  } finally {
    process.env[KEY_ENV] = saved;
  }
});
