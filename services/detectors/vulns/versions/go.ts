import { lazyRequire } from '../../../core/lazy-require.ts';

/** Required on first use: a detector thread that orders no versions does not load it (start-up). */
const semver = lazyRequire<typeof import('semver')>(import.meta.url, 'semver');

/**
 * Go versions: module versions are SemVer with a `v` prefix (`v1.2.3`, pseudo-versions
 * `v0.0.0-20210101000000-abcdef123456`, `+incompatible`); the `stdlib` and `toolchain` packages
 * also come as `go1.21.0`, `1.21.0`, `go1.21` (= 1.21.0 before Go 1.21) or `go1.21rc2`. OSV
 * ranges write them without prefix. All become SemVer here.
 */
export function goToSemver(text: string): string | null {
  let v = text.trim();
  if (v.startsWith('go')) v = v.slice(2);
  else if (v.startsWith('v')) v = v.slice(1);
  // Go toolchain pre-releases: 1.21rc2, 1.21beta1 -> 1.21.0-rc.2.
  const pre = /^(\d+)\.(\d+)(?:\.(\d+))?(rc|beta|alpha)(\d+)$/.exec(v);
  if (pre) return `${pre[1]}.${pre[2]}.${pre[3] ?? '0'}-${pre[4]}.${pre[5]}`;
  const short = /^(\d+)(?:\.(\d+))?$/.exec(v);
  if (short) v = `${short[1]}.${short[2] ?? '0'}.0`;
  return semver().valid(v) ? v : null;
}

export function compareGo(a: string, b: string): number {
  const x = goToSemver(a);
  const y = goToSemver(b);
  if (x === null || y === null) throw new RangeError(`not a Go version: ${x === null ? a : b}`);
  return semver().compare(x, y);
}
