import { imagePackageKey, imagePackageName } from '../../collectors/sbom/index.ts';
import type { SeverityName } from '../../core/events.ts';
import { holdAdvisory, matchPackage, type SkipCounts, type VulnMatch } from '../../detectors/vulns/index.ts';
import type { OsvDb } from './db.ts';
import type { ScannedPackage } from './inputs.ts';

/** One (package, advisory) match: a line of `--format json`. */
export interface ScanMatch {
  purl: string | null;
  /** The OSV record id. */
  id: string;
  /** The vulnerability it belongs to: the CVE, else the smallest id of its alias group (the finding's rule in the pipeline). */
  vulnerability: string;
  aliases: string[];
  package: string;
  ecosystem: string;
  version: string;
  fixed_in: string | null;
  severity: SeverityName;
  severity_source: 'cvss' | 'database' | 'none';
  cvss_score: number | null;
  summary: string | null;
  file: string;
  line: number | null;
}

export interface VulnScanResult {
  matches: ScanMatch[];
  /** Vulnerabilities (alias groups) per package, for SARIF and the text output. */
  groups: Array<{ input: ScannedPackage; match: VulnMatch }>;
  packages: number;
  /** Packages with no OSV ecosystem or no version: not checkable. */
  unchecked: number;
  skips: SkipCounts;
}

/** The same matching as the vulns detector (matchPackage), run over every package read. */
export function scanPackages(packages: readonly ScannedPackage[], db: OsvDb, defaultSeverity: SeverityName): VulnScanResult {
  const result: VulnScanResult = { matches: [], groups: [], packages: packages.length, unchecked: 0, skips: {} };
  const held = new Map<string, ReturnType<typeof holdAdvisory>[]>();
  for (const input of packages) {
    const p = input.package;
    const key = imagePackageKey(p);
    if (key === null || p.version === null) {
      result.unchecked++;
      continue;
    }
    let advisories = held.get(key);
    if (!advisories) {
      advisories = (db.byPackage.get(key) ?? []).map((a) => holdAdvisory(a, defaultSeverity, 5));
      held.set(key, advisories);
    }
    if (advisories.length === 0) continue;
    const installed = [{ name: p.name, version: p.version, purl: p.purl }];
    for (const match of matchPackage(installed, advisories, input.osVersion, result.skips)) {
      result.groups.push({ input, match });
      for (const a of match.advisories) {
        result.matches.push({
          purl: p.purl,
          id: a.id,
          vulnerability: match.id,
          aliases: a.aliases,
          package: imagePackageName(p),
          ecosystem: a.ecosystem,
          version: p.version,
          fixed_in: match.affected[0]?.fixedIn ?? null,
          severity: a.rating.severity,
          severity_source: a.rating.source,
          cvss_score: a.rating.cvss?.score ?? null,
          summary: a.summary,
          file: input.file,
          line: input.line,
        });
      }
    }
  }
  return result;
}
