/**
 * Distribution advisories are per release (`Debian:12`, `Alpine:v3.18`, `Ubuntu:22.04:LTS`,
 * `AlmaLinux:8`); an image's packages are of one release (image.os from the purls' `distro`).
 */

const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};

/**
 * True when an advisory for `ecosystem` applies to an image of release `osVersion`. An ecosystem
 * without a release, an image whose release is unknown, or a release Sluice cannot read
 * (`Red Hat:enterprise_linux:9::appstream`) all match: over-reporting beats missing.
 */
export function releaseMatches(ecosystem: string, osVersion: string | null): boolean {
  const colon = ecosystem.indexOf(':');
  if (colon < 0 || osVersion === null) return true;
  const base = ecosystem.slice(0, colon);
  const release = ecosystem.slice(colon + 1);
  let image = osVersion.trim().toLowerCase();
  if (base === 'Debian') image = DEBIAN_CODENAMES[image] ?? image;
  const want = /^v?(\d+)(?:\.(\d+))?/.exec(release);
  const have = /^v?(\d+)(?:\.(\d+))?/.exec(image);
  if (!want || !have) return true;
  // Alpine and Ubuntu releases are major.minor; the others name the major release only.
  if (base === 'Alpine' || base === 'Ubuntu') return want[1] === have[1] && (want[2] ?? '0') === (have[2] ?? '0');
  return want[1] === have[1];
}
