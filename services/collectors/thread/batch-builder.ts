import type { RejectedRecord } from '../../core/components.ts';
import type { StreamName } from '../../core/streams.ts';
import type { EncodedOutput } from '../publisher.ts';
import type { OutputBatch } from './protocol.ts';

/** Gathers encoded outputs in order and packs them into one OutputBatch (values in one ArrayBuffer). */
export class BatchBuilder {
  private order: number[] = [];
  private streams: StreamName[] = [];
  private topics: string[] = [];
  private keys: string[] = [];
  private uids: string[] = [];
  private positions: string[] = [];
  private values: Buffer[] = [];
  private bytes = 0;
  private rejects: RejectedRecord[] = [];

  get size(): number {
    return this.order.length;
  }

  push(out: EncodedOutput): void {
    if (out.kind === 'dead_letter') {
      this.order.push(1);
      this.rejects.push(out);
      return;
    }
    this.order.push(0);
    this.streams.push(out.stream);
    this.topics.push(out.topic);
    this.keys.push(out.key);
    this.uids.push(out.uid);
    this.positions.push(out.position);
    this.values.push(out.value);
    this.bytes += out.value.length;
  }

  /** The batch so far (emptying the builder); its `values` buffer is meant to be transferred. */
  take(fileDone?: number): OutputBatch {
    const values = new ArrayBuffer(this.bytes);
    const view = new Uint8Array(values);
    const ends = new Uint32Array(this.values.length);
    let at = 0;
    this.values.forEach((v, i) => {
      view.set(v, at);
      at += v.length;
      ends[i] = at;
    });
    const batch: OutputBatch = {
      kind: 'batch',
      order: Uint8Array.from(this.order),
      streams: this.streams,
      topics: this.topics,
      keys: this.keys,
      uids: this.uids,
      positions: this.positions,
      ends,
      values,
      rejects: this.rejects,
      ...(fileDone === undefined ? {} : { fileDone }),
    };
    this.order = [];
    this.streams = [];
    this.topics = [];
    this.keys = [];
    this.uids = [];
    this.positions = [];
    this.values = [];
    this.bytes = 0;
    this.rejects = [];
    return batch;
  }
}

/** The outputs of a batch, in order, as the publisher takes them (Buffers over the transferred memory). */
export function* unpackBatch(batch: OutputBatch): Generator<EncodedOutput, void, undefined> {
  let e = 0;
  let r = 0;
  let start = 0;
  for (const kind of batch.order) {
    if (kind === 1) {
      const reject = batch.rejects[r++]!;
      // Structured cloning turns a Buffer into a Uint8Array.
      yield { ...reject, raw: Buffer.from(reject.raw.buffer, reject.raw.byteOffset, reject.raw.byteLength) };
      continue;
    }
    const end = batch.ends[e]!;
    yield {
      kind: 'event',
      stream: batch.streams[e]!,
      topic: batch.topics[e]!,
      key: batch.keys[e]!,
      uid: batch.uids[e]!,
      position: batch.positions[e]!,
      value: Buffer.from(batch.values, start, end - start),
    };
    start = end;
    e++;
  }
}
