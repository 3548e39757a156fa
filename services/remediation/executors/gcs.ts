/**
 * Google Cloud Storage executors: quarantine an object generation (copy it to the quarantine bucket
 * with custom metadata naming the action and an object hold, then delete that generation) and
 * delete an object (the generation named, for good; or the live object, which bucket versioning
 * keeps as a noncurrent version). Each reads the object first, so a second run finds the work done
 * (already_done), and refuses to act on an object that changed since the finding. Written against
 * the subset of @google-cloud/storage it uses (GcsStorageLike), which the SDK's Storage satisfies.
 */
import type { ExecutorOutcome } from './types.ts';

/** The object resource fields read (JSON API `objects` resource). */
export interface GcsObjectMetadata {
  generation?: string | number;
  size?: string | number;
  etag?: string;
  md5Hash?: string;
  metadata?: Record<string, string | number | boolean | null> | null;
}

/** The parts of @google-cloud/storage's File, Bucket and Storage the executors call. */
export interface GcsFileLike {
  readonly name: string;
  getMetadata(): Promise<[GcsObjectMetadata, ...unknown[]]>;
  copy(destination: GcsFileLike, options: { metadata: Record<string, string>; preconditionOpts: { ifGenerationMatch: number } }): Promise<unknown>;
  delete(options: { ifGenerationMatch: string | number }): Promise<unknown>;
  setMetadata(metadata: { temporaryHold?: boolean; eventBasedHold?: boolean }): Promise<unknown>;
}
export interface GcsBucketLike {
  readonly name: string;
  file(name: string, options?: { generation?: string | number }): GcsFileLike;
}
export interface GcsStorageLike {
  bucket(name: string): GcsBucketLike;
}

/** One object (a DLP object with store gcs: bucket, key = object name, version_id = generation). */
export interface GcsObjectTarget {
  bucket: string;
  name: string;
  /** The generation the finding is about, else null (the live object). */
  generation: string | null;
  /** ETag or MD5 the finding saw. */
  etag: string | null;
}

export interface GcsQuarantineTarget {
  bucket: string;
  prefix: string;
  hold: 'none' | 'temporary' | 'event_based';
}

export interface GcsExecutionContext {
  actionId: string;
  reason: string;
  findingId: string | null;
  project: string;
  /** The project's client (created on first use). */
  storage: () => Promise<GcsStorageLike>;
  quarantine: GcsQuarantineTarget | null;
}

/** Custom metadata keys on a quarantined copy. */
export const GCS_QUARANTINE_METADATA = { actionId: 'sluice-action-id', findingId: 'sluice-finding-id', reason: 'sluice-reason', source: 'sluice-source', sourceGeneration: 'sluice-source-generation' } as const;

const gsUrl = (bucket: string, name: string, generation?: string | number | null): string => `gs://${bucket}/${name}${generation ? `#${generation}` : ''}`;

/** `<prefix><bucket>/<generation | etag | live>/<name>`: fixed by the action, so a rerun finds its own copy. */
export function gcsQuarantineName(q: GcsQuarantineTarget, t: GcsObjectTarget): string {
  return `${q.prefix}${t.bucket}/${t.generation ?? t.etag ?? 'live'}/${t.name}`;
}

/** A GCS API error as `HTTP n: message`. */
export function describeGcsError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'number' ? `HTTP ${e.code}` : typeof e?.code === 'string' ? e.code : (e as Error)?.name ?? 'Error';
  return `${code}: ${typeof e?.message === 'string' ? e.message.slice(0, 300) : String(err)}`;
}

async function metaOrNull(f: GcsFileLike): Promise<GcsObjectMetadata | null> {
  try {
    return (await f.getMetadata())[0];
  } catch (err) {
    if ((err as { code?: unknown })?.code === 404) return null;
    throw err;
  }
}

async function guarded(steps: string[], body: () => Promise<ExecutorOutcome>): Promise<ExecutorOutcome> {
  try {
    return await body();
  } catch (err) {
    const hint = (err as { code?: unknown })?.code === 403 ? ' (check the executor role in services/remediation/README.md)' : '';
    return { outcome: 'failed', reason: `${describeGcsError(err)}${hint}${steps.length ? ` (after: ${steps.join('; ')})` : ''}`, steps };
  }
}

function changedSince(t: GcsObjectTarget, m: GcsObjectMetadata): string | null {
  if (t.etag === null) return null;
  const seen = [m.etag, m.md5Hash].filter((x): x is string => typeof x === 'string');
  if (seen.length === 0 || seen.includes(t.etag)) return null;
  return `${gsUrl(t.bucket, t.name, t.generation)} changed since the finding (ETag now ${m.etag ?? m.md5Hash}, the finding saw ${t.etag}): not acted on`;
}

function sourceFile(storage: GcsStorageLike, t: GcsObjectTarget): GcsFileLike {
  return storage.bucket(t.bucket).file(t.name, t.generation ? { generation: t.generation } : {});
}

export class GcsQuarantineExecutor {
  plan(t: GcsObjectTarget, ctx: GcsExecutionContext): string[] {
    if (!ctx.quarantine) return [`nothing: no quarantine bucket configured for project ${ctx.project}`];
    const q = ctx.quarantine;
    return [
      `objects.rewrite ${gsUrl(t.bucket, t.name, t.generation)} -> gs://${q.bucket}/${gcsQuarantineName(q, t)} with metadata ${GCS_QUARANTINE_METADATA.actionId}=${ctx.actionId}${q.hold !== 'none' ? `, ${q.hold} hold` : ''}`,
      `objects.delete ${gsUrl(t.bucket, t.name, t.generation ?? '<the live generation>')}`,
    ];
  }

