/**
 * Strict validation of networking.k8s.io/v1 NetworkPolicy against the official Kubernetes OpenAPI
 * v3 document of the group (test/fixtures/schemas/kubernetes, from k8s.io/kubernetes
 * api/openapi-spec/v3; see the README there): unknown fields are rejected at every level, as the
 * API server's strict field validation does (kubernetes-ajv.ts).
 */
import { readFileSync } from 'node:fs';
import { ajvMessages } from './messages.ts';
import { closeStructural, kubernetesAjv, mapRefs, type SchemaNode } from './kubernetes-ajv.ts';

interface OpenApiDocument {
  components: { schemas: Record<string, SchemaNode> };
}

/** The `$id` under which the group's component schemas are registered (as `$defs`). */
const NETWORKING_ID = 'https://sluice.invalid/schemas/kubernetes/networking.k8s.io/v1';

const doc = JSON.parse(readFileSync(new URL('../../fixtures/schemas/kubernetes/apis__networking.k8s.io__v1_openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;

/** A `$ref` to a component of the networking.k8s.io/v1 document, e.g. `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`. */
export function componentRef(name: string): string {
  if (!(name in doc.components.schemas)) throw new Error(`no component ${name} in the Kubernetes OpenAPI document`);
  return `${NETWORKING_ID}#/$defs/${name}`;
}

/** The ajv holding the group's closed component schemas; the Cilium validator adds its CRD here. */
export const k8sAjv = kubernetesAjv();
k8sAjv.addSchema({
  $id: NETWORKING_ID,
  $defs: Object.fromEntries(
    Object.entries(doc.components.schemas).map(([name, s]) => [name, closeStructural(mapRefs(s, (ref) => ref.replace('#/components/schemas/', '#/$defs/')) as SchemaNode)]),
  ),
});

/** A validator of one kind of the document: the component, plus apiVersion and kind from its x-kubernetes-group-version-kind. */
function kindValidator(component: string): (obj: unknown) => string[] {
  const gvk = (doc.components.schemas[component]!['x-kubernetes-group-version-kind'] as Array<{ group: string; version: string; kind: string }>)[0]!;
  const validate = k8sAjv.compile({
    allOf: [{ $ref: componentRef(component) }],
    properties: { apiVersion: { const: `${gvk.group}/${gvk.version}` }, kind: { const: gvk.kind } },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  });
  return (obj) => (validate(obj) ? [] : ajvMessages(validate.errors));
}

/** The violations of a networking.k8s.io/v1 NetworkPolicy (empty when it validates). */
export const networkPolicyErrors = kindValidator('io.k8s.api.networking.v1.NetworkPolicy');
