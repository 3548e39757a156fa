/**
 * Scans one object's chunks as one stream: in chunk order, with a bounded carry across borders so
 * a match split over two chunks is found exactly once at its object-absolute offset, buffering
 * out-of-order chunks within bounds and skipping (counted) beyond them.
 *
 * Window rule: each scan reads the carry (object bytes from carryStart) plus the new chunk, and
 * keeps the matches starting in [committed, D), D = end - holdback (end on the last chunk). The
 * carry keeps leftContext units before D. With the engine's bounds (leftContext = maxLength + reach,
 * holdback = 2 maxLength + reach) every match is decided with all the text it depends on.
 */
import { decodeWindow, sniffContent, unitBytes } from './content.ts';
import type { ScanEngine } from './scanner.ts';
import { addGap, newObjectState, SealError, takeFromGap, type DlpObjectState, type StateSealer } from './state.ts';
import type { ScanMatch } from './types.ts';

/** What the scanner needs of an ObjectChunk. */
export interface ChunkInput {
  index: number;
  offset: number;
  size: number;
  isLast: boolean;
  uid: string;
  time: number;
  content: Buffer;
  /** The object's sniffed content type (object.content_type). */
  contentType: string;
}

/** A match placed in the object: offset and length in bytes of the decoded content. */
export interface ObjectMatch extends ScanMatch {
  offset: number;
  length: number;
  /** Chunk that completed the match (the one being processed). */
  chunkIndex: number;
  /** uids of the chunk(s) the match came from. */
  related: string[];
  time: number;
}

export interface ObjectScanLimits {
  maxPendingChunks: number;
  maxPendingBytes: number;
}

export interface PushResult {
  state: DlpObjectState;
  matches: ObjectMatch[];
  /** The last chunk has been processed: the caller emits the verdict and deletes the state. */
  done: boolean;
}

const EMPTY = Buffer.alloc(0);

interface Step {
  st: DlpObjectState;
  out: ObjectMatch[];
  done: boolean;
}

/** The ordering, carry and windowing of one object's chunks. Pure over the state it is given (it mutates and returns it). */
export class ObjectScanner {
  constructor(
    private readonly engine: ScanEngine,
    private readonly sealer: StateSealer,
    private readonly limits: ObjectScanLimits,
  ) {}

  /** Bytes the carry may reach for an encoding of `unit` bytes per character. */
  carryBound(unit: 1 | 2): number {
    return (this.engine.leftContext + this.engine.holdback) * unit + 1;
  }

  push(state: DlpObjectState | undefined, version: string, chunk: ChunkInput): PushResult {
    let st = state;
    if (st !== undefined && st.version !== version) {
      const resets = st.counters.versionResets + 1;
      st = newObjectState(version);
      st.counters.versionResets = resets;
    }
    st ??= newObjectState(version);
    this.pendingType = chunk.contentType;
    const step: Step = { st, out: [], done: false };

    if (chunk.index < st.next) {
      if (takeFromGap(st.gaps, chunk.index)) {
        st.counters.lateChunks++;
        this.scanAlone(step, chunk);
      } else st.counters.duplicateChunks++;
      return { state: st, matches: step.out, done: false };
    }
    if (chunk.index > st.next) {
      if (st.pending.some((p) => p.index === chunk.index)) {
        st.counters.duplicateChunks++;
        return { state: st, matches: step.out, done: false };
      }
      while (!step.done && chunk.index > st.next && !this.fits(st, chunk)) {
        const first = st.pending.reduce<typeof st.pending[number] | null>((a, p) => (a === null || p.index < a.index ? p : a), null);
        if (first === null || first.index > chunk.index) this.skipTo(step, chunk.index, chunk.offset);
        else {
          this.skipTo(step, first.index, first.offset);
          this.drain(step);
        }
      }
      if (step.done) {
        st.counters.duplicateChunks++;
        return { state: st, matches: step.out, done: true };
      }
      if (chunk.index > st.next) {
        st.pending.push({
          index: chunk.index,
          offset: chunk.offset,
          size: chunk.size,
          last: chunk.isLast,
          uid: chunk.uid,
          time: chunk.time,
          data: this.sealer.seal(chunk.content),
        });
        st.pendingBytes += chunk.size;
        st.counters.buffered++;
        return { state: st, matches: step.out, done: false };
      }
    }
    this.inOrder(step, chunk);
    this.drain(step);
    return { state: st, matches: step.out, done: step.done };
  }

  private fits(st: DlpObjectState, chunk: ChunkInput): boolean {
    return st.pending.length < this.limits.maxPendingChunks && st.pendingBytes + chunk.size <= this.limits.maxPendingBytes;
  }

  /** Processes buffered chunks that are now next in order. */
  private drain(step: Step): void {
    const st = step.st;
    for (;;) {
      if (step.done) {
        // Anything still buffered after the last chunk is inconsistent input: drop it, counted.
        st.counters.duplicateChunks += st.pending.length;
        st.pending = [];
        st.pendingBytes = 0;
        return;
      }
      const i = st.pending.findIndex((p) => p.index === st.next);
      if (i < 0) return;
      const p = st.pending.splice(i, 1)[0]!;
      st.pendingBytes -= p.size;
      const content = this.openSealed(st, p.data);
      if (content === null) {
        this.skipTo(step, p.index + 1, p.offset + p.size);
        continue;
      }
      this.inOrder(step, { index: p.index, offset: p.offset, size: p.size, isLast: p.last, uid: p.uid, time: p.time, content, contentType: this.pendingType });
    }
  }

