// GCS executors against a MOCKED client: no local GCS peer runs here (no emulator is installed), so
// an in-memory stand-in for the parts of @google-cloud/storage the executors call (GcsStorageLike:
// getMetadata, copy = objects.rewrite, delete, setMetadata) keeps generations, custom metadata,
// holds and the ifGenerationMatch preconditions as the JSON API documents them (404 for a missing
// object or generation, 412 for a failed precondition, 403 for deleting an object under a hold).
// The adapter over the real SDK (gcs-clients.ts) is checked for its shape only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Storage } from '@google-cloud/storage';
import { resolveConfig } from '../../cli/config.ts';
import { ManualClock } from '../../core/clock.ts';
import { ExecutorRunner } from '../runner.ts';
import { adaptStorage } from './gcs-clients.ts';
import { GCS_QUARANTINE_METADATA, type GcsFileLike, type GcsObjectMetadata, type GcsStorageLike } from './gcs.ts';

interface Gen {
  generation: number;
  body: string;
  metadata: Record<string, string>;
  temporaryHold: boolean;
  live: boolean;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** An in-memory GCS: objects by `bucket/name`, each a list of generations (versioned buckets keep noncurrent ones). */
class FakeGcs implements GcsStorageLike {
  readonly objects = new Map<string, Gen[]>();
  readonly calls: string[] = [];
  private next = 1_733_000_000_000_000;
  constructor(private readonly versioned: Set<string> = new Set()) {}

  put(bucket: string, name: string, body: string): number {
    const gens = this.objects.get(`${bucket}/${name}`) ?? [];
    for (const g of gens) g.live = false;
    const kept = this.versioned.has(bucket) ? gens : [];
    const g = { generation: ++this.next, body, metadata: {}, temporaryHold: false, live: true };
    this.objects.set(`${bucket}/${name}`, [...kept, g]);
    return g.generation;
  }

  find(bucket: string, name: string, generation?: string | number): Gen | undefined {
    const gens = this.objects.get(`${bucket}/${name}`) ?? [];
    return generation !== undefined ? gens.find((g) => g.generation === Number(generation)) : gens.find((g) => g.live);
  }

