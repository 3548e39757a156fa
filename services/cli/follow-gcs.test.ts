/**
 * `sluice collector object_storage --follow gcs` (runGcsFollowRole). There is no local GCS peer on
 * this machine (no emulator is installed), so these tests run the role against a **fake bucket**
 * (FakeBucket below: an in-memory JSON-API-like store with generations, paginated listings and 404s)
 * through the role's GcsFollowBucket seam, plus the SDK adapter (adaptGcsBucket) against a mocked
 * SDK Bucket. What is not tested here: the real JSON API, credentials and the SDK's retries.
 * Chunks go to the embedded log (acknowledged on append).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket } from '@google-cloud/storage';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { adaptGcsBucket, type GcsFollowBucket, type GcsObjectInfo } from '../collectors/object_storage/gcs-follow.ts';
import { resolveConfig } from './config.ts';
import { gcsFollowConfig, renderGcsCounts, runGcsFollowRole } from './follow-gcs.ts';
import { followSourceFor } from './follow-sources.ts';
import type { AppContext } from './wiring.ts';

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** In-memory bucket: every put is a new generation; listings are in name order, 2 objects a page. */
class FakeBucket implements GcsFollowBucket {
  private objects = new Map<string, { info: GcsObjectInfo; body: Buffer }>();
  private nextGeneration = 1_700_000_000_000_000;
  downloads: string[] = [];
  /** Listing pages served. */
  pages = 0;
  failNextList = false;
  /** Names deleted between the listing and the download (a 404 on read). */
  vanishOnRead = new Set<string>();
  constructor(readonly name: string) {}

