/**
 * S3 executors: quarantine an object version (copy to the quarantine bucket with tags, then delete
 * the original version), delete an object (the version named, or a delete marker), and turn on
 * Block Public Access for a bucket. Each one checks the bucket's state first, so a second run finds
 * the work done and says so (already_done) without changing anything.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  PutPublicAccessBlockCommand,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3ObjectTarget } from '../requests.ts';
import { awsError, describeAwsError, type ExecutionContext, type Executor, type ExecutorOutcome, type QuarantineTarget } from './types.ts';

/** Tag keys written on a quarantined copy. */
export const QUARANTINE_TAGS = { actionId: 'sluice-action-id', findingId: 'sluice-finding-id', reason: 'sluice-reason', source: 'sluice-source', sourceVersion: 'sluice-source-version' } as const;

/** CopyObject's limit; larger objects are copied part by part (UploadPartCopy). */
export const COPY_OBJECT_MAX_BYTES = 5 * 1024 ** 3;

const url = (bucket: string, key: string, versionId?: string | null): string => `s3://${bucket}/${key}${versionId ? ` (version ${versionId})` : ''}`;
const unquote = (etag: string | undefined): string | null => (etag ? etag.replace(/^"|"$/g, '') : null);

/** S3 tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters. */
export function tagValue(v: string): string {
  return v.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 256);
}

/** `<prefix><bucket>/<version id | etag | unversioned>/<key>`: fixed by the action, so a rerun finds its own copy. */
export function quarantineKey(q: QuarantineTarget, t: S3ObjectTarget): string {
  return `${q.prefix}${t.bucket}/${t.versionId ?? t.etag ?? 'unversioned'}/${t.key}`;
}

/** CopySource: bucket and URL-encoded key (each path segment), with the version. */
export function copySource(bucket: string, key: string, versionId: string | undefined): string {
  const k = key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${k}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
}

/** HeadObject, or null when S3 answers 404 (no such key, version or bucket) or 405 (a delete marker). */
async function headOrNull(s3: S3Client, bucket: string, key: string, versionId?: string | null): Promise<HeadObjectCommandOutput | null> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  } catch (err) {
    const status = awsError(err).status;
    if (status === 404 || status === 405) return null;
    throw err;
  }
}

async function taggedBy(s3: S3Client, bucket: string, key: string, actionId: string): Promise<boolean> {
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return (tags.TagSet ?? []).some((t) => t.Key === QUARANTINE_TAGS.actionId && t.Value === actionId);
}

/** Runs the body; an API error becomes a failed outcome that lists the steps already done. */
async function guarded(steps: string[], body: () => Promise<ExecutorOutcome>): Promise<ExecutorOutcome> {
  try {
    return await body();
  } catch (err) {
    // S3 answers 403, not 404, for a missing key when s3:ListBucket is not granted (README: IAM policies).
    const hint = awsError(err).status === 403 ? ' (check the executor policy in services/remediation/README.md: without s3:ListBucket a missing key is a 403)' : '';
    return { outcome: 'failed', reason: `${describeAwsError(err)}${hint}${steps.length ? ` (after: ${steps.join('; ')})` : ''}`, steps };
  }
}

/** When the object changed since the finding (another ETag), acting on it would act on content nobody scanned. */
function changedSince(t: S3ObjectTarget, head: HeadObjectCommandOutput): string | null {
  const now = unquote(head.ETag);
  return t.etag !== null && now !== null && now !== t.etag ? `${url(t.bucket, t.key, t.versionId)} changed since the finding (ETag now ${now}, the finding saw ${t.etag}): not acted on` : null;
}

export interface S3QuarantineOptions {
  /** Objects larger than this are copied with UploadPartCopy (default: CopyObject's 5 GiB limit). */
  multipartThreshold?: number;
  /** Part size of a multipart copy (default 512 MiB, raised to keep at most 10 000 parts). */
  partSize?: number;
}

/**
 * s3.quarantine: copy the object version the finding names (or the current one, when its ETag is
 * still the finding's) to `<quarantine bucket>/<prefix><bucket>/<version>/<key>`, tagged with the
 * action id, finding id, reason and source, optionally under legal hold; check the copy's size;
 * then delete that exact version from the source (a version id is deleted for good, not hidden
 * behind a delete marker). Other versions of the key are counted and reported, not touched.
 */
export class S3QuarantineExecutor implements Executor<S3ObjectTarget> {
  constructor(private readonly options: S3QuarantineOptions = {}) {}

