// The S3 executors against moto's S3 (a real HTTP implementation of the API, test/support/moto.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../../test/support/moto.ts';
import type { S3ObjectTarget } from '../requests.ts';
import { AwsClients } from './clients.ts';
import { QUARANTINE_TAGS, quarantineKey, S3BlockPublicAccessExecutor, S3DeleteExecutor, S3QuarantineExecutor, tagValue } from './s3.ts';
import type { ExecutionContext, QuarantineTarget } from './types.ts';

let clients: AwsClients;
let s3: S3Client;

before(async () => {
  const moto = await motoServer();
  clients = new AwsClients({ region: MOTO_REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
  s3 = clients.s3();
});
after(async () => {
  clients.destroy();
  await stopMoto();
});

async function bucket(opts: { versioned?: boolean; objectLock?: boolean } = {}): Promise<string> {
  const name = uniqueName('rem');
  await s3.send(new CreateBucketCommand({ Bucket: name, ...(opts.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
  if (opts.versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  return name;
}

async function put(b: string, key: string, body: string | Buffer): Promise<{ versionId: string | null; etag: string }> {
  const r = await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
  return { versionId: r.VersionId ?? null, etag: r.ETag!.replace(/"/g, '') };
}

async function exists(b: string, key: string, versionId?: string | null): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: b, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

async function body(b: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

async function tags(b: string, key: string): Promise<Record<string, string>> {
  const r = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: key }));
  return Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

function ctx(q: QuarantineTarget | null, actionId = uniqueName('act')): ExecutionContext {
  return { actionId, reason: 'policy quarantine-cards: 2 findings of payment_card (highest High, risk 62)', findingId: 'f-123', account: MOTO_ACCOUNT_ID, region: MOTO_REGION, clients, quarantine: q };
}

test('quarantine of a named version: copied with its tags, that version deleted for good, the newer version kept; a rerun is already_done', async () => {
  const src = await bucket({ versioned: true });
  const q: QuarantineTarget = { bucket: await bucket(), prefix: 'quarantine/', legalHold: false };
  const key = 'exports/2026 é/customers.csv';
  const v1 = await put(src, key, 'card 4000 0000 0000 0002\n');
  const v2 = await put(src, key, 'cleaned\n');
  const target: S3ObjectTarget = { bucket: src, key, versionId: v1.versionId, etag: v1.etag };
  const c = ctx(q);
  const ex = new S3QuarantineExecutor();

  const first = await ex.run(target, c);
  assert.equal(first.outcome, 'done', first.reason);
  const dest = quarantineKey(q, target);
  assert.equal(dest, `quarantine/${src}/${v1.versionId}/${key}`);
  assert.equal((await body(q.bucket, dest)).toString(), 'card 4000 0000 0000 0002\n');
  const t = await tags(q.bucket, dest);
  assert.equal(t[QUARANTINE_TAGS.actionId], c.actionId);
  assert.equal(t[QUARANTINE_TAGS.findingId], 'f-123');
  assert.equal(t[QUARANTINE_TAGS.sourceVersion], v1.versionId);
  assert.equal(t[QUARANTINE_TAGS.reason], tagValue(c.reason));
  assert.equal(await exists(src, key, v1.versionId), false, 'the quarantined version is gone from the source');
  assert.equal((await body(src, key)).toString(), 'cleaned\n', 'the newer version is untouched');
  assert.match(first.reason, /1 other version of the key remains at the source/);
  assert.deepEqual(first.steps.map((s) => s.split(' ')[0]), ['CopyObject', 'DeleteObject']);

  const second = await ex.run(target, c);
  assert.equal(second.outcome, 'already_done', second.reason);
  assert.deepEqual(second.steps, []);
  assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket: src, Prefix: key }))).Versions?.length, 1, 'the rerun deleted nothing more');
  assert.ok(v2.versionId);
});

test('quarantine in an unversioned bucket when the finding names no version: the current object, if its ETag is still the one scanned', async () => {
  const src = await bucket();
  const q: QuarantineTarget = { bucket: await bucket(), prefix: 'q/', legalHold: false };
  const o = await put(src, 'a b+c.txt', 'secret');
  const target: S3ObjectTarget = { bucket: src, key: 'a b+c.txt', versionId: null, etag: o.etag };
  const res = await new S3QuarantineExecutor().run(target, ctx(q));
  assert.equal(res.outcome, 'done', res.reason);
  assert.equal(await exists(src, 'a b+c.txt'), false);
  assert.equal((await body(q.bucket, `q/${src}/${o.etag}/a b+c.txt`)).toString(), 'secret');
  assert.doesNotMatch(res.reason, /other version/);

  // Changed since the finding: refused, nothing copied or deleted.
  const o2 = await put(src, 'changed.txt', 'new content nobody scanned');
  const stale: S3ObjectTarget = { bucket: src, key: 'changed.txt', versionId: null, etag: createHash('md5').update('old').digest('hex') };
  const refused = await new S3QuarantineExecutor().run(stale, ctx(q));
  assert.equal(refused.outcome, 'refused');
  assert.match(refused.reason, new RegExp(`changed since the finding \\(ETag now ${o2.etag}`));
  assert.equal(await exists(src, 'changed.txt'), true);
  assert.equal(await exists(q.bucket, quarantineKey(q, stale)), false);
});

test('quarantine resumes after a copy whose delete did not happen, and never overwrites a copy it did not write', async () => {
  const src = await bucket();
  const q: QuarantineTarget = { bucket: await bucket(), prefix: 'quarantine/', legalHold: false };
  const o = await put(src, 'k.txt', 'data');
  const target: S3ObjectTarget = { bucket: src, key: 'k.txt', versionId: null, etag: o.etag };
  const c = ctx(q);
  const dest = quarantineKey(q, target);
  // An earlier attempt copied (with this action's tag) and then stopped.
  await s3.send(new CopyObjectCommand({ Bucket: q.bucket, Key: dest, CopySource: `${src}/k.txt`, TaggingDirective: 'REPLACE', Tagging: `${QUARANTINE_TAGS.actionId}=${c.actionId}` }));
  const res = await new S3QuarantineExecutor().run(target, c);
  assert.equal(res.outcome, 'done', res.reason);
  assert.match(res.steps[0]!, /copied by an earlier attempt/);
  assert.equal(await exists(src, 'k.txt'), false);

  // A copy at the destination written by someone else: failed, the source is kept.
  const o2 = await put(src, 'k2.txt', 'data2');
  const t2: S3ObjectTarget = { bucket: src, key: 'k2.txt', versionId: null, etag: o2.etag };
  await put(q.bucket, quarantineKey(q, t2), 'not ours');
  const clash = await new S3QuarantineExecutor().run(t2, ctx(q));
  assert.equal(clash.outcome, 'failed');
  assert.match(clash.reason, /not written by this action/);
  assert.equal(await exists(src, 'k2.txt'), true);

  // Neither the source nor a copy: failed with the reason, not already_done.
  const gone = await new S3QuarantineExecutor().run({ bucket: src, key: 'never-there.txt', versionId: null, etag: null }, ctx(q));
  assert.equal(gone.outcome, 'failed');
  assert.match(gone.reason, /not found, and there is no quarantined copy/);

  // No quarantine bucket configured for the account: refused before any call.
  const none = await new S3QuarantineExecutor().run(t2, ctx(null));
  assert.equal(none.outcome, 'refused');
});

test('quarantine of an object above the copy limit goes part by part (UploadPartCopy), byte for byte', async () => {
  const src = await bucket({ versioned: true });
  const q: QuarantineTarget = { bucket: await bucket(), prefix: 'quarantine/', legalHold: false };
  const data = randomBytes(11 * 1024 * 1024 + 17);
  const o = await put(src, 'big.bin', data);
  const target: S3ObjectTarget = { bucket: src, key: 'big.bin', versionId: o.versionId, etag: o.etag };
  const res = await new S3QuarantineExecutor({ multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 }).run(target, ctx(q));
  assert.equal(res.outcome, 'done', res.reason);
  assert.match(res.steps[0]!, /^UploadPartCopy /);
  const copy = await body(q.bucket, quarantineKey(q, target));
  assert.equal(createHash('sha256').update(copy).digest('hex'), createHash('sha256').update(data).digest('hex'));
  assert.equal(await exists(src, 'big.bin', o.versionId), false);
});

test('quarantine with legalHold puts an Object Lock legal hold on the copy', async () => {
  const src = await bucket();
  const q: QuarantineTarget = { bucket: await bucket({ objectLock: true }), prefix: 'held/', legalHold: true };
  const o = await put(src, 'x.csv', 'held data');
  const target: S3ObjectTarget = { bucket: src, key: 'x.csv', versionId: null, etag: o.etag };
  const res = await new S3QuarantineExecutor().run(target, ctx(q));
  assert.equal(res.outcome, 'done', res.reason);
  const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: q.bucket, Key: quarantineKey(q, target) }));
  assert.equal(hold.LegalHold?.Status, 'ON');
});