  put(name: string, body: string): void {
    const b = Buffer.from(body);
    this.objects.set(name, { info: { name, generation: String(this.nextGeneration++), size: b.length, contentType: 'text/csv', updated: '2026-12-01T10:00:00.000Z' }, body: b });
  }
  /** A metadata update: the generation stays (only metageneration moves). */
  touch(name: string): void {
    const o = this.objects.get(name)!;
    o.info = { ...o.info, contentType: 'application/octet-stream' };
  }
  delete(name: string): void {
    this.objects.delete(name);
  }
  async listPage(prefix: string | undefined, pageToken: string | undefined) {
    this.pages++;
    if (this.failNextList) {
      this.failNextList = false;
      throw new ApiError(503, 'backendError');
    }
    const names = [...this.objects.keys()].filter((n) => !prefix || n.startsWith(prefix)).sort();
    const start = pageToken ? Number(pageToken) : 0;
    const page = names.slice(start, start + 2);
    return { objects: page.map((n) => ({ ...this.objects.get(n)!.info })), nextPageToken: start + 2 < names.length ? String(start + 2) : undefined };
  }
  async *download(name: string, generation: string): AsyncGenerator<Uint8Array> {
    this.downloads.push(`${name}#${generation}`);
    const o = this.objects.get(name);
    if (!o || o.info.generation !== generation || this.vanishOnRead.has(name)) throw new ApiError(404, `No such object: ${this.name}/${name}`);
    for (let i = 0; i < o.body.length; i += 700) yield o.body.subarray(i, i + 700);
  }
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-gcs-follow-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const BUCKET = 'acme-exports';

function context(stateFile: string, extra: Record<string, unknown> = {}): AppContext {
  const config = resolveConfig({
    log: { level: 'warn' },
    http: { port: 0 },
    collectors: { object_storage: { chunkBytes: 1024, gcs: { bucket: BUCKET, prefix: 'customers/', pollIntervalMs: 1000, stateFile, objectsPerCommit: 2, ...extra } } },
  });
  return { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
}

async function runUntil(ctx: AppContext, log: EmbeddedLog, bucket: GcsFollowBucket, done: () => boolean) {
  const stop = new AbortController();
  const running = runGcsFollowRole(ctx, { stop: stop.signal, transport: log, bucket });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  const deadline = Date.now() + 10_000;
  while (!done() && failed === undefined && Date.now() < deadline) await sleep(20);
  stop.abort();
  return running;
}

const keysOn = (log: EmbeddedLog, ctx: AppContext): string[] => log.readAll(ctx.config.topics.objectChunk).map((m) => String(m.key));
const ref = (n: string) => `gcs://${BUCKET}/customers/${n}.csv`;

describe('GCS follow role (fake bucket: no local GCS peer here)', () => {
  it('publishes new objects, then on a restart only new generations; metadata updates and other prefixes are not read; deleted objects forgotten', async () => {
    const bucket = new FakeBucket(BUCKET);
    bucket.put('customers/a.csv', 'id,name\n1,alice\n');
    bucket.put('customers/b.csv', 'id,name\n2,bob\n');
    bucket.put('customers/c.csv', `id,card\n${'3,4556737586899855\n'.repeat(100)}`); // 1908 bytes: 2 chunks of 1024
    bucket.put('customers/folder/', '');
    bucket.put('other/ignored.csv', 'not under the prefix\n');
    const stateFile = join(dir, 'state.json');
    const ctx = context(stateFile);
    // One partition: readAll is then in publish order, so slice(before) is what the second run published.
    const log = new EmbeddedLog({ partitions: 1, maxBatchSize: 100, clock: new ManualClock(0) });
    const first = await runUntil(ctx, log, bucket, () => new Set(keysOn(log, ctx)).size >= 3);
    assert.equal(first.objects, 3);
    assert.deepEqual([...new Set(keysOn(log, ctx))].sort(), ['a', 'b', 'c'].map(ref));
    assert.equal(keysOn(log, ctx).length, 4, 'a, b, and c in 2 chunks');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { source: string; objects: Record<string, string> };
    assert.equal(state.source, `gcs://${BUCKET}`);
    assert.deepEqual(Object.keys(state.objects).sort(), ['customers/a.csv', 'customers/b.csv', 'customers/c.csv']);
    assert.ok(!bucket.downloads.some((d) => d.startsWith('other/') || d.startsWith('customers/folder/')));

    // While the role is down: b is uploaded again (new generation), c's metadata changes, d is added, a is deleted.
    bucket.put('customers/b.csv', 'id,name\n2,bobby\n');
    bucket.touch('customers/c.csv');
    bucket.put('customers/d.csv', 'id,name\n4,dan\n');
    bucket.delete('customers/a.csv');
    const before = keysOn(log, ctx).length;
    bucket.downloads = [];
    const second = await runUntil(ctx, log, bucket, () => keysOn(log, ctx).length >= before + 2);
    assert.equal(second.objects, 2, 'only the new generation of b and the new d');
    assert.equal(second.unchanged, 1, 'c kept its generation');
    assert.equal(second.removed, 1, 'a left the bucket');
    assert.deepEqual(keysOn(log, ctx).slice(before).sort(), ['b', 'd'].map(ref));
    assert.deepEqual(bucket.downloads.map((d) => d.split('#')[0]).sort(), ['customers/b.csv', 'customers/d.csv'], 'c is not downloaded again');
    const after2 = JSON.parse(readFileSync(stateFile, 'utf8')) as { objects: Record<string, string> };
    assert.deepEqual(Object.keys(after2.objects).sort(), ['customers/b.csv', 'customers/c.csv', 'customers/d.csv']);
    assert.match(renderGcsCounts(second), /objects read 2 \(unchanged 1, removed 1\)/);

    // A third start with nothing changed reads nothing (stopped after one poll: 2 listing pages).
    bucket.pages = 0;
    bucket.downloads = [];
    const third = await runUntil(ctx, log, bucket, () => bucket.pages >= 2);
    assert.deepEqual(bucket.downloads, []);
    assert.equal(third.objects, 0);
    assert.equal(third.unchanged, 3);
  });

  it('chunk ids carry the generation, so a crash between the Kafka ack and the state write re-sends the same ids', async () => {
    const bucket = new FakeBucket(BUCKET);
    bucket.put('customers/a.csv', 'id,name\n1,alice\n');
    const stateFile = join(dir, 'crash.json');
    const ctx = context(stateFile);
    const log = new EmbeddedLog({ partitions: 1, maxBatchSize: 100, clock: new ManualClock(0) });
    await runUntil(ctx, log, bucket, () => keysOn(log, ctx).length >= 1);
    // The state as it was before the write (a crash after the flush): the object is read again, with the same id.
    rmSync(stateFile);
    await runUntil(ctx, log, bucket, () => keysOn(log, ctx).length >= 2);
    const chunks = log.readAll(ctx.config.topics.objectChunk);
    assert.equal(chunks.length, 2);
    // The encoded record holds the uid `<ref>@<generation>#<index>`: the same in both sends (deduplicated downstream).
    const uid = (i: number) => /gcs:\/\/acme-exports\/customers\/a\.csv@\d+#\d+/.exec(Buffer.from(chunks[i]!.value as Uint8Array).toString('latin1'))?.[0];
    assert.equal(uid(0), 'gcs://acme-exports/customers/a.csv@1700000000000000#0');
    assert.equal(uid(1), uid(0));
  });

  it('a failed listing is retried at the next poll; an object gone before its download is dead-lettered, not retried for ever', async () => {
    const bucket = new FakeBucket(BUCKET);
    bucket.put('customers/a.csv', 'id,name\n1,alice\n');
    bucket.put('customers/gone.csv', 'id,name\n9,zed\n');
    bucket.vanishOnRead.add('customers/gone.csv');
    bucket.failNextList = true;
    const ctx = context(join(dir, 'retry.json'));
    const log = new EmbeddedLog({ partitions: 1, maxBatchSize: 100, clock: new ManualClock(0) });
    const stats = await runUntil(ctx, log, bucket, () => keysOn(log, ctx).length >= 1 && log.readAll(ctx.config.topics.deadLetter).length >= 1);
    assert.equal(stats.listFailures, 1);
    assert.equal(stats.objects, 2);
    assert.deepEqual(keysOn(log, ctx), [ref('a')]);
    const dead = log.readAll(ctx.config.topics.deadLetter).map((m) => Buffer.from(m.value as Uint8Array).toString('utf8'));
    assert.equal(dead.length, 1);
    assert.match(dead[0]!, /SLUICE_ERR_INPUT_NOT_FOUND/);
  });

  it('refuses a state file of another bucket and a malformed one', async () => {
    const bucket = new FakeBucket(BUCKET);
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ version: 1, source: 'gcs://someone-else', objects: {} }));
    const log = new EmbeddedLog({ partitions: 1, maxBatchSize: 100, clock: new ManualClock(0) });
    await assert.rejects(runGcsFollowRole(context(other), { transport: log, bucket }), (e: unknown) => e instanceof SluiceError && /belongs to gcs:\/\/someone-else/.test(e.message));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version":1,"objects":{"a":1}}');
    await assert.rejects(runGcsFollowRole(context(bad), { transport: log, bucket }), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED');
  });

  it('config: the section and a valid bucket name are required; unknown keys refused', () => {
    const ctx = (gcs: Record<string, unknown> | undefined): AppContext => ({
      config: resolveConfig({ collectors: { object_storage: gcs ? { gcs } : {} } }),
      logger: silentLogger(),
      clock: systemClock,
      telemetry: createTelemetry({ serviceName: 't' }),
    });
    assert.throws(() => gcsFollowConfig(ctx(undefined)), (e: unknown) => e instanceof SluiceError && /collectors\.object_storage\.gcs/.test(e.message));
    assert.throws(() => ctx({ bucket: 'Not_A_Bucket' }), /GCS bucket name/);
    assert.throws(() => ctx({ bucket: 'acme-exports', container: 'x' }), /container/);
    assert.equal(followSourceFor('object_storage', 'gcs'), 'gcs');
    assert.throws(() => followSourceFor('aws_cloudtrail', 'gcs'), /does not fit collector aws_cloudtrail/);
    const c = gcsFollowConfig(ctx({ bucket: 'acme-exports' }));
    assert.equal(c.pollIntervalMs, 60_000);
    assert.equal(c.stateFile, '.sluice/checkpoints/gcs.json');
  });
});

