import { SEVERITY, type SeverityName } from '../../core/events.ts';
import { groupByAlias, relatedIds, type HeldAdvisory } from './advisories.ts';
import { affectsVersion, type RangeSkip } from './ranges.ts';
import { releaseMatches } from './release.ts';
import { orderingFor } from './versions/ordering.ts';

/** One installed copy of a package (an image can hold several versions of one package). */
export interface InstalledPackage {
  name: string;
  version: string;
  purl: string | null;
}

/** One vulnerability (an alias group) affecting some installed versions of one package. */
export interface VulnMatch {
  /** The group id: the CVE, else the smallest id/alias (see groupByAlias). */
  id: string;
  /** The group's advisories that affect an installed version, by id. */
  advisories: HeldAdvisory[];
  related: string[];
  /** Installed versions affected, with the first fixed version above each (null: no fix known). */
  affected: Array<{ pkg: InstalledPackage; fixedIn: string | null }>;
  severity: SeverityName;
  /** The advisory whose rating gave `severity`. */
  rated: HeldAdvisory;
}

export type SkipCounts = Partial<Record<RangeSkip, number>>;

/** The lowest fixed version above `version` (by the ecosystem's ordering), else the first fixed version. */
export function fixedAbove(fixed: readonly string[], version: string, ecosystem: string): string | null {
  const order = orderingFor(ecosystem);
  if (order && order.valid(version)) {
    const above = fixed.filter((f) => order.valid(f) && order.compare(f, version) > 0).sort((a, b) => order.compare(a, b));
    if (above.length > 0) return above[0]!;
  }
  return fixed[0] ?? null;
}

/**
 * Matches the installed versions of one package against the advisories held for it. Withdrawn
 * advisories and those of another distribution release (`osVersion`) are left out; advisories
 * naming each other are one result. `only`, when given, restricts the result to those group ids
 * (the groups an arriving advisory touches). Range skips are added to `skips`.
 */
export function matchPackage(
  installed: readonly InstalledPackage[],
  advisories: readonly HeldAdvisory[],
  osVersion: string | null,
  skips: SkipCounts,
  only?: ReadonlySet<string>,
): VulnMatch[] {
  const live = advisories.filter((a) => a.withdrawn === null);
  const out: VulnMatch[] = [];
  for (const [id, members] of groupByAlias(live)) {
    if (only && !only.has(id)) continue;
    const hits = new Map<string, HeldAdvisory[]>();
    for (const m of members) {
      if (!releaseMatches(m.ecosystem, osVersion)) continue;
      for (const pkg of installed) {
        const verdict = m.entries.some((entry) => {
          const r = affectsVersion(entry, pkg.version, m.ecosystem);
          for (const s of r.skips) skips[s] = (skips[s] ?? 0) + 1;
          return r.affected;
        });
        if (!verdict) continue;
        const list = hits.get(pkg.version);
        if (list) list.push(m);
        else hits.set(pkg.version, [m]);
      }
    }
    if (hits.size === 0) continue;
    const affecting = [...new Set([...hits.values()].flat())].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rated = affecting.reduce((best, a) => (SEVERITY[a.rating.severity] > SEVERITY[best.rating.severity] || (a.rating.source === 'cvss' && best.rating.source !== 'cvss' && a.rating.severity === best.rating.severity) ? a : best));
    const fixed = [...new Set(affecting.flatMap((a) => a.fixed))];
    const affected = installed
      .filter((p) => hits.has(p.version))
      .map((pkg) => ({ pkg, fixedIn: fixedAbove(fixed, pkg.version, affecting[0]!.ecosystem) }));
    out.push({ id, advisories: affecting, related: relatedIds(id, members), affected, severity: rated.rating.severity, rated });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A stable text of what a match says, to tell a changed finding from a repeated one. */
export function matchSignature(m: VulnMatch): string {
  return [m.severity, ...m.advisories.map((a) => `${a.id}@${a.modified}`), ...m.affected.map((x) => `${x.pkg.version}>${x.fixedIn ?? ''}`)].join('|');
}
