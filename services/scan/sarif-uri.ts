/**
 * Artifact URIs of the SARIF log (SARIF 2.1.0 §3.4 artifactLocation, §3.14.14
 * originalUriBaseIds). A scanned file under the source root is written as a URI relative to the
 * declared base `%SRCROOT%` (the base GitHub code scanning and other consumers resolve against the
 * repository checkout), also when it was named by an absolute path; a file outside the root keeps
 * an absolute `file:` URI, which a consumer can still open.
 */
import { isAbsolute as isPosixAbsolute, posix, win32 } from 'node:path';

/** The uriBaseId Sluice declares for the scanned source tree. */
export const SRCROOT = '%SRCROOT%';

/** An artifactLocation as Sluice writes it. */
export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: typeof SRCROOT;
}

/** Where `%SRCROOT%` points: an absolute `file:` URI ending in `/`, or only a description. */
export type SarifOriginalUriBase = { uri: string } | { description: { text: string } };

const DRIVE = /^[a-zA-Z]:[\\/]/;

/** Percent-encodes each segment of a /-separated path (so `:` in a first segment cannot read as a scheme). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function isAbsolutePath(p: string): boolean {
  return isPosixAbsolute(p) || DRIVE.test(p) || p.startsWith('\\\\');
}

/** An absolute path as a `file:` URI (POSIX `/a/b` -> `file:///a/b`, Windows `C:\a` -> `file:///C:/a`). */
export function fileUri(absolutePath: string, trailingSlash = false): string {
  let p = absolutePath.replace(/\\/g, '/');
  if (trailingSlash && !p.endsWith('/')) p += '/';
  if (p.startsWith('//')) return `file:${encodePath(p)}`; // UNC \\server\share
  return `file://${p.startsWith('/') ? '' : '/'}${encodePath(p).replace(/^([a-zA-Z])%3A\//, '$1:/')}`;
}

/**
 * The artifactLocation of `file` (a name as the scan read it: relative to `cwd`, or absolute).
 * With a source root, a file under it is relative to `%SRCROOT%`; a file outside it (or any
 * absolute name without a root) is an absolute `file:` URI. Without a root, a relative name is
 * taken as relative to `%SRCROOT%` (the HTTP API, whose names are labels from the repository).
 */
export function artifactLocation(file: string, srcRoot?: string, cwd?: string): SarifArtifactLocation {
  const windows = DRIVE.test(file) || (srcRoot !== undefined && DRIVE.test(srcRoot));
  const path = windows ? win32 : posix;
  if (srcRoot === undefined) {
    if (isAbsolutePath(file)) return { uri: fileUri(file) };
    const rel = path.normalize(file).replace(/\\/g, '/');
    if (rel === '..' || rel.startsWith('../')) return { uri: encodePath(rel) };
    return { uri: encodePath(rel.replace(/^\.\//, '')), uriBaseId: SRCROOT };
  }
  const absolute = path.resolve(cwd ?? srcRoot, file);
  const rel = path.relative(srcRoot, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { uri: fileUri(absolute) };
  return { uri: encodePath(rel.replace(/\\/g, '/')), uriBaseId: SRCROOT };
}

/** run.originalUriBaseIds: `%SRCROOT%` as the root's `file:` URI, or described when the root is not known. */
export function originalUriBaseIds(srcRoot?: string): Record<typeof SRCROOT, SarifOriginalUriBase> {
  if (srcRoot === undefined) return { [SRCROOT]: { description: { text: 'The root of the repository the scanned file names are relative to.' } } };
  return { [SRCROOT]: { uri: fileUri(srcRoot, true) } };
}