  bucket(bucket: string) {
    const fake = this;
    return {
      name: bucket,
      file(name: string, options: { generation?: string | number } = {}): GcsFileLike & { bucket: string; generation?: string | number } {
        const at = () => `gs://${bucket}/${name}${options.generation !== undefined ? `#${options.generation}` : ''}`;
        return {
          name,
          bucket,
          ...(options.generation !== undefined ? { generation: options.generation } : {}),
          async getMetadata(): Promise<[GcsObjectMetadata]> {
            fake.calls.push(`get ${at()}`);
            const g = fake.find(bucket, name, options.generation);
            if (!g) throw new ApiError(404, `No such object: ${bucket}/${name}`);
            return [{ generation: String(g.generation), size: String(Buffer.byteLength(g.body)), etag: `E${g.generation}`, md5Hash: `M${g.body.length}`, metadata: g.metadata }];
          },
          async copy(dest, opts) {
            fake.calls.push(`rewrite ${at()} -> ${(dest as unknown as { bucket: string }).bucket}/${dest.name}`);
            const g = fake.find(bucket, name, options.generation);
            if (!g) throw new ApiError(404, 'No such object');
            const d = dest as unknown as { bucket: string; name: string };
            if (opts.preconditionOpts.ifGenerationMatch === 0 && fake.find(d.bucket, d.name)) throw new ApiError(412, 'At least one of the pre-conditions you specified did not hold.');
            const gen = fake.put(d.bucket, d.name, g.body);
            fake.find(d.bucket, d.name, gen)!.metadata = { ...opts.metadata };
            return [dest, {}];
          },
          async delete(opts) {
            fake.calls.push(`delete ${at()} ifGenerationMatch=${opts.ifGenerationMatch}`);
            const g = fake.find(bucket, name, options.generation);
            if (!g) throw new ApiError(404, 'No such object');
            if (String(g.generation) !== String(opts.ifGenerationMatch)) throw new ApiError(412, 'At least one of the pre-conditions you specified did not hold.');
            if (g.temporaryHold) throw new ApiError(403, 'Object is under active Temporary hold and cannot be deleted, overwritten or archived until hold is removed.');
            const key = `${bucket}/${name}`;
            // A live object in a versioned bucket without a generation named becomes noncurrent; a generation named is gone for good.
            if (options.generation === undefined && fake.versioned.has(bucket)) g.live = false;
            else fake.objects.set(key, (fake.objects.get(key) ?? []).filter((x) => x !== g));
            return [{}];
          },
          async setMetadata(m) {
            fake.calls.push(`patch ${at()} ${JSON.stringify(m)}`);
            const g = fake.find(bucket, name, options.generation);
            if (!g) throw new ApiError(404, 'No such object');
            if (m.temporaryHold !== undefined) g.temporaryHold = m.temporaryHold;
            return [{}];
          },
        };
      },
    };
  }
}

const PROJECT = 'acme-prod';

function runner(gcs: FakeGcs, allow: string[], opts: { dryRun?: boolean; hold?: string } = {}): ExecutorRunner {
  const config = resolveConfig({
    remediation: {
      dryRun: opts.dryRun ?? false,
      actionsKey: 'actions-key-for-the-gcs-mock-tests-0123456789',
      executors: { gcs: { projects: { [PROJECT]: { allow, buckets: ['acme-exports'], quarantine: { bucket: 'acme-quarantine', hold: opts.hold ?? 'temporary' } } } } },
    },
  }).remediation;
  return new ExecutorRunner({ config, clock: new ManualClock(1_765_000_000_000), gcsClients: { [PROJECT]: gcs } });
}

function action(id: string, kind: 'quarantine' | 'delete', name: string, generation: number | null, etag: string | null) {
  return { id, action: kind, object: { store: 'gcs', bucket: 'acme-exports', key: name, version_id: generation === null ? null : String(generation), etag }, reason: 'policy cards: 2 findings', finding_id: 'f-9', detector: 'dlp' };
}

test('gcs.quarantine (mocked client): the scanned generation is rewritten with metadata and a temporary hold, then deleted; a rerun is already_done', async () => {
  const gcs = new FakeGcs(new Set(['acme-exports']));
  const g1 = gcs.put('acme-exports', 'exports/cards.csv', 'alice,4111...\n');
  const g2 = gcs.put('acme-exports', 'exports/cards.csv', 'newer content\n');
  const r = runner(gcs, ['gcs.quarantine']);
  const res = await r.handle(action('gq-1', 'quarantine', 'exports/cards.csv', g1, `E${g1}`));
  assert.equal(res?.outcome, 'done', res?.reason);
  assert.equal(res?.account, PROJECT, 'the project that lists the bucket');
  const dest = `quarantine/acme-exports/${g1}/exports/cards.csv`;
  assert.deepEqual(gcs.calls, [
    `get gs://acme-exports/exports/cards.csv#${g1}`,
    `get gs://acme-quarantine/${dest}`,
    `rewrite gs://acme-exports/exports/cards.csv#${g1} -> acme-quarantine/${dest}`,
    `get gs://acme-quarantine/${dest}`,
    `patch gs://acme-quarantine/${dest} {"temporaryHold":true}`,
    `delete gs://acme-exports/exports/cards.csv#${g1} ifGenerationMatch=${g1}`,
  ]);
  const copy = gcs.find('acme-quarantine', dest)!;
  assert.equal(copy.body, 'alice,4111...\n');
  assert.equal(copy.temporaryHold, true);
  assert.deepEqual(copy.metadata, { [GCS_QUARANTINE_METADATA.actionId]: 'gq-1', [GCS_QUARANTINE_METADATA.source]: 'gs://acme-exports/exports/cards.csv', [GCS_QUARANTINE_METADATA.sourceGeneration]: String(g1), [GCS_QUARANTINE_METADATA.findingId]: 'f-9', [GCS_QUARANTINE_METADATA.reason]: 'policy cards: 2 findings' });
  assert.equal(gcs.find('acme-exports', 'exports/cards.csv', g1), undefined, 'the scanned generation is gone');
  assert.equal(gcs.find('acme-exports', 'exports/cards.csv')?.generation, g2, 'the newer live generation is kept');

  const fresh = runner(gcs, ['gcs.quarantine']);
  const again = await fresh.handle(action('gq-1', 'quarantine', 'exports/cards.csv', g1, `E${g1}`));
  assert.equal(again?.outcome, 'already_done');
  assert.match(again!.reason, /carries this action id/);
});

test('gcs.quarantine (mocked client): changed content refused; a foreign object at the destination not overwritten; dry-run calls nothing', async () => {
  const gcs = new FakeGcs();
  const g = gcs.put('acme-exports', 'a.csv', 'cards');
  const changed = await runner(gcs, ['gcs.quarantine']).handle(action('gq-2', 'quarantine', 'a.csv', null, 'E-old'));
  assert.equal(changed?.outcome, 'refused');
  assert.match(changed!.reason, /changed since the finding \(ETag now E\d+, the finding saw E-old\)/);
  gcs.put('acme-quarantine', `quarantine/acme-exports/${g}/a.csv`, 'someone else');
  const foreign = await runner(gcs, ['gcs.quarantine']).handle(action('gq-3', 'quarantine', 'a.csv', g, null));
  assert.equal(foreign?.outcome, 'failed');
  assert.match(foreign!.reason, /exists and was not written by this action: not overwritten/);
  gcs.calls.length = 0;
  const dry = await runner(gcs, ['gcs.quarantine'], { dryRun: true }).handle(action('gq-4', 'quarantine', 'a.csv', g, null));
  assert.equal(dry?.outcome, 'dry_run');
  assert.match(dry!.reason, /^dry-run: would objects\.rewrite gs:\/\/acme-exports\/a\.csv#\d+ -> gs:\/\/acme-quarantine\/quarantine\/acme-exports\/\d+\/a\.csv with metadata sluice-action-id=gq-4, temporary hold/);
  assert.deepEqual(gcs.calls, [], 'no API call in dry-run');
  assert.equal(gcs.find('acme-exports', 'a.csv')?.body, 'cards');
});

test('gcs.delete (mocked client): a named generation for good; the live object on its generation only; gone is already_done; not allowed is refused', async () => {
  const gcs = new FakeGcs(new Set(['acme-exports']));
  const g1 = gcs.put('acme-exports', 'k.csv', 'v1');
  const g2 = gcs.put('acme-exports', 'k.csv', 'v2');
  const named = await runner(gcs, ['gcs.delete']).handle(action('gd-1', 'delete', 'k.csv', g1, null));
  assert.equal(named?.outcome, 'done', named?.reason);
  assert.match(named!.reason, new RegExp(`deleted generation ${g1} of gs://acme-exports/k\\.csv for good`));
  const live = await runner(gcs, ['gcs.delete']).handle(action('gd-2', 'delete', 'k.csv', null, `E${g2}`));
  assert.equal(live?.outcome, 'done');
  assert.match(live!.reason, new RegExp(`generation ${g2}; kept as noncurrent when the bucket is versioned`));
  assert.equal(gcs.find('acme-exports', 'k.csv'), undefined, 'no live object');
  assert.equal(gcs.find('acme-exports', 'k.csv', g2)?.live, false, 'the versioned bucket keeps it noncurrent');
  const gone = await runner(gcs, ['gcs.delete']).handle(action('gd-3', 'delete', 'k.csv', g1, null));
  assert.equal(gone?.outcome, 'already_done');
  const refused = await runner(gcs, ['gcs.quarantine']).handle(action('gd-4', 'delete', 'k.csv', g2, null));
  assert.equal(refused?.outcome, 'refused');
  assert.match(refused!.reason, /gcs\.delete is not allowed in project acme-prod \(remediation\.executors\.gcs\.projects\.acme-prod\.allow: gcs\.quarantine\)/);
});

test('a bucket no project lists is refused when several projects are configured; API errors are failed with their code', async () => {
  const config = resolveConfig({ remediation: { dryRun: false, actionsKey: 'actions-key-for-the-gcs-mock-tests-0123456789', executors: { gcs: { projects: { a: { allow: ['gcs.delete'] }, b: { allow: ['gcs.delete'] } } } } } }).remediation;
  const gcs = new FakeGcs();
  const r = new ExecutorRunner({ config, gcsClients: { a: gcs, b: gcs } });
  const res = await r.handle(action('gd-5', 'delete', 'x', null, null));
  assert.equal(res?.outcome, 'refused');
  assert.match(res!.reason, /no project lists bucket acme-exports and remediation\.executors\.gcs\.defaultProject is not set/);
  const broken: GcsStorageLike = { bucket: () => ({ name: 'x', file: () => ({ name: 'x', getMetadata: () => Promise.reject(new ApiError(403, 'caller does not have storage.objects.get access')), copy: () => Promise.resolve(), delete: () => Promise.resolve(), setMetadata: () => Promise.resolve() }) }) };
  const denied = await runner(broken as FakeGcs, ['gcs.delete']).handle(action('gd-6', 'delete', 'x', null, null));
  assert.equal(denied?.outcome, 'failed');
  assert.match(denied!.reason, /^HTTP 403: caller does not have storage\.objects\.get access \(check the executor role/);
});

test('the adapter over the real @google-cloud/storage client builds the files the executors use (no request is made)', () => {
  const storage = adaptStorage(new Storage({ projectId: PROJECT }));
  const f = storage.bucket('acme-exports').file('a/b.csv', { generation: '42' });
  assert.equal(f.name, 'a/b.csv');
  assert.equal((f as unknown as { file: { generation?: number } }).file.generation, 42);
});
