import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';

/** `cluster`: the cluster name of workload identities (a DNS name, at most 253 characters), or null to derive it; shared with tetragon. */
export function clusterSetting(description: string) {
  return z.string().min(1).max(253).nullable().default(null).describe(description).meta({ examples: ['prod-eu-1', null] });
}

/** Configuration of the hubble_flows collector. Unknown keys are rejected. */
export const HubbleFlowsConfigSchema = z.strictObject({
  cluster: clusterSetting(
    'Cluster name for workload identities when the flow does not name one (endpoint cluster_name). ' +
      'When null the cluster is derived from the node name (GKE, kind, k3d, minikube naming), then from ' +
      "Cilium's io.cilium.k8s.policy.cluster label, else `unknown`. Set it for EKS/AKS, whose node names carry no cluster.",
  ),
  imageLabels: z
    .array(z.string().min(1))
    .max(32)
    .default(['image', 'app.kubernetes.io/image'])
    .describe(
      'Pod label keys (without the k8s: prefix) whose value is an image reference (repo[:tag][@sha256:…]), tried in order, ' +
        'to fill workload.image_repository/image_version. Hubble flows carry no image; without such a label both are null.',
    )
    .meta({ examples: [['image', 'app.kubernetes.io/image']] }),
  identity: z
    .strictObject({
      key: z
        .enum(['application', 'workload'])
        .default('application')
        .describe(
          'Identity of a workload end (and the flow key): `application` (`<cluster>/<namespace>/app/<app>`: Deployments that differ only by version, ' +
            'such as reviews-v1 and reviews-v2 sharing `app: reviews`, are one application) or `workload` (`<cluster>/<namespace>/<kind>/<name>`, ' +
            'the controller: the key before application identity, for state kept from older releases).',
        ),
      applicationLabels: z
        .array(z.string().min(1).max(317))
        .max(8)
        .default(['app.kubernetes.io/name', 'app'])
        .describe('Pod labels naming the application, tried in order; without one, the controller name without a version suffix (`reviews-v2` -> `reviews`).'),
      instanceLabel: z
        .string()
        .min(1)
        .max(317)
        .nullable()
        .default('app.kubernetes.io/instance')
        .describe('Pod label scoping the application (`<app>@<instance>` when it differs from the application: two releases of one chart stay apart); null: none.'),
      versionLabels: z
        .array(z.string().min(1).max(317))
        .max(8)
        .default(['app.kubernetes.io/version', 'version'])
        .describe('Pod labels naming the version, tried in order; else the image tag or digest (see imageLabels), else the controller name\'s version suffix.'),
    })
    .prefault({})
    .describe('How a workload end is identified: by application and version (never by IP or pod).'),
  rawCapBytes: rawCapBytes(
    'Largest raw flow (UTF-8 JSON bytes) kept in raw_data; larger flows get raw_data null. At most 64 KiB; 0 never keeps raw_data.',
    [65536, 4096],
  ),
  unmappedCapBytes: unmappedCapBytes('HTTP headers, ethernet, Cilium identities, ...', { survivesInRaw: false }),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type HubbleFlowsConfig = Readonly<z.output<typeof HubbleFlowsConfigSchema>>;
export type HubbleFlowsConfigInput = z.input<typeof HubbleFlowsConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseHubbleFlowsConfig(input: unknown = {}): HubbleFlowsConfig {
  return parseCollectorConfig(HubbleFlowsConfigSchema, input, 'hubble_flows');
}
