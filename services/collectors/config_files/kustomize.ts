/**
 * kustomize: a `kustomization.yaml` (kind Kustomization or Component, or a file of that name with
 * neither) is a build file, not a resource. `kustomizationReferences` lists the local files and
 * folders it names (resources, bases, components, crds) so that `sluice scan` reads each once;
 * remote bases (URLs, git references) are listed apart, they are not fetched. Pure.
 */
import { parse } from 'yaml';
import { isObj } from '../aws_config/config-state.ts';

export const KUSTOMIZATION_FILE_NAMES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** True for a file named kustomization.yaml / .yml / Kustomization (any folder). */
export function isKustomizationFileName(name: string): boolean {
  const base = name.slice(name.replace(/\\/g, '/').lastIndexOf('/') + 1);
  return KUSTOMIZATION_FILE_NAMES.includes(base);
}

/** A kustomize object: kind Kustomization or Component of kustomize.config.k8s.io. */
export function isKustomization(doc: unknown): boolean {
  return isObj(doc) && (doc.kind === 'Kustomization' || doc.kind === 'Component') && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('kustomize.config.k8s.io/');
}

export interface KustomizationRefs {
  /** Local paths as written (relative to the kustomization's folder): files or folders. */
  local: string[];
  /** Remote bases (URLs, `github.com/...`, `git::`): not read. */
  remote: string[];
}

/** Fields that name whole resources or other kustomizations (patches are partial objects: not followed). */
const LIST_FIELDS = ['resources', 'bases', 'components', 'crds'];

/** The paths a kustomization names. Invalid YAML gives no references (the file's own parse reports it). */
export function kustomizationReferences(text: string): KustomizationRefs {
  const out: KustomizationRefs = { local: [], remote: [] };
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch {
    return out;
  }
  if (!isObj(doc)) return out;
  const add = (p: unknown): void => {
    if (typeof p !== 'string' || p.trim() === '' || p.includes('\n')) return;
    const v = p.trim();
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || v.startsWith('git::') || v.startsWith('git@') || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(v) || v.includes('?ref=')) out.remote.push(v);
    else out.local.push(v);
  };
  for (const f of LIST_FIELDS) if (Array.isArray(doc[f])) for (const p of doc[f]) add(p);
  return out;
}