test('delete: a named version is deleted for good; no version named puts a delete marker; both are already_done the second time', async () => {
  const b = await bucket({ versioned: true });
  const v1 = await put(b, 'd.txt', 'one');
  await put(b, 'd.txt', 'two');
  const ex = new S3DeleteExecutor();
  const named = await ex.run({ bucket: b, key: 'd.txt', versionId: v1.versionId, etag: v1.etag }, ctx(null));
  assert.equal(named.outcome, 'done', named.reason);
  assert.match(named.reason, /for good/);
  assert.equal(await exists(b, 'd.txt', v1.versionId), false);
  assert.equal((await body(b, 'd.txt')).toString(), 'two');
  assert.equal((await ex.run({ bucket: b, key: 'd.txt', versionId: v1.versionId, etag: v1.etag }, ctx(null))).outcome, 'already_done');

  const current = await put(b, 'm.txt', 'current');
  const marker = await ex.run({ bucket: b, key: 'm.txt', versionId: null, etag: current.etag }, ctx(null));
  assert.equal(marker.outcome, 'done', marker.reason);
  assert.match(marker.reason, /delete marker/);
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'm.txt' }));
  assert.equal(versions.Versions?.length, 1, 'the version is kept behind the marker');
  assert.equal(versions.DeleteMarkers?.length, 1);
  const again = await ex.run({ bucket: b, key: 'm.txt', versionId: null, etag: current.etag }, ctx(null));
  assert.equal(again.outcome, 'already_done');
  assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'm.txt' }))).DeleteMarkers?.length, 1, 'no second marker');

  await put(b, 'r.txt', 'replaced');
  const stale = await ex.run({ bucket: b, key: 'r.txt', versionId: null, etag: createHash('md5').update('original').digest('hex') }, ctx(null));
  assert.equal(stale.outcome, 'refused');
  assert.equal(await exists(b, 'r.txt'), true);
});

test('block public access: all four settings on, then already_done; a missing bucket fails with the API error', async () => {
  const b = await bucket();
  const ex = new S3BlockPublicAccessExecutor();
  const first = await ex.run({ bucket: b }, ctx(null));
  assert.equal(first.outcome, 'done', first.reason);
  const cfg = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: b }))).PublicAccessBlockConfiguration;
  assert.deepEqual(cfg, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  assert.equal((await ex.run({ bucket: b }, ctx(null))).outcome, 'already_done');
  const missing = await ex.run({ bucket: uniqueName('absent') }, ctx(null));
  assert.equal(missing.outcome, 'failed');
  assert.match(missing.reason, /NoSuchBucket/);
});

test('tag values keep only the characters S3 allows, at most 256', () => {
  assert.equal(tagValue('policy q: 2 findings (High, risk 62) & more'), 'policy q: 2 findings High risk 62 more');
  assert.equal(tagValue('x'.repeat(300)).length, 256);
});
