import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes, missingTime } from '../config-common.ts';
import { DEFAULT_OBJECT_CAP_BYTES } from './normalize.ts';
import { pubSubSection } from './pubsub-config.ts';

/** Configuration of the gcp_audit collector. Unknown keys are rejected. */
export const GcpAuditConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(),
  unmappedCapBytes: unmappedCapBytes('the LogEntry fields and protoPayload: authenticationInfo, authorizationInfo, request, response, metadata, ...'),
  objectCapBytes: z
    .number()
    .int()
    .min(2)
    .default(DEFAULT_OBJECT_CAP_BYTES)
    .describe(
      'protoPayload request / response / metadata / serviceData / resourceOriginalState larger than this many JSON bytes are replaced in unmapped by ' +
        '{"_truncated":true,"bytes":N}, so one big value (a list response, a large IAM policy) does not push the rest of unmapped out.',
    )
    .meta({ examples: [16384, 65536] }),
  maxDecompressedBytes: maxDecompressedBytes(),
  missingTime: missingTime('neither timestamp nor receiveTimestamp, as in cut-down exports'),
  kubernetes: z
    .enum(['normalize', 'reject'])
    .default('normalize')
    .describe(
      'GKE Kubernetes audit entries (serviceName k8s.io, io.k8s.* methods) met in the same export (one sink often routes all audit logs): ' +
        'normalize maps them with the k8s_audit normalizer (provider GKE, metadata.source k8s_audit); reject dead-letters them so a separate k8s_audit collector owns them.',
    )
    .meta({ examples: ['normalize', 'reject'] }),
  pubsub: pubSubSection(),
});

export type GcpAuditConfig = Readonly<z.output<typeof GcpAuditConfigSchema>>;
export type GcpAuditConfigInput = z.input<typeof GcpAuditConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseGcpAuditConfig(input: unknown = {}): GcpAuditConfig {
  return parseCollectorConfig(GcpAuditConfigSchema, input, 'gcp_audit');
}
