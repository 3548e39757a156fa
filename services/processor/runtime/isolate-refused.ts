import { SluiceError } from '../../core/errors.ts';

/** An item a writer refused for good, with the refusal it got when written alone. */
export interface Refused<T> {
  item: T;
  error: SluiceError;
}

/**
 * Writes `items`, and when the writer refuses them for good (`isRefusal`: e.g. a record larger than
 * the broker's max.message.bytes, which also fails every other record of its produce request),
 * finds which ones it refuses by bisection: each half is written again, down to single items.
 * Returns the items refused alone, with their error; everything else is written (some possibly
 * twice, as a redelivery would: sinks are keyed by id). Any other error is thrown as it is, so that
 * the caller retries or fails the batch.
 */
export async function writeIsolatingRefused<T>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<void>,
  isRefusal: (err: unknown) => err is SluiceError,
): Promise<Refused<T>[]> {
  if (items.length === 0) return [];
  try {
    await write(items);
    return [];
  } catch (err) {
    if (!isRefusal(err)) throw err;
    return isolateRefused(items, err, write, isRefusal);
  }
}

/** The same, for items whose write as a whole was just refused with `error`: starts with the halves. */
export async function isolateRefused<T>(
  items: readonly T[],
  error: SluiceError,
  write: (items: readonly T[]) => Promise<void>,
  isRefusal: (err: unknown) => err is SluiceError,
): Promise<Refused<T>[]> {
  if (items.length === 1) return [{ item: items[0]!, error }];
  const half = Math.ceil(items.length / 2);
  const first = await writeIsolatingRefused(items.slice(0, half), write, isRefusal);
  const second = await writeIsolatingRefused(items.slice(half), write, isRefusal);
  return [...first, ...second];
}

/** The broker refuses the record for its size (SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE): never retried. */
export function isRecordTooLarge(err: unknown): err is SluiceError {
  return err instanceof SluiceError && err.code === 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE';
}

/** Any refusal the writer calls final (a non-retriable SluiceError). */
export function isFinalRefusal(err: unknown): err is SluiceError {
  return err instanceof SluiceError && !err.retriable;
}
