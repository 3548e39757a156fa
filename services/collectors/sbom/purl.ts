/**
 * Package URLs (https://github.com/package-url/purl-spec): parsing, and what Sluice reads from one:
 * the OSV ecosystem, the source package, the distribution.
 */

export interface Purl {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  qualifiers: Record<string, string>;
  subpath: string | null;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Parses `pkg:type/namespace/name@version?qualifiers#subpath` (percent-decoding each part), or
 * returns null when the text is not a purl.
 */
export function parsePurl(text: string): Purl | null {
  if (!text.startsWith('pkg:') || text.length > 4096) return null;
  let rest = text.slice(4).replace(/^\/+/, '');
  let subpath: string | null = null;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = decode(rest.slice(hash + 1)) || null;
    rest = rest.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const kv of rest.slice(q + 1).split('&')) {
      const eq = kv.indexOf('=');
      if (eq > 0) qualifiers[kv.slice(0, eq).toLowerCase()] = decode(kv.slice(eq + 1));
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const type = rest.slice(0, slash).toLowerCase();
  if (!/^[a-z][a-z0-9.+-]*$/.test(type)) return null;
  rest = rest.slice(slash + 1);
  let version: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    version = decode(rest.slice(at + 1)) || null;
    rest = rest.slice(0, at);
  }
  const parts = rest.replace(/\/+$/, '').split('/').map(decode);
  const name = parts.pop();
  if (!name) return null;
  return { type, namespace: parts.length > 0 ? parts.join('/') : null, name, version, qualifiers, subpath };
}

/** purl type -> OSV ecosystem, for language ecosystems. */
const LANGUAGE_ECOSYSTEMS: Readonly<Record<string, string>> = Object.freeze({
  pypi: 'PyPI', golang: 'Go', npm: 'npm', maven: 'Maven', cargo: 'crates.io', gem: 'RubyGems', nuget: 'NuGet',
  composer: 'Packagist', hex: 'Hex', pub: 'Pub', hackage: 'Hackage', cran: 'CRAN', swift: 'SwiftURL',
  conan: 'ConanCenter', bitnami: 'Bitnami',
});

/** purl type and namespace -> OSV ecosystem, for OS packages. */
const OS_ECOSYSTEMS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  apk: { alpine: 'Alpine', wolfi: 'Wolfi', chainguard: 'Chainguard' },
  deb: { debian: 'Debian', ubuntu: 'Ubuntu' },
  rpm: {
    redhat: 'Red Hat', rhel: 'Red Hat', rocky: 'Rocky Linux', 'rocky-linux': 'Rocky Linux', almalinux: 'AlmaLinux',
    opensuse: 'openSUSE', suse: 'SUSE', sles: 'SUSE', mariner: 'Mariner', azurelinux: 'Azure Linux',
  },
});

/** The OSV ecosystem of a purl (without release suffix), or null when OSV has none for it. */
export function osvEcosystem(p: Purl): string | null {
  const os = OS_ECOSYSTEMS[p.type];
  if (os) return p.namespace === null ? null : (os[p.namespace.toLowerCase()] ?? null);
  return LANGUAGE_ECOSYSTEMS[p.type] ?? null;
}

/** True for OS package purls (apk, deb, rpm), which carry the distribution. */
export function isOsPackage(p: Purl): boolean {
  return Object.hasOwn(OS_ECOSYSTEMS, p.type);
}

/**
 * The source package a binary package was built from: the `source` (deb), `upstream` (syft: apk,
 * deb `name@version`, rpm `name-version-release.src.rpm`) or `origin` (apk) qualifier, version removed.
 */
export function sourcePackage(p: Purl): string | null {
  const raw = p.qualifiers.source ?? p.qualifiers.upstream ?? p.qualifiers.origin;
  if (!raw) return null;
  let s = raw.trim();
  const srpm = /^(.+)-[^-]+-[^-]+\.src\.rpm$/.exec(s);
  if (srpm) s = srpm[1]!;
  s = s.split('@')[0]!.split(' (')[0]!.trim();
  return s === '' ? null : s;
}

/**
 * The distribution an OS package purl names: family = the purl namespace (alpine, debian,
 * ubuntu, …), version = the `distro` qualifier without a leading `<family>-` (`alpine-3.17.2` ->
 * 3.17.2, `debian-9` -> 9, `focal` -> focal). Null for other purls.
 */
export function purlDistro(p: Purl): { family: string; version: string | null } | null {
  if (!isOsPackage(p) || p.namespace === null) return null;
  const family = p.namespace.toLowerCase();
  const distro = p.qualifiers.distro;
  let version: string | null = null;
  if (distro) version = distro.toLowerCase().startsWith(`${family}-`) ? distro.slice(family.length + 1) : distro;
  return { family, version: version || null };
}