  plan(t: S3ObjectTarget, ctx: ExecutionContext): string[] {
    if (!ctx.quarantine) return [`nothing: no quarantine bucket configured for account ${ctx.account}`];
    const dest = quarantineKey(ctx.quarantine, t);
    return [
      `CopyObject ${url(t.bucket, t.key, t.versionId)} -> s3://${ctx.quarantine.bucket}/${dest} tagged ${QUARANTINE_TAGS.actionId}=${ctx.actionId}${ctx.quarantine.legalHold ? ' with legal hold' : ''}`,
      `DeleteObject ${url(t.bucket, t.key, t.versionId ?? '<the current version>')}`,
    ];
  }

  run(t: S3ObjectTarget, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    const q = ctx.quarantine;
    if (!q) return Promise.resolve({ outcome: 'refused', reason: `no quarantine bucket configured for account ${ctx.account} (remediation.executors.accounts.${ctx.account}.quarantine)`, steps: [] });
    const s3 = ctx.clients.s3();
    const dest = quarantineKey(q, t);
    const destUrl = `s3://${q.bucket}/${dest}`;
    const steps: string[] = [];
    return guarded(steps, async () => {
      const head = await headOrNull(s3, t.bucket, t.key, t.versionId);
      const copy = await headOrNull(s3, q.bucket, dest);
      const ours = copy !== null && (await taggedBy(s3, q.bucket, dest, ctx.actionId));
      if (head === null) {
        if (ours) return { outcome: 'already_done', reason: `${url(t.bucket, t.key, t.versionId)} is gone from the source and its quarantined copy ${destUrl} carries this action id`, steps };
        return { outcome: 'failed', reason: `${url(t.bucket, t.key, t.versionId)} not found, and there is no quarantined copy of this action at ${destUrl}`, steps };
      }
      const changed = changedSince(t, head);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      // The exact version to delete: the one named, else the current one (also S3's "null" version).
      const version = t.versionId ?? head.VersionId ?? null;
      if (copy !== null && !ours) return { outcome: 'failed', reason: `${destUrl} exists and was not written by this action: not overwritten`, steps };
      if (ours) {
        steps.push(`found ${destUrl} (copied by an earlier attempt)`);
        if (q.legalHold) await s3.send(new PutObjectLegalHoldCommand({ Bucket: q.bucket, Key: dest, LegalHold: { Status: 'ON' } }));
      } else {
        const size = head.ContentLength ?? 0;
        await this.copy(s3, t, version, q, dest, ctx, size);
        steps.push(`${size > (this.options.multipartThreshold ?? COPY_OBJECT_MAX_BYTES) ? 'UploadPartCopy' : 'CopyObject'} ${url(t.bucket, t.key, version)} -> ${destUrl}`);
        const check = await headOrNull(s3, q.bucket, dest);
        if (check === null || (check.ContentLength ?? -1) !== size) {
          return { outcome: 'failed', reason: `the copy at ${destUrl} ${check === null ? 'is missing' : `has ${check.ContentLength} bytes, the source ${size}`}: the original was not deleted`, steps };
        }
      }
      await s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: t.key, ...(version ? { VersionId: version } : {}) }));
      steps.push(`DeleteObject ${url(t.bucket, t.key, version)}`);
      const others = version && version !== 'null' ? await otherVersions(s3, t.bucket, t.key) : 0;
      const rest = others > 0 ? `; ${others === 1 ? '1 other version of the key remains' : `${others} other versions of the key remain`} at the source (not scanned by this finding, not touched)` : '';
      return { outcome: 'done', reason: `quarantined ${url(t.bucket, t.key, version)} to ${destUrl} and deleted the original${rest}`, steps };
    });
  }

  private async copy(s3: S3Client, t: S3ObjectTarget, version: string | null, q: QuarantineTarget, dest: string, ctx: ExecutionContext, size: number): Promise<void> {
    const tags = new URLSearchParams({
      [QUARANTINE_TAGS.actionId]: ctx.actionId,
      [QUARANTINE_TAGS.source]: tagValue(`s3://${t.bucket}/${t.key}`),
      ...(version ? { [QUARANTINE_TAGS.sourceVersion]: tagValue(version) } : {}),
      ...(ctx.findingId ? { [QUARANTINE_TAGS.findingId]: tagValue(ctx.findingId) } : {}),
      ...(ctx.reason ? { [QUARANTINE_TAGS.reason]: tagValue(ctx.reason) } : {}),
    }).toString();
    const source = copySource(t.bucket, t.key, version ?? undefined);
    if (size <= (this.options.multipartThreshold ?? COPY_OBJECT_MAX_BYTES)) {
      await s3.send(new CopyObjectCommand({ Bucket: q.bucket, Key: dest, CopySource: source, TaggingDirective: 'REPLACE', Tagging: tags, MetadataDirective: 'COPY' }));
    } else {
      await this.copyParts(s3, q, dest, source, tags, size);
    }
    // The hold is its own call: a lock header on the copy itself needs a body checksum that a copy has not got.
    if (q.legalHold) await s3.send(new PutObjectLegalHoldCommand({ Bucket: q.bucket, Key: dest, LegalHold: { Status: 'ON' } }));
  }

  private async copyParts(s3: S3Client, q: QuarantineTarget, dest: string, source: string, tags: string, size: number): Promise<void> {
    const partSize = Math.max(this.options.partSize ?? 512 * 1024 ** 2, Math.ceil(size / 10_000));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: q.bucket, Key: dest, Tagging: tags }));
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(size, start + partSize) - 1;
        const res = await s3.send(new UploadPartCopyCommand({ Bucket: q.bucket, Key: dest, UploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }));
        parts.push({ ETag: res.CopyPartResult!.ETag!, PartNumber: n });
      }
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: q.bucket, Key: dest, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: q.bucket, Key: dest, UploadId })).catch(() => undefined);
      throw err;
    }
  }
}

