/**
 * The per-object state of the dlp detector, kept in ctx.state under the object's key: plain JSON,
 * bounded (carry, buffered chunks, gap list and counters are capped), deleted with the verdict.
 * Raw bytes (the carry across chunk borders and out-of-order chunks) are base64, optionally
 * AES-256-GCM encrypted (stateEncryptionKey).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { TextEncoding } from './content.ts';

/** A chunk that arrived before an earlier one, waiting. */
export interface PendingChunk {
  index: number;
  offset: number;
  size: number;
  last: boolean;
  uid: string;
  time: number;
  /** Sealed content. */
  data: string;
}

/** Counted outcomes of ordering and content handling. */
export interface ScanCounters {
  /** Chunks buffered because an earlier one was missing. */
  buffered: number;
  /** Chunks given up on: the buffer bound was reached before they came. */
  skippedChunks: number;
  /** Skipped chunks that came later and were scanned alone (their border matches may be missed). */
  lateChunks: number;
  /** Chunks seen twice (redelivery), ignored. */
  duplicateChunks: number;
  /** In-order chunks whose offset did not continue the previous one. */
  discontinuities: number;
  /** Times a chunk of another object version restarted the scan. */
  versionResets: number;
  /** Times the carry could not be opened (e.g. the state key changed) and was dropped. */
  carryLost: number;
}

export interface DlpObjectState {
  v: 1;
  /** version_id ?? etag ?? 'unversioned' of the object being scanned. */
  version: string;
  /** Next chunk index expected in order. */
  next: number;
  /** Offset the next in-order chunk should start at. */
  nextOffset: number;
  encoding: TextEncoding | null;
  /** Why the content is not scanned (binary...), or null. */
  skip: string | null;
  /** Object offset up to which matches have been decided. */
  committed: number;
  /** Object offset of the first carried byte. */
  carryStart: number;
  /** Sealed bytes [carryStart, nextOffset). */
  carry: string;
  firstUid: string | null;
  prevUid: string | null;
  firstTime: number | null;
  pending: PendingChunk[];
  pendingBytes: number;
  /** Chunk index ranges [from, to) skipped (capped at MAX_GAPS ranges). */
  gaps: Array<[number, number]>;
  /** Reported matches per data type (emitted or not). */
  counts: Record<string, number>;
  /** Highest severity id per data type. */
  severity: Record<string, number>;
  /** Per-match findings emitted, and matches over maxFindingsPerObject. */
  emitted: number;
  unemitted: number;
  bytesScanned: number;
  bytesSkipped: number;
  chunks: number;
  counters: ScanCounters;
}

export const MAX_GAPS = 32;

/** A fresh state for an object version. */
export function newObjectState(version: string): DlpObjectState {
  return {
    v: 1,
    version,
    next: 0,
    nextOffset: 0,
    encoding: null,
    skip: null,
    committed: 0,
    carryStart: 0,
    carry: '',
    firstUid: null,
    prevUid: null,
    firstTime: null,
    pending: [],
    pendingBytes: 0,
    gaps: [],
    counts: {},
    severity: {},
    emitted: 0,
    unemitted: 0,
    bytesScanned: 0,
    bytesSkipped: 0,
    chunks: 0,
    counters: { buffered: 0, skippedChunks: 0, lateChunks: 0, duplicateChunks: 0, discontinuities: 0, versionResets: 0, carryLost: 0 },
  };
}

/** Thrown by StateSealer.open when sealed bytes cannot be opened; carries no content. */
export class SealError extends Error {}

/** Turns raw bytes into a JSON-safe string and back: base64, or AES-256-GCM when a key is configured. */
export class StateSealer {
  private readonly key: Buffer | null;

  constructor(secret: string | undefined) {
    this.key = secret === undefined ? null : createHash('sha256').update('sluice-dlp-state\0').update(secret, 'utf8').digest();
  }

  get encrypted(): boolean {
    return this.key !== null;
  }

  seal(bytes: Buffer): string {
    if (bytes.length === 0) return '';
    if (this.key === null) return bytes.toString('base64');
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(bytes), c.final()]);
    return `gcm:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): Buffer {
    if (sealed === '') return Buffer.alloc(0);
    const enc = sealed.startsWith('gcm:');
    if (enc !== (this.key !== null)) throw new SealError(enc ? 'state is encrypted but no stateEncryptionKey is set' : 'state is not encrypted');
    if (!enc) return Buffer.from(sealed, 'base64');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    try {
      const d = createDecipheriv('aes-256-gcm', this.key!, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
    } catch {
      throw new SealError('state could not be decrypted (was stateEncryptionKey changed?)');
    }
  }
}

/** Adds [from, to) to the gap list, merging neighbours; beyond MAX_GAPS the two closest ranges are merged. */
export function addGap(gaps: Array<[number, number]>, from: number, to: number): void {
  if (to <= from) return;
  gaps.push([from, to]);
  gaps.sort((a, b) => a[0] - b[0]);
  for (let i = gaps.length - 1; i > 0; i--) {
    if (gaps[i - 1]![1] >= gaps[i]![0]) {
      gaps[i - 1]![1] = Math.max(gaps[i - 1]![1], gaps[i]![1]);
      gaps.splice(i, 1);
    }
  }
  while (gaps.length > MAX_GAPS) {
    let best = 1;
    for (let i = 2; i < gaps.length; i++) if (gaps[i]![0] - gaps[i - 1]![1] < gaps[best]![0] - gaps[best - 1]![1]) best = i;
    gaps[best - 1]![1] = gaps[best]![1];
    gaps.splice(best, 1);
  }
}

/** Removes one chunk index from the gap list; true when it was in a gap. */
export function takeFromGap(gaps: Array<[number, number]>, index: number): boolean {
  const i = gaps.findIndex(([a, b]) => index >= a && index < b);
  if (i < 0) return false;
  const [a, b] = gaps[i]!;
  const parts: Array<[number, number]> = [];
  if (a < index) parts.push([a, index]);
  if (index + 1 < b) parts.push([index + 1, b]);
  gaps.splice(i, 1, ...parts);
  return true;
}

/** Chunks still missing in the gap list. */
export function gapChunks(gaps: ReadonlyArray<[number, number]>): number {
  return gaps.reduce((n, [a, b]) => n + (b - a), 0);
}
