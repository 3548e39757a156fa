import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';
import { clusterSetting, HubbleFlowsConfigSchema } from '../hubble_flows/config.ts';

/** Configuration of the tetragon collector. Unknown keys are rejected. */
export const TetragonConfigSchema = z.strictObject({
  cluster: clusterSetting(
    'Cluster name of the workload identities. When null it is derived from the event\'s node_name (GKE, kind, k3d, minikube naming), else `unknown`; ' +
      'set it so the identities match the ones hubble_flows gives for the same cluster.',
  ),
  identity: HubbleFlowsConfigSchema.shape.identity,
  rawCapBytes: rawCapBytes(
    'Largest raw event (UTF-8 JSON bytes) kept in raw_data; larger events get raw_data null. At most 64 KiB; 0 never keeps raw_data (raw events hold the process arguments).',
    [65536, 4096],
  ),
  unmappedCapBytes: unmappedCapBytes('exec ids, cwd, uid, container id, image id, socket statistics, ...', { survivesInRaw: false }),
  processEvents: z
    .boolean()
    .default(true)
    .describe('Emit process_exec and process_exit as OCSF Process Activity (1007) events on the `process` stream (read by process_baseline); false drops them as before.'),
  maxAncestors: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(8)
    .describe('Ancestors beyond the parent whose binaries a process event keeps (Tetragon sends `ancestors` with --enable-ancestors); the rest are counted in unmapped.'),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type TetragonConfig = Readonly<z.output<typeof TetragonConfigSchema>>;
export type TetragonConfigInput = z.input<typeof TetragonConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseTetragonConfig(input: unknown = {}): TetragonConfig {
  return parseCollectorConfig(TetragonConfigSchema, input, 'tetragon');
}
