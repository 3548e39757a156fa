/**
 * Azure Blob executors: quarantine a blob (copy it, and its snapshots when the base blob goes, to
 * the quarantine container with metadata naming the action, a restrictive access tier and
 * optionally a legal hold; then delete the original) and delete a blob (the version named, or the
 * base blob with its snapshots). Each checks the blob first, so a second run finds the work done
 * (already_done), and refuses to act on a blob whose ETag changed since the finding.
 */
import type { BlobClient, BlobGetPropertiesResponse, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { ExecutorOutcome } from './types.ts';

/** One blob (a DLP object with store azure_blob: bucket `<account>/<container>`, key = blob name). */
export interface AzureBlobTarget {
  account: string;
  container: string;
  name: string;
  /** The version the finding is about (blob versioning on), else null: the base blob. */
  versionId: string | null;
  /** ETag (without quotes) the finding saw. */
  etag: string | null;
}

export interface AzureQuarantineTarget {
  container: string;
  prefix: string;
  accessTier: 'Hot' | 'Cool' | 'Cold' | 'Archive';
  legalHold: boolean;
}

export interface AzureExecutionContext {
  actionId: string;
  reason: string;
  findingId: string | null;
  account: string;
  /** The account's service client (created on first use; a missing credential throws). */
  service: () => BlobServiceClient;
  quarantine: AzureQuarantineTarget | null;
}

/** Metadata keys on a quarantined copy (metadata names are C# identifiers). */
export const AZURE_QUARANTINE_METADATA = { actionId: 'sluice_action_id', findingId: 'sluice_finding_id', reason: 'sluice_reason', source: 'sluice_source', sourceVersion: 'sluice_source_version' } as const;

const blobUrl = (t: AzureBlobTarget, extra?: string | null): string => `azure://${t.account}/${t.container}/${t.name}${extra ? ` (${extra})` : ''}`;
const unquote = (etag: string | undefined): string | null => (etag ? etag.replace(/^"|"$/g, '') : null);

/** `<prefix><account>/<container>/<version id | etag | unversioned>/<name>`: fixed by the action, so a rerun finds its own copy. */
export function azureQuarantineName(q: AzureQuarantineTarget, t: AzureBlobTarget): string {
  return `${q.prefix}${t.account}/${t.container}/${t.versionId ?? t.etag ?? 'unversioned'}/${t.name}`;
}

/** Metadata values are HTTP header values: printable ASCII, kept short. */
export function metadataValue(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024);
}

/** An Azure SDK error as `Code (HTTP n): message`. */
export function describeAzureError(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : (e as Error)?.name ?? 'Error';
  const status = typeof e?.statusCode === 'number' ? ` (HTTP ${e.statusCode})` : '';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]!.slice(0, 300) : String(err);
  return `${code}${status}: ${message}`;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

