import type { AdvisoryAffected } from '../../core/model/advisory.ts';
import { baseEcosystem, ORDERINGS, orderingFor, type VersionOrdering } from './versions/ordering.ts';

/** Why a range (or a whole entry) could not be evaluated; counted by the callers. */
export type RangeSkip = 'git_range' | 'unknown_range_type' | 'unordered_ecosystem' | 'invalid_installed_version' | 'invalid_event_version';

/** What the matching needs of one `affected[]` entry. */
export type AffectedEntry = Pick<AdvisoryAffected, 'ranges' | 'versions'>;

export interface AffectsResult {
  affected: boolean;
  /** Ranges skipped while deciding, with the reason (a GIT range, an unreadable version...). */
  skips: RangeSkip[];
}

type RangeEvent = AdvisoryAffected['ranges'][number]['events'][number];

/** The ordering of a range: SEMVER ranges use SemVer (Go's own form for Go), ECOSYSTEM ranges the ecosystem's. */
export function rangeOrdering(type: string, ecosystem: string): VersionOrdering | RangeSkip {
  if (type === 'GIT') return 'git_range';
  if (type === 'SEMVER') return baseEcosystem(ecosystem) === 'Go' ? ORDERINGS.go : ORDERINGS.semver;
  if (type === 'ECOSYSTEM') return orderingFor(ecosystem) ?? 'unordered_ecosystem';
  return 'unknown_range_type';
}

function eventVersion(e: RangeEvent): string | null {
  return e.introduced ?? e.fixed ?? e.last_affected ?? e.limit;
}

/**
 * OSV's evaluation of one range's events (the schema's "Evaluation" section): events sorted by
 * version, `introduced: "0"` first; a version is affected once an `introduced` at or below it is
 * passed, and unaffected again after a `fixed` at or below it or a `last_affected` below it.
 * `limit` events bound the range: a version at or above every limit is not affected.
 */
export function eventsInclude(version: string, events: readonly RangeEvent[], order: VersionOrdering): boolean | RangeSkip {
  const usable: Array<{ e: RangeEvent; v: string }> = [];
  for (const e of events) {
    const v = eventVersion(e);
    if (v === null) continue;
    if (!(e.introduced === '0') && !order.valid(v)) return 'invalid_event_version';
    usable.push({ e, v });
  }
  const sorted = usable
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => {
      const az = a.e.introduced === '0';
      const bz = b.e.introduced === '0';
      if (az || bz) return az && bz ? a.i - b.i : az ? -1 : 1;
      return order.compare(a.v, b.v) || a.i - b.i;
    });
  const limits = sorted.filter((x) => x.e.limit !== null);
  if (limits.length > 0 && !limits.some((x) => order.compare(version, x.v) < 0)) return false;
  let affected = false;
  for (const { e, v } of sorted) {
    if (e.introduced !== null) {
      if (e.introduced === '0' || order.compare(version, v) >= 0) affected = true;
    } else if (e.fixed !== null) {
      if (order.compare(version, v) >= 0) affected = false;
    } else if (e.last_affected !== null) {
      if (order.compare(version, v) > 0) affected = false;
    }
  }
  return affected;
}

/**
 * Whether an installed version of a package is affected by one `affected[]` entry: listed in
 * `versions` (also when equal under the ecosystem's ordering, e.g. PyPI `1.0` = `1.0.0`), or
 * inside one of its SEMVER/ECOSYSTEM ranges. GIT ranges are skipped (they name commits, not
 * versions) and so are ranges whose versions cannot be ordered; each skip is reported.
 */
export function affectsVersion(entry: AffectedEntry, version: string, ecosystem: string): AffectsResult {
  const skips: RangeSkip[] = [];
  const eco = orderingFor(ecosystem);
  if (entry.versions.includes(version)) return { affected: true, skips };
  for (const range of entry.ranges) {
    const order = rangeOrdering(range.type, ecosystem);
    if (typeof order === 'string') {
      skips.push(order);
      continue;
    }
    if (!order.valid(version)) {
      skips.push('invalid_installed_version');
      continue;
    }
    const inside = eventsInclude(version, range.events, order);
    if (typeof inside === 'string') skips.push(inside);
    else if (inside) return { affected: true, skips };
  }
  // Last (it costs a comparison per listed version): a listed version equal under the ordering.
  if (eco && eco.valid(version)) {
    for (const listed of entry.versions) {
      if (eco.valid(listed) && eco.compare(listed, version) === 0) return { affected: true, skips };
    }
  }
  return { affected: false, skips };
}

/** The `fixed` versions of an entry's SEMVER/ECOSYSTEM ranges, in order of appearance, without duplicates. */
export function fixedVersions(entries: readonly AffectedEntry[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    for (const r of entry.ranges) {
      if (r.type === 'GIT') continue;
      for (const e of r.events) if (e.fixed !== null && !out.includes(e.fixed)) out.push(e.fixed);
    }
  }
  return out;
}
