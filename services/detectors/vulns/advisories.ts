import type { Advisory } from '../../core/model/advisory.ts';
import type { SeverityName } from '../../core/events.ts';
import { fixedVersions, type AffectedEntry } from './ranges.ts';
import { rateAdvisory, type AdvisorySeverityRating } from './severity.ts';

/**
 * What Sluice keeps of one OSV advisory for one package: enough to match versions and to write
 * the finding, without details or raw JSON (it lives in state, once per package it affects).
 */
export interface HeldAdvisory {
  id: string;
  /** The package's ecosystem as the advisory writes it, with its release (`Debian:12`). */
  ecosystem: string;
  modified: string;
  published: string | null;
  withdrawn: string | null;
  aliases: string[];
  summary: string | null;
  rating: AdvisorySeverityRating;
  /** The affected[] entries of this package (and entries naming no package). */
  entries: AffectedEntry[];
  fixed: string[];
  references: string[];
  /** metadata.uid of the advisory event. */
  uid: string;
}

/** Reduces an advisory event to what matching and findings need. */
export function holdAdvisory(a: Advisory, fallback: SeverityName, maxReferences: number): HeldAdvisory {
  const mine = a.affected.filter((e) => e.package === null || (e.package.ecosystem === a.package.ecosystem && e.package.name === a.package.name));
  const severities = [...mine.flatMap((e) => e.severity), ...a.severity];
  const rating = rateAdvisory(severities, [...mine.map((e) => e.database_specific), ...mine.map((e) => e.ecosystem_specific), a.database_specific], fallback);
  const entries = mine.map((e) => ({ ranges: e.ranges, versions: e.versions }));
  return {
    id: a.id,
    ecosystem: a.package.ecosystem,
    modified: a.modified,
    published: a.published,
    withdrawn: a.withdrawn,
    aliases: [...new Set(a.aliases)].filter((x) => x !== a.id).sort(),
    summary: a.summary ?? firstSentence(a.details),
    rating,
    entries: a.withdrawn ? [] : entries,
    fixed: fixedVersions(entries),
    references: a.references.slice(0, maxReferences).map((r) => r.url),
    uid: a.metadata.uid,
  };
}

/** The first sentence of OSV `details` (at most 200 characters), for records without a summary (PYSEC). */
export function firstSentence(details: string | null): string | null {
  if (details === null) return null;
  const text = details.replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  const end = /^(.{20,}?[.!?])(?:\s|$)/.exec(text);
  const s = end ? end[1]! : text;
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** True when `next` is a newer version of the advisory than `held` (by `modified`, then withdrawal). */
export function isNewer(next: Pick<HeldAdvisory, 'modified' | 'withdrawn'>, held: Pick<HeldAdvisory, 'modified' | 'withdrawn'> | undefined): boolean {
  if (!held) return true;
  const a = Date.parse(next.modified);
  const b = Date.parse(held.modified);
  if (Number.isFinite(a) && Number.isFinite(b) && a !== b) return a > b;
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    if (next.modified !== held.modified) return next.modified > held.modified;
  }
  return (next.withdrawn !== null) !== (held.withdrawn !== null) && next.withdrawn !== null;
}

/**
 * Groups advisories that name each other (by id or alias, transitively) so that one vulnerability
 * reported by several databases (GO-…, GHSA-…, PYSEC-…, CVE-…) gives one finding. The group's
 * id is its CVE when it has one (the smallest, if several), else the smallest of its ids and
 * aliases: stable for the same set, and the same whichever record arrived first.
 */
export function groupByAlias<T extends Pick<HeldAdvisory, 'id' | 'aliases'>>(advisories: readonly T[]): Map<string, T[]> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  for (const a of advisories) {
    add(a.id);
    for (const alias of a.aliases) {
      add(alias);
      const ra = find(a.id);
      const rb = find(alias);
      if (ra !== rb) parent.set(ra, rb);
    }
  }
  const names = new Map<string, string[]>();
  for (const x of parent.keys()) {
    const r = find(x);
    const list = names.get(r);
    if (list) list.push(x);
    else names.set(r, [x]);
  }
  const canonical = new Map<string, string>();
  for (const [root, ids] of names) {
    const cves = ids.filter((i) => /^CVE-\d{4}-\d+$/.test(i)).sort();
    canonical.set(root, cves[0] ?? [...ids].sort()[0]!);
  }
  const out = new Map<string, T[]>();
  for (const a of advisories) {
    const c = canonical.get(find(a.id))!;
    const list = out.get(c);
    if (list) list.push(a);
    else out.set(c, [a]);
  }
  return out;
}

/** Every id and alias of a group but its canonical id, sorted. */
export function relatedIds(canonical: string, members: ReadonlyArray<Pick<HeldAdvisory, 'id' | 'aliases'>>): string[] {
  const all = new Set<string>();
  for (const m of members) {
    all.add(m.id);
    for (const a of m.aliases) all.add(a);
  }
  all.delete(canonical);
  return [...all].sort();
}
