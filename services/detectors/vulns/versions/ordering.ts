import { compareApk, parseApk } from './apk.ts';
import { compareDpkg, parseDpkg } from './dpkg.ts';
import { compareGem, parseGem } from './rubygems.ts';
import { compareGo, goToSemver } from './go.ts';
import { compareMaven } from './maven.ts';
import { compareNuget, parseNuget } from './nuget.ts';
import { comparePackagist } from './packagist.ts';
import { comparePep440, isPep440 } from './pep440.ts';
import { compareRpm, parseRpm } from './rpm.ts';
import { compareSemver, parseSemver } from './semver.ts';

/** A total order on one ecosystem's versions. compare() throws a RangeError for an invalid version. */
export interface VersionOrdering {
  readonly name: string;
  valid(version: string): boolean;
  compare(a: string, b: string): number;
}

/** Entries kept by each memo before it is cleared (a bounded cache: the same versions recur across images). */
const MEMO_LIMIT = 200_000;

/**
 * An ordering with memoized valid() and compare(): parsing dominates matching (PEP 440 and SemVer
 * parse with large regular expressions), and the same installed and range versions recur.
 */
function ordering(name: string, valid: (v: string) => boolean, compare: (a: string, b: string) => number): VersionOrdering {
  const validMemo = new Map<string, boolean>();
  const compareMemo = new Map<string, number>();
  return {
    name,
    valid(v) {
      let r = validMemo.get(v);
      if (r === undefined) {
        if (validMemo.size >= MEMO_LIMIT) validMemo.clear();
        validMemo.set(v, (r = valid(v)));
      }
      return r;
    },
    compare(a, b) {
      const key = `${a}\u0000${b}`;
      let r = compareMemo.get(key);
      if (r === undefined) {
        if (compareMemo.size >= MEMO_LIMIT) compareMemo.clear();
        compareMemo.set(key, (r = compare(a, b)));
      }
      return r;
    },
  };
}

export const ORDERINGS = {
  semver: ordering('semver', (v) => parseSemver(v) !== null, compareSemver),
  go: ordering('go', (v) => goToSemver(v) !== null, compareGo),
  pep440: ordering('pep440', isPep440, comparePep440),
  maven: ordering('maven', (v) => v.trim() !== '', compareMaven),
  rubygems: ordering('rubygems', (v) => parseGem(v) !== null, compareGem),
  nuget: ordering('nuget', (v) => parseNuget(v) !== null, compareNuget),
  packagist: ordering('packagist', (v) => v.trim() !== '', comparePackagist),
  dpkg: ordering('dpkg', (v) => parseDpkg(v) !== null, compareDpkg),
  apk: ordering('apk', (v) => parseApk(v) !== null, compareApk),
  rpm: ordering('rpm', (v) => parseRpm(v) !== null, compareRpm),
} as const;

/** OSV ecosystem (without `:release` suffix) -> its ordering. */
const BY_ECOSYSTEM: Readonly<Record<string, VersionOrdering>> = {
  Go: ORDERINGS.go,
  npm: ORDERINGS.semver,
  'crates.io': ORDERINGS.semver,
  Hex: ORDERINGS.semver,
  Pub: ORDERINGS.semver,
  SwiftURL: ORDERINGS.semver,
  PyPI: ORDERINGS.pep440,
  Maven: ORDERINGS.maven,
  RubyGems: ORDERINGS.rubygems,
  NuGet: ORDERINGS.nuget,
  Packagist: ORDERINGS.packagist,
  Debian: ORDERINGS.dpkg,
  Ubuntu: ORDERINGS.dpkg,
  Alpine: ORDERINGS.apk,
  Wolfi: ORDERINGS.apk,
  Chainguard: ORDERINGS.apk,
  'Red Hat': ORDERINGS.rpm,
  'Rocky Linux': ORDERINGS.rpm,
  AlmaLinux: ORDERINGS.rpm,
  openSUSE: ORDERINGS.rpm,
  SUSE: ORDERINGS.rpm,
  Mariner: ORDERINGS.rpm,
  'Azure Linux': ORDERINGS.rpm,
};

/** `Debian:12` -> `Debian`; `Ubuntu:22.04:LTS` -> `Ubuntu`. */
export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/** The ordering of an OSV ecosystem, or null when Sluice has none (then only explicit `versions` match). */
export function orderingFor(ecosystem: string): VersionOrdering | null {
  return BY_ECOSYSTEM[baseEcosystem(ecosystem)] ?? null;
}

/** Ecosystems with an ordering, for docs and tests. */
export const ORDERED_ECOSYSTEMS: readonly string[] = Object.keys(BY_ECOSYSTEM);
