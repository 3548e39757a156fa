/**
 * The `[epoch:]version[-release]` frame that Debian and RPM versions share: an optional all-digit
 * epoch before the first `:`, and a release (Debian: revision) after the last `-`.
 */

export interface EpochSplit {
  epoch: number;
  /** The version between the epoch and the last `-` (all of it when there is no `-`). */
  version: string;
  /** What follows the last `-`, or null when there is none. */
  release: string | null;
}

/** Splits `[epoch:]version[-release]`; null when the text before the first `:` is not all digits. */
export function splitEpoch(text: string): EpochSplit | null {
  let epoch = 0;
  let rest = text;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    if (!/^\d+$/.test(text.slice(0, colon))) return null;
    epoch = Number(text.slice(0, colon));
    rest = text.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: null };
}
