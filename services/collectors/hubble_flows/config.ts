import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { parseCollectorConfig } from './fields.ts';

/** Configuration of the hubble_flows collector. Unknown keys are rejected. */
export const HubbleFlowsConfigSchema = z.strictObject({
  cluster: z
    .string()
    .min(1)
    .max(253)
    .nullable()
    .default(null)
    .describe(
      'Cluster name for workload identities when the flow does not name one (endpoint cluster_name). ' +
        'When null the cluster is derived from the node name (GKE, kind, k3d, minikube naming), then from ' +
        "Cilium's io.cilium.k8s.policy.cluster label, else `unknown`. Set it for EKS/AKS, whose node names carry no cluster.",
    )
    .meta({ examples: ['prod-eu-1', null] }),
  imageLabels: z
    .array(z.string().min(1))
    .max(32)
    .default(['image', 'app.kubernetes.io/image'])
    .describe(
      'Pod label keys (without the k8s: prefix) whose value is an image reference (repo[:tag][@sha256:…]), tried in order, ' +
        'to fill workload.image_repository/image_version. Hubble flows carry no image; without such a label both are null.',
    )
    .meta({ examples: [['image', 'app.kubernetes.io/image']] }),
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe('Largest raw flow (UTF-8 JSON bytes) kept in raw_data; larger flows get raw_data null. At most 64 KiB; 0 never keeps raw_data.')
    .meta({ examples: [65536, 4096] }),
  unmappedCapBytes: z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe('Largest `unmapped` JSON (HTTP headers, ethernet, Cilium identities, ...) in bytes; when over, unmapped becomes {"_truncated":true}.')
    .meta({ examples: [65536, 8192] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
});

export type HubbleFlowsConfig = Readonly<z.output<typeof HubbleFlowsConfigSchema>>;
export type HubbleFlowsConfigInput = z.input<typeof HubbleFlowsConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseHubbleFlowsConfig(input: unknown = {}): HubbleFlowsConfig {
  return parseCollectorConfig('hubble_flows', HubbleFlowsConfigSchema, input);
}