  run(t: GcsObjectTarget, ctx: GcsExecutionContext): Promise<ExecutorOutcome> {
    const q = ctx.quarantine;
    if (!q) return Promise.resolve({ outcome: 'refused', reason: `no quarantine bucket configured for project ${ctx.project} (remediation.executors.gcs.projects.${ctx.project}.quarantine)`, steps: [] });
    const steps: string[] = [];
    return guarded(steps, async () => {
      const storage = await ctx.storage();
      const src = sourceFile(storage, t);
      const destName = gcsQuarantineName(q, t);
      const destUrl = `gs://${q.bucket}/${destName}`;
      const dest = storage.bucket(q.bucket).file(destName);
      const meta = await metaOrNull(src);
      const copy = await metaOrNull(dest);
      const ours = copy !== null && copy.metadata?.[GCS_QUARANTINE_METADATA.actionId] === ctx.actionId;
      if (meta === null) {
        if (ours) return { outcome: 'already_done', reason: `${gsUrl(t.bucket, t.name, t.generation)} is gone and its quarantined copy ${destUrl} carries this action id`, steps };
        return { outcome: 'failed', reason: `${gsUrl(t.bucket, t.name, t.generation)} not found, and there is no quarantined copy of this action at ${destUrl}`, steps };
      }
      const changed = changedSince(t, meta);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      if (copy !== null && !ours) return { outcome: 'failed', reason: `${destUrl} exists and was not written by this action: not overwritten`, steps };
      const generation = t.generation ?? (meta.generation !== undefined ? String(meta.generation) : null);
      if (ours) {
        steps.push(`found ${destUrl} (copied by an earlier attempt)`);
      } else {
        const metadata: Record<string, string> = {
          [GCS_QUARANTINE_METADATA.actionId]: ctx.actionId,
          [GCS_QUARANTINE_METADATA.source]: `gs://${t.bucket}/${t.name}`,
          ...(generation ? { [GCS_QUARANTINE_METADATA.sourceGeneration]: generation } : {}),
          ...(ctx.findingId ? { [GCS_QUARANTINE_METADATA.findingId]: ctx.findingId } : {}),
          ...(ctx.reason ? { [GCS_QUARANTINE_METADATA.reason]: ctx.reason.slice(0, 1024) } : {}),
        };
        // ifGenerationMatch 0: the copy is created only when nothing is at the destination.
        await src.copy(dest, { metadata, preconditionOpts: { ifGenerationMatch: 0 } });
        steps.push(`objects.rewrite ${gsUrl(t.bucket, t.name, generation)} -> ${destUrl}`);
        const check = await metaOrNull(dest);
        if (check === null || String(check.size) !== String(meta.size)) {
          return { outcome: 'failed', reason: `the copy at ${destUrl} ${check === null ? 'is missing' : `has ${String(check.size)} bytes, the source ${String(meta.size)}`}: the original was not deleted`, steps };
        }
      }
      if (q.hold !== 'none') {
        await dest.setMetadata(q.hold === 'temporary' ? { temporaryHold: true } : { eventBasedHold: true });
        steps.push(`objects.patch ${destUrl} ${q.hold === 'temporary' ? 'temporaryHold' : 'eventBasedHold'}=true`);
      }
      const exact = generation ? storage.bucket(t.bucket).file(t.name, { generation }) : src;
      await exact.delete({ ifGenerationMatch: generation ?? 0 });
      steps.push(`objects.delete ${gsUrl(t.bucket, t.name, generation)}`);
      return { outcome: 'done', reason: `quarantined ${gsUrl(t.bucket, t.name, generation)} to ${destUrl} and deleted the original generation`, steps };
    });
  }
}

export class GcsDeleteExecutor {
  plan(t: GcsObjectTarget): string[] {
    return [t.generation ? `objects.delete ${gsUrl(t.bucket, t.name, t.generation)} (permanent)` : `objects.delete gs://${t.bucket}/${t.name} (a noncurrent version remains when the bucket is versioned)`];
  }

  run(t: GcsObjectTarget, ctx: GcsExecutionContext): Promise<ExecutorOutcome> {
    const steps: string[] = [];
    return guarded(steps, async () => {
      const src = sourceFile(await ctx.storage(), t);
      const meta = await metaOrNull(src);
      if (meta === null) return { outcome: 'already_done', reason: `${gsUrl(t.bucket, t.name, t.generation)} no longer exists${t.generation ? '' : ' (deleted, or only noncurrent versions remain)'}`, steps };
      const changed = changedSince(t, meta);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      // The generation seen: a newer upload in between makes the delete fail (412) rather than delete unscanned content.
      const generation = t.generation ?? meta.generation ?? 0;
      await src.delete({ ifGenerationMatch: generation });
      steps.push(`objects.delete ${gsUrl(t.bucket, t.name, t.generation)} (ifGenerationMatch ${generation})`);
      return { outcome: 'done', reason: t.generation ? `deleted generation ${t.generation} of gs://${t.bucket}/${t.name} for good` : `deleted gs://${t.bucket}/${t.name} (generation ${generation}; kept as noncurrent when the bucket is versioned)`, steps };
    });
  }
}
