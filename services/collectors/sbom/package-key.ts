import type { ImagePackage } from '../../core/model/image-inventory.ts';
import { parsePurl, type Purl } from './purl.ts';

/**
 * The package identity both the image side and the advisory side are keyed by, so that one
 * processor thread owns a package with its advisories and the images holding it:
 * `<OSV ecosystem without :release>/<name as the ecosystem compares it>`.
 * - names are case-folded where the ecosystem's registry is case-insensitive (PyPI, NuGet,
 *   Packagist, npm, Hex, Pub) and PyPI names are PEP 503 normalized (`Jinja2`, `jinja_2` -> `jinja2`, `jinja-2`);
 * - Go, Maven, crates.io, RubyGems and the distributions keep the name as written;
 * - the release of a distribution (`Debian:12`, `Alpine:v3.18`) is not part of the key: it is
 *   compared when matching, so an image whose release is unknown still meets its package's advisories.
 */
export function packageKey(ecosystem: string, name: string): string {
  const colon = ecosystem.indexOf(':');
  const base = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  return `${base}/${canonicalPackageName(base, name)}`;
}

const CASE_INSENSITIVE = new Set(['NuGet', 'Packagist', 'npm', 'Hex', 'Pub']);

export function canonicalPackageName(baseEcosystem: string, name: string): string {
  if (baseEcosystem === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-');
  if (CASE_INSENSITIVE.has(baseEcosystem)) return name.toLowerCase();
  return name;
}

/** purl types whose OSV advisories name the source package (Debian, Ubuntu and Alpine trackers). */
const SOURCE_NAMED = new Set(['deb', 'apk']);

/**
 * The package name as OSV writes it, from a purl: Go module paths and Packagist and npm scoped
 * names join namespace and name with `/` (`github.com/foo/bar`, `@types/node`), Maven with `:`
 * (`org.apache.logging.log4j:log4j-core`); other types use the name alone.
 */
export function osvPackageName(p: Purl): string {
  if (p.namespace === null) return p.name;
  if (p.type === 'maven') return `${p.namespace}:${p.name}`;
  if (p.type === 'golang' || p.type === 'npm' || p.type === 'composer') return `${p.namespace}/${p.name}`;
  return p.name;
}

/**
 * The key of an image package, or null when it has no OSV ecosystem. The name comes from the
 * purl when there is one (else the package name); OS packages of Debian, Ubuntu and Alpine are
 * keyed by their source package, which is what their advisories name.
 */
export function imagePackageKey(p: Pick<ImagePackage, 'ecosystem' | 'name' | 'type' | 'source_package' | 'purl'>): string | null {
  if (p.ecosystem === null) return null;
  return packageKey(p.ecosystem, imagePackageName(p));
}

/** The OSV name of an image package (see imagePackageKey). */
export function imagePackageName(p: Pick<ImagePackage, 'name' | 'type' | 'source_package' | 'purl'>): string {
  if (p.type !== null && SOURCE_NAMED.has(p.type) && p.source_package) return p.source_package;
  const purl = p.purl === null ? null : parsePurl(p.purl);
  return purl ? osvPackageName(purl) : p.name;
}