async function propsOrNull(b: BlobClient): Promise<BlobGetPropertiesResponse | null> {
  try {
    return await b.getProperties();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

async function guarded(steps: string[], body: () => Promise<ExecutorOutcome>): Promise<ExecutorOutcome> {
  try {
    return await body();
  } catch (err) {
    const hint = statusOf(err) === 403 ? ' (check the role or SAS permissions in services/remediation/README.md)' : '';
    return { outcome: 'failed', reason: `${describeAzureError(err)}${hint}${steps.length ? ` (after: ${steps.join('; ')})` : ''}`, steps };
  }
}

function changedSince(t: AzureBlobTarget, p: BlobGetPropertiesResponse): string | null {
  const now = unquote(p.etag);
  return t.etag !== null && now !== null && now !== t.etag ? `${blobUrl(t, t.versionId && `version ${t.versionId}`)} changed since the finding (ETag now ${now}, the finding saw ${t.etag}): not acted on` : null;
}

function source(c: ContainerClient, t: AzureBlobTarget): { base: BlobClient; blob: BlobClient } {
  const base = c.getBlobClient(t.name);
  return { base, blob: t.versionId ? base.withVersion(t.versionId) : base };
}

/** Snapshot timestamps of exactly this blob name. */
async function snapshotsOf(c: ContainerClient, name: string): Promise<string[]> {
  const out: string[] = [];
  for await (const item of c.listBlobsFlat({ prefix: name, includeSnapshots: true })) {
    if (item.name === name && item.snapshot) out.push(item.snapshot);
  }
  return out;
}

/**
 * Deletes what the finding is about: a previous version by its id; the current version (named or
 * not) by deleting the base blob with its snapshots, on condition that its ETag is still the one
 * seen, then, when a version was named and versioning kept it as a previous version, that version.
 */
async function deleteTarget(t: AzureBlobTarget, p: BlobGetPropertiesResponse, c: ContainerClient, steps: string[]): Promise<void> {
  const { base, blob } = source(c, t);
  const current = t.versionId === null || p.isCurrentVersion === true;
  if (!current) {
    await blob.delete();
    steps.push(`Delete Blob ${blobUrl(t, `version ${t.versionId}`)} (permanent)`);
    return;
  }
  await base.delete({ deleteSnapshots: 'include', conditions: p.etag ? { ifMatch: p.etag } : {} });
  steps.push(`Delete Blob ${blobUrl(t)} with its snapshots (if ETag ${unquote(p.etag)})`);
  if (t.versionId !== null) {
    // With versioning on, deleting the base blob turned the current version into a previous one.
    try {
      await blob.delete();
      steps.push(`Delete Blob ${blobUrl(t, `version ${t.versionId}`)} (permanent)`);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}

export class AzureBlobQuarantineExecutor {
  plan(t: AzureBlobTarget, ctx: AzureExecutionContext): string[] {
    if (!ctx.quarantine) return [`nothing: no quarantine container configured for storage account ${ctx.account}`];
    const q = ctx.quarantine;
    return [
      `Copy Blob ${blobUrl(t, t.versionId && `version ${t.versionId}`)} -> azure://${t.account}/${q.container}/${azureQuarantineName(q, t)} with metadata ${AZURE_QUARANTINE_METADATA.actionId}=${ctx.actionId}, tier ${q.accessTier}${q.legalHold ? ', legal hold' : ''} (and its snapshots, when the base blob is deleted)`,
      `Delete Blob ${blobUrl(t, t.versionId && `version ${t.versionId}`)}`,
    ];
  }

  run(t: AzureBlobTarget, ctx: AzureExecutionContext): Promise<ExecutorOutcome> {
    const q = ctx.quarantine;
    if (!q) return Promise.resolve({ outcome: 'refused', reason: `no quarantine container configured for storage account ${ctx.account} (remediation.executors.azureBlob.accounts.${ctx.account}.quarantine)`, steps: [] });
    const steps: string[] = [];
    return guarded(steps, async () => {
      const service = ctx.service();
      const src = service.getContainerClient(t.container);
      const qc = service.getContainerClient(q.container);
      const destName = azureQuarantineName(q, t);
      const destUrl = `azure://${t.account}/${q.container}/${destName}`;
      const dest = qc.getBlockBlobClient(destName);
      const { base, blob } = source(src, t);
      const props = await propsOrNull(blob);
      const copy = await propsOrNull(dest);
      const ours = copy !== null && copy.metadata?.[AZURE_QUARANTINE_METADATA.actionId] === ctx.actionId;
      if (props === null) {
        if (ours) return { outcome: 'already_done', reason: `${blobUrl(t, t.versionId && `version ${t.versionId}`)} is gone and its quarantined copy ${destUrl} carries this action id`, steps };
        return { outcome: 'failed', reason: `${blobUrl(t, t.versionId && `version ${t.versionId}`)} not found, and there is no quarantined copy of this action at ${destUrl}`, steps };
      }
      const changed = changedSince(t, props);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      if (copy !== null && !ours) return { outcome: 'failed', reason: `${destUrl} exists and was not written by this action: not overwritten`, steps };
      const metadata = {
        [AZURE_QUARANTINE_METADATA.actionId]: ctx.actionId,
        [AZURE_QUARANTINE_METADATA.source]: metadataValue(`azure://${t.account}/${t.container}/${t.name}`),
        ...(t.versionId ? { [AZURE_QUARANTINE_METADATA.sourceVersion]: metadataValue(t.versionId) } : {}),
        ...(ctx.findingId ? { [AZURE_QUARANTINE_METADATA.findingId]: metadataValue(ctx.findingId) } : {}),
        ...(ctx.reason ? { [AZURE_QUARANTINE_METADATA.reason]: metadataValue(ctx.reason) } : {}),
      };
      if (ours) {
        steps.push(`found ${destUrl} (copied by an earlier attempt)`);
      } else {
        await copyBlob(blob, dest, metadata, q.accessTier);
        steps.push(`Copy Blob ${blobUrl(t, t.versionId && `version ${t.versionId}`)} -> ${destUrl} (tier ${q.accessTier})`);
        const check = await propsOrNull(dest);
        if (check === null || check.contentLength !== props.contentLength) {
          return { outcome: 'failed', reason: `the copy at ${destUrl} ${check === null ? 'is missing' : `has ${check.contentLength} bytes, the source ${props.contentLength}`}: the original was not deleted`, steps };
        }
      }
      if (q.legalHold) {
        try {
          await dest.setLegalHold(true);
          steps.push(`Set Blob Legal Hold ${destUrl}`);
        } catch (err) {
          return { outcome: 'failed', reason: `legal hold on ${destUrl} failed: ${describeAzureError(err)}; the copy is kept and the original was not deleted (the container needs version-level immutability support)`, steps };
        }
      }
      // The base blob goes with its snapshots (Azure refuses otherwise): copy them too, so nothing unscanned is lost.
      const current = t.versionId === null || props.isCurrentVersion === true;
      const snaps = current ? await snapshotsOf(src, t.name) : [];
      for (const s of snaps) {
        const snapDest = qc.getBlockBlobClient(`${q.prefix}${t.account}/${t.container}/snapshot-${s}/${t.name}`);
        const existing = await propsOrNull(snapDest);
        if (existing === null) await copyBlob(base.withSnapshot(s), snapDest, { ...metadata, sluice_source_snapshot: s }, q.accessTier);
        steps.push(`Copy Blob ${blobUrl(t, `snapshot ${s}`)} -> azure://${t.account}/${q.container}/${snapDest.name}`);
      }
      await deleteTarget(t, props, src, steps);
      const snapNote = snaps.length ? `, with ${snaps.length} snapshot${snaps.length === 1 ? '' : 's'} (copied too)` : '';
      return { outcome: 'done', reason: `quarantined ${blobUrl(t, t.versionId && `version ${t.versionId}`)} to ${destUrl} and deleted the original${snapNote}`, steps };
    });
  }
}

async function copyBlob(from: BlobClient, to: ReturnType<ContainerClient['getBlockBlobClient']>, metadata: Record<string, string>, tier: AzureQuarantineTarget['accessTier']): Promise<void> {
  // Same storage account: the copy is authorized by the request's own credential (a SAS must allow read on the source).
  const poller = await to.beginCopyFromURL(from.url, { metadata, tier });
  const res = await poller.pollUntilDone();
  if (res.copyStatus !== 'success') throw Object.assign(new Error(`copy ended ${res.copyStatus ?? 'without a status'}`), { code: 'CopyFailed' });
}

export class AzureBlobDeleteExecutor {
  plan(t: AzureBlobTarget): string[] {
    return [t.versionId ? `Delete Blob ${blobUrl(t, `version ${t.versionId}`)} (permanent; the base blob and its snapshots first when it is the current version)` : `Delete Blob ${blobUrl(t)} with its snapshots (versioning keeps earlier versions)`];
  }

  run(t: AzureBlobTarget, ctx: AzureExecutionContext): Promise<ExecutorOutcome> {
    const steps: string[] = [];
    return guarded(steps, async () => {
      const src = ctx.service().getContainerClient(t.container);
      const { blob } = source(src, t);
      const props = await propsOrNull(blob);
      if (props === null) return { outcome: 'already_done', reason: `${blobUrl(t, t.versionId && `version ${t.versionId}`)} no longer exists`, steps };
      const changed = changedSince(t, props);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      const current = t.versionId === null || props.isCurrentVersion === true;
      const snaps = current ? (await snapshotsOf(src, t.name)).length : 0;
      await deleteTarget(t, props, src, steps);
      return { outcome: 'done', reason: `deleted ${blobUrl(t, t.versionId && `version ${t.versionId}`)}${snaps ? ` and its ${snaps} snapshot${snaps === 1 ? '' : 's'}` : ''}`, steps };
    });
  }
}