  /** Content type of the object being pushed (every chunk of an object carries it), for its buffered chunks. */
  private pendingType = 'application/octet-stream';

  /** Gives up on chunks [next, index): finishes the current window, records the gap, restarts at `offset`. */
  private skipTo(step: Step, index: number, offset: number): void {
    const st = step.st;
    this.flush(step);
    addGap(st.gaps, st.next, index);
    st.counters.skippedChunks += index - st.next;
    st.next = index;
    st.nextOffset = offset;
    st.carry = '';
    st.carryStart = offset;
    st.committed = offset;
  }

  /** Decides the held-back tail of the current window (as if the object ended there). */
  private flush(step: Step): void {
    const st = step.st;
    if (st.carry === '' || st.skip !== null || st.encoding === null) return;
    this.scanWindow(step, EMPTY, st.nextOffset, true, { uid: st.prevUid ?? '', index: st.next - 1, offset: st.nextOffset, time: st.firstTime ?? 0 });
  }

  private inOrder(step: Step, chunk: ChunkInput): void {
    const st = step.st;
    if (chunk.offset !== st.nextOffset) {
      this.flush(step);
      st.counters.discontinuities++;
      st.carry = '';
      st.carryStart = chunk.offset;
      st.committed = chunk.offset;
    }
    if (st.encoding === null && st.skip === null) {
      const kind = sniffContent(chunk.content, chunk.contentType);
      if (kind.kind === 'skip') st.skip = kind.reason;
      else st.encoding = kind.encoding;
    }
    if (st.skip !== null) st.bytesSkipped += chunk.size;
    else this.scanWindow(step, chunk.content, chunk.offset + chunk.size, chunk.isLast, chunk);
    st.firstUid ??= chunk.uid;
    st.firstTime ??= chunk.time;
    st.prevUid = chunk.uid;
    st.next = chunk.index + 1;
    st.nextOffset = chunk.offset + chunk.size;
    st.chunks++;
    if (chunk.isLast) step.done = true;
  }

  /** Sealed state bytes opened, or null (counted in carryLost) when they cannot be opened (SealError). */
  private openSealed(st: DlpObjectState, sealed: string): Buffer | null {
    try {
      return this.sealer.open(sealed);
    } catch (err) {
      if (!(err instanceof SealError)) throw err;
      st.counters.carryLost++;
      return null;
    }
  }

  /** Scans carry + `fresh` (ending at object offset `end`); keeps the matches starting in [committed, D). */
  private scanWindow(step: Step, fresh: Buffer, end: number, final: boolean, chunk: { uid: string; index: number; offset: number; time: number }): void {
    const st = step.st;
    const enc = st.encoding!;
    const unit = unitBytes(enc);
    let carry = this.openSealed(st, st.carry);
    if (carry === null) {
      carry = EMPTY;
      st.carryStart = end - fresh.length;
      st.committed = Math.max(st.committed, st.carryStart);
    }
    const start = st.carryStart;
    const bytes = carry.length === 0 ? fresh : fresh.length === 0 ? carry : Buffer.concat([carry, fresh]);
    const usableEnd = start + (unit === 2 ? bytes.length & ~1 : bytes.length);
    let d = final ? usableEnd : Math.max(st.committed, usableEnd - this.engine.holdback * unit);
    if (unit === 2) d = start + ((d - start) & ~1);
    if (d > st.committed) {
      const text = decodeWindow(bytes.subarray(0, usableEnd - start), enc);
      const from = (st.committed - start) / unit;
      const to = (d - start) / unit;
      for (const m of this.engine.scan(text, from, to)) {
        const offset = start + m.start * unit;
        const related = offset < chunk.offset && st.prevUid !== null && st.prevUid !== chunk.uid ? [st.prevUid, chunk.uid] : [chunk.uid];
        step.out.push({ ...m, offset, length: (m.end - m.start) * unit, chunkIndex: chunk.index, related: related.filter(Boolean), time: chunk.time });
      }
      st.bytesScanned += d - st.committed;
      st.committed = d;
    }
    if (final) {
      st.carry = '';
      st.carryStart = end;
      return;
    }
    let keepFrom = Math.max(start, st.committed - this.engine.leftContext * unit);
    if (unit === 2) keepFrom = start + ((keepFrom - start) & ~1);
    st.carry = this.sealer.seal(bytes.subarray(keepFrom - start));
    st.carryStart = keepFrom;
  }

  /** A late chunk (its gap was given up on): scanned on its own, without the neighbours' borders. */
  private scanAlone(step: Step, chunk: ChunkInput): void {
    const st = step.st;
    if (st.skip !== null || st.encoding === null) {
      st.bytesSkipped += chunk.size;
      return;
    }
    const unit = unitBytes(st.encoding);
    const skipFirst = unit === 2 && chunk.offset % 2 === 1 ? 1 : 0;
    const text = decodeWindow(chunk.content.subarray(skipFirst), st.encoding);
    for (const m of this.engine.scan(text)) {
      const offset = chunk.offset + skipFirst + m.start * unit;
      step.out.push({ ...m, offset, length: (m.end - m.start) * unit, chunkIndex: chunk.index, related: [chunk.uid], time: chunk.time });
    }
    st.bytesScanned += chunk.size;
  }
}
