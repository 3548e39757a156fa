import { lazyRequire } from '../../../core/lazy-require.ts';

/** Required on first use: a detector thread that orders no versions does not load it (start-up). */
const semver = lazyRequire<typeof import('semver')>(import.meta.url, 'semver');

/**
 * SemVer 2.0 ordering through the `semver` package (npm's own): npm, crates.io, Hex, Pub, and OSV
 * ranges of type SEMVER. A leading `v` or `=` is accepted (loose parsing); build metadata is ignored.
 */
export function parseSemver(text: string): string | null {
  const v = semver().valid(text.trim(), { loose: true });
  return v;
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (x === null || y === null) throw new RangeError(`not a SemVer version: ${x === null ? a : b}`);
  return semver().compare(x, y);
}
