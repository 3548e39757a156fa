/**
 * Kubernetes manifests (one object, or a `List` / `<Kind>List` with `items`) -> one IacResource
 * per object: id `<kind>/<namespace>/<name>`, type `<apiVersion>/<kind>` (apps/v1/Deployment,
 * v1/Pod), configuration = the object without `status`, tags = metadata.labels, relationships =
 * metadata.ownerReferences. The values of a Secret's `data` and `stringData` are replaced by
 * "(redacted)". Pure.
 */
import type { ConfigRelationship } from '../../core/model/config-state.ts';
import { isObj, setOwn, typeName, type Obj } from '../aws_config/config-state.ts';
import type { NodePath, Positions } from './positions.ts';
import { iacTags, type IacItem } from './resource.ts';

export const REDACTED = '(redacted)';

/**
 * Kinds without a namespace. Their id has an empty namespace (`ClusterRole//admin`); a namespaced
 * object without metadata.namespace is in `default`, as kubectl applies it.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'PodSecurityPolicy', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService', 'CertificateSigningRequest',
  'FlowSchema', 'PriorityLevelConfiguration', 'ComponentStatus', 'SecurityContextConstraints',
]);

/** An object with string apiVersion and kind (and not a Kubernetes audit event). */
export function isKubernetesObject(doc: unknown): doc is Obj {
  return isObj(doc) && typeof doc.apiVersion === 'string' && typeof doc.kind === 'string' && !isAuditEvent(doc);
}

export function isAuditEvent(doc: Obj): boolean {
  return typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('audit.k8s.io/');
}

function isList(doc: Obj): boolean {
  return typeof doc.kind === 'string' && (doc.kind === 'List' || doc.kind.endsWith('List')) && Array.isArray(doc.items);
}

function redactSecret(obj: Obj): Obj {
  if (obj.kind !== 'Secret') return obj;
  const out: Obj = { ...obj };
  for (const key of ['data', 'stringData']) {
    const v = obj[key];
    if (!isObj(v)) continue;
    const red: Obj = {};
    for (const k of Object.keys(v)) setOwn(red, k, REDACTED);
    out[key] = red;
  }
  return out;
}

function readObject(obj: Obj, pos: Positions, path: NodePath, items: IacItem[], unmappedExtra: Obj): void {
  const line = pos.lineOf(path);
  const problem = (reason: string): void => {
    items.push({ kind: 'problem', problem: { reason, line, raw: obj } });
  };
  const kind = obj.kind as string;
  const apiVersion = obj.apiVersion as string;
  const metadata = obj.metadata;
  if (!isObj(metadata)) return problem(`${kind}: metadata must be a mapping, got ${typeName(metadata)}`);
  const name = metadata.name ?? metadata.generateName;
  if (typeof name !== 'string' || name === '') {
    return problem(`${kind}: metadata.name is missing${name === undefined ? '' : ` (got ${typeName(name)})`}`);
  }
  const ns = metadata.namespace;
  if (ns !== undefined && ns !== null && typeof ns !== 'string') return problem(`${kind}/${name}: metadata.namespace must be a string, got ${typeName(ns)}`);
  const namespace = typeof ns === 'string' && ns !== '' ? ns : CLUSTER_SCOPED_KINDS.has(kind) ? '' : 'default';

  const labels = metadata.labels;
  if (labels !== undefined && labels !== null && !isObj(labels)) return problem(`${kind}/${name}: metadata.labels must be a mapping, got ${typeName(labels)}`);
  const owners = metadata.ownerReferences;
  if (owners !== undefined && owners !== null && !Array.isArray(owners)) return problem(`${kind}/${name}: metadata.ownerReferences must be a list, got ${typeName(owners)}`);

  const redacted = redactSecret(obj);
  const { status, ...configuration } = redacted;
  const unmapped: Obj = { ...unmappedExtra };
  if (status !== undefined) unmapped.status = status;

  const relationships: ConfigRelationship[] = [];
  if (Array.isArray(owners)) {
    for (const o of owners) {
      if (!isObj(o)) continue;
      relationships.push({
        uid: typeof o.uid === 'string' ? o.uid : null,
        type: typeof o.apiVersion === 'string' && typeof o.kind === 'string' ? `${o.apiVersion}/${o.kind}` : typeof o.kind === 'string' ? o.kind : null,
        name: typeof o.name === 'string' ? o.name : null,
        relation: 'ownerReference',
      });
    }
  }

  items.push({
    kind: 'resource',
    resource: {
      id: `${kind}/${namespace}/${name}`,
      type: `${apiVersion}/${kind}`,
      name,
      configuration,
      tags: iacTags(labels),
      relationships,
      line,
      unmapped,
      raw: redacted,
    },
  });
}

/** One parsed document (an object or a list) -> its objects. */
export function readKubernetes(doc: Obj, pos: Positions, basePath: NodePath = []): IacItem[] {
  const items: IacItem[] = [];
  if (!isList(doc)) {
    readObject(doc, pos, basePath, items, {});
    return items;
  }
  const listKind = doc.kind as string;
  const itemKind = listKind === 'List' ? null : listKind.slice(0, -'List'.length);
  (doc.items as unknown[]).forEach((item: unknown, i: number) => {
    const path = [...basePath, 'items', i];
    if (!isObj(item)) {
      items.push({ kind: 'problem', problem: { reason: `${listKind}.items[${i}] must be a mapping, got ${typeName(item)}`, line: pos.lineOf(path), raw: item } });
      return;
    }
    // Typed lists from the API (PodList) leave apiVersion/kind off their items.
    const obj: Obj = { ...item };
    if (typeof obj.kind !== 'string' && itemKind !== null) obj.kind = itemKind;
    if (typeof obj.apiVersion !== 'string' && typeof doc.apiVersion === 'string') obj.apiVersion = doc.apiVersion;
    if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
      items.push({ kind: 'problem', problem: { reason: `${listKind}.items[${i}]: apiVersion and kind are required`, line: pos.lineOf(path), raw: item } });
      return;
    }
    if (isList(obj)) {
      items.push({ kind: 'problem', problem: { reason: `${listKind}.items[${i}]: a list inside a list`, line: pos.lineOf(path), raw: item } });
      return;
    }
    readObject(obj, pos, path, items, { list_kind: listKind });
  });
  return items;
}
