/**
 * From split records to collector outputs, the one way every collector does it: a split error is a
 * reject, a record is normalized into events, and a normalizer that throws rejects the record
 * (see rejectionOf) instead of stopping the feed.
 */
import type { CollectorOutput } from '../core/components.ts';
import { rejected, rejectionOf } from './fields.ts';
import type { InputItem, InputRecord } from './input.ts';

/** Where a record sits in its input: the position its events and reject carry, its bytes, its 1-based line if any. */
export interface RecordPlace {
  position: string;
  raw: Buffer;
  line?: number | undefined;
}

/**
 * The outputs of one record: what `normalize` returns, or, when it throws, one reject of `source`
 * whose reason starts with `line N: ` when the record has a line. `normalize` runs to the end
 * before anything is yielded, so a record gives all its events or one reject, never part of both.
 */
export function* recordOutputs(source: string, place: RecordPlace, normalize: () => readonly CollectorOutput[]): Generator<CollectorOutput, void, undefined> {
  let outputs: readonly CollectorOutput[];
  try {
    outputs = normalize();
  } catch (err) {
    const { code, reason } = rejectionOf(err);
    yield rejected(source, place.position, code, `${place.line === undefined ? '' : `line ${place.line}: `}${reason}`, place.raw);
    return;
  }
  yield* outputs;
}

/** The outputs of split items: an error item is a reject of `source`, a record goes through recordOutputs. */
export function* collectItems(
  source: string,
  items: Iterable<InputItem>,
  normalize: (record: InputRecord) => readonly CollectorOutput[],
): Generator<CollectorOutput, void, undefined> {
  for (const item of items) {
    if (item.kind === 'error') yield rejected(source, item.position, item.error.code, item.error.reason, item.raw);
    else yield* recordOutputs(source, item, () => normalize(item));
  }
}