describe('adaptGcsBucket (mocked SDK Bucket)', () => {
  it('lists one page at a time with the page token, and downloads the listed generation without decompression', async () => {
    const calls: unknown[] = [];
    const sdk = {
      name: BUCKET,
      async getFiles(query: Record<string, unknown>) {
        calls.push(query);
        const file = { name: 'customers/a.csv', metadata: { generation: '17', size: '5', contentEncoding: 'gzip', updated: '2026-12-01T10:00:00Z' } };
        return query.pageToken ? [[file], null] : [[file], { pageToken: 'p2' }];
      },
      file(name: string, options: Record<string, unknown>) {
        calls.push({ name, ...options });
        return { createReadStream: (o: Record<string, unknown>) => (calls.push(o), Readable.from([Buffer.from('hello')])) };
      },
    } as unknown as Bucket;
    const b = adaptGcsBucket(sdk);
    const p1 = await b.listPage('customers/', undefined);
    assert.equal(p1.nextPageToken, 'p2');
    assert.deepEqual(p1.objects[0], { name: 'customers/a.csv', generation: '17', size: 5, contentType: undefined, contentEncoding: 'gzip', updated: '2026-12-01T10:00:00Z', md5Hash: undefined });
    const p2 = await b.listPage('customers/', 'p2');
    assert.equal(p2.nextPageToken, undefined);
    const bytes: Buffer[] = [];
    for await (const c of b.download('customers/a.csv', '17')) bytes.push(Buffer.from(c));
    assert.equal(Buffer.concat(bytes).toString(), 'hello');
    assert.deepEqual(calls, [
      { autoPaginate: false, maxResults: 1000, prefix: 'customers/' },
      { autoPaginate: false, maxResults: 1000, prefix: 'customers/', pageToken: 'p2' },
      { name: 'customers/a.csv', generation: 17 },
      { decompress: false, validation: false },
    ]);
  });
});