/** Versions and delete markers of exactly this key (the prefix listing also returns longer keys). */
async function otherVersions(s3: S3Client, bucket: string, key: string): Promise<number> {
  let n = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    n += (res.Versions ?? []).filter((v) => v.Key === key).length;
    if (!res.IsTruncated) break;
    keyMarker = res.NextKeyMarker;
    versionMarker = res.NextVersionIdMarker;
  }
  return n;
}

/**
 * s3.delete: delete the version the finding names (for good), or, when it names none, the current
 * object (a delete marker in a versioned bucket, the object itself in an unversioned one) provided
 * its ETag is still the finding's.
 */
export class S3DeleteExecutor implements Executor<S3ObjectTarget> {
  plan(t: S3ObjectTarget): string[] {
    return [t.versionId ? `DeleteObject ${url(t.bucket, t.key, t.versionId)} (permanent)` : `DeleteObject s3://${t.bucket}/${t.key} (a delete marker when the bucket is versioned)`];
  }

  run(t: S3ObjectTarget, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    const s3 = ctx.clients.s3();
    const steps: string[] = [];
    return guarded(steps, async () => {
      const head = await headOrNull(s3, t.bucket, t.key, t.versionId);
      if (head === null) {
        const what = t.versionId ? `version ${t.versionId} of s3://${t.bucket}/${t.key} no longer exists` : `s3://${t.bucket}/${t.key} has no current version (deleted, or behind a delete marker)`;
        return { outcome: 'already_done', reason: what, steps };
      }
      const changed = changedSince(t, head);
      if (changed) return { outcome: 'refused', reason: changed, steps };
      const res = await s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: t.key, ...(t.versionId ? { VersionId: t.versionId } : {}) }));
      steps.push(`DeleteObject ${url(t.bucket, t.key, t.versionId)}`);
      const reason = t.versionId
        ? `deleted version ${t.versionId} of s3://${t.bucket}/${t.key} for good`
        : res.DeleteMarker
          ? `put a delete marker on s3://${t.bucket}/${t.key} (versioned bucket: earlier versions are kept)`
          : `deleted s3://${t.bucket}/${t.key}`;
      return { outcome: 'done', reason, steps };
    });
  }
}

const BLOCK_ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } as const;

/** s3.block_public_access: the bucket's Block Public Access, all four settings on. */
export class S3BlockPublicAccessExecutor implements Executor<{ bucket: string }> {
  plan(t: { bucket: string }): string[] {
    return [`PutPublicAccessBlock s3://${t.bucket} (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)`];
  }

  run(t: { bucket: string }, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    const s3 = ctx.clients.s3();
    const steps: string[] = [];
    return guarded(steps, async () => {
      let current: Partial<Record<keyof typeof BLOCK_ALL, boolean>> = {};
      try {
        current = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: t.bucket }))).PublicAccessBlockConfiguration ?? {};
      } catch (err) {
        if (awsError(err).name !== 'NoSuchPublicAccessBlockConfiguration') throw err;
      }
      const off = (Object.keys(BLOCK_ALL) as Array<keyof typeof BLOCK_ALL>).filter((k) => current[k] !== true);
      if (off.length === 0) return { outcome: 'already_done', reason: `Block Public Access is already fully on for s3://${t.bucket}`, steps };
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: t.bucket, PublicAccessBlockConfiguration: BLOCK_ALL }));
      steps.push(`PutPublicAccessBlock s3://${t.bucket}`);
      return { outcome: 'done', reason: `turned on Block Public Access for s3://${t.bucket} (was off: ${off.join(', ')})`, steps };
    });
  }
}
