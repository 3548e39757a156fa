/**
 * RPM version ordering (rpm `rpmvercmp`, `rpmVersionCompare`): `[epoch:]version[-release]`.
 * Each of version and release is split into alphanumeric segments (separators ignored); digit
 * segments compare numerically and beat letter segments; `~` sorts before everything (also the
 * end), `^` after the end but before any further segment.
 */
import { splitEpoch, type EpochSplit } from './epoch.ts';

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const sep = (s: string, k: number) => k < s.length && !/[A-Za-z0-9~^]/.test(s[k]!);
  for (;;) {
    while (sep(a, i)) i++;
    while (sep(b, j)) j++;
    // Tilde: sorts before everything, the end included.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // Caret: sorts after the end, before anything else.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /[0-9]/.test(a[i]!);
    const re = numeric ? /[0-9]/ : /[A-Za-z]/;
    let ei = i;
    let ej = j;
    while (ei < a.length && re.test(a[ei]!)) ei++;
    while (ej < b.length && re.test(b[ej]!)) ej++;
    const sa = a.slice(i, ei);
    const sb = b.slice(j, ej);
    // Segments of different kinds: numeric is newer.
    if (sb === '') return numeric ? 1 : -1;
    if (numeric) {
      const na = sa.replace(/^0+/, '');
      const nb = sb.replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
    } else if (sa !== sb) {
      return sa < sb ? -1 : 1;
    }
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export type RpmVersion = EpochSplit;

export function parseRpm(text: string): RpmVersion | null {
  const v = text.trim();
  return v === '' ? null : splitEpoch(v);
}

/** Epoch, then version, then release (a missing release compares equal, as rpm does for a bare version). */
export function compareRpm(a: string, b: string): number {
  const x = parseRpm(a);
  const y = parseRpm(b);
  if (!x || !y) throw new RangeError(`not an RPM version: ${!x ? a : b}`);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || x.release === null || y.release === null) return v;
  return rpmvercmp(x.release, y.release);
}
