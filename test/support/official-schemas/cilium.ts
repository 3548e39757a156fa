/**
 * Validation of cilium.io/v2 CiliumNetworkPolicy against the `openAPIV3Schema` of the served v2
 * version of Cilium's own CRD (test/fixtures/schemas/cilium/ciliumnetworkpolicies.yaml; see the
 * README there), closed and checked as the API server does (kubernetes-ajv.ts). `metadata`, which
 * a CRD leaves to the API server (`type: object`), is checked against ObjectMeta from the
 * Kubernetes OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ajvMessages } from './messages.ts';
import { closeStructural, type SchemaNode } from './kubernetes-ajv.ts';
import { componentRef, k8sAjv } from './kubernetes.ts';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: SchemaNode & { properties: Record<string, SchemaNode> } };
}
interface Crd {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

/** The CRD as shipped by Cilium. */
export const CILIUM_CNP_CRD = parse(readFileSync(new URL('../../fixtures/schemas/cilium/ciliumnetworkpolicies.yaml', import.meta.url), 'utf8')) as Crd;

const v2 = CILIUM_CNP_CRD.spec.versions.find((v) => v.name === 'v2' && v.served);
if (!v2) throw new Error('the CiliumNetworkPolicy CRD serves no v2 version');
const official = v2.schema.openAPIV3Schema;

const schema = closeStructural({
  ...official,
  properties: { ...official.properties, metadata: { $ref: componentRef('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') } },
});
const validate = k8sAjv.compile({
  allOf: [schema],
  properties: { apiVersion: { const: `${CILIUM_CNP_CRD.spec.group}/v2` }, kind: { const: CILIUM_CNP_CRD.spec.names.kind } },
  required: ['apiVersion', 'kind'],
});

/** The violations of a CiliumNetworkPolicy (empty when it validates). */
export function ciliumNetworkPolicyErrors(policy: unknown): string[] {
  return validate(policy) ? [] : ajvMessages(validate.errors);
}
