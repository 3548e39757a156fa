import { z } from 'zod';
import { invalidConfigError } from '../../core/config.ts';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes, missingTime } from '../config-common.ts';
import { K8sAuditWebhookConfigSchema, type K8sAuditWebhookConfig } from './webhook-config.ts';
import { AUDIT_STAGES, DEFAULT_OBJECT_CAP_BYTES, DEFAULT_STAGES, K8S_PROVIDERS } from './normalize.ts';

/** Configuration of the k8s_audit collector (files, messages and the webhook). Unknown keys are rejected. */
export const K8sAuditConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(),
  unmappedCapBytes: unmappedCapBytes(null),
  objectCapBytes: z
    .number()
    .int()
    .min(2)
    .default(DEFAULT_OBJECT_CAP_BYTES)
    .describe(
      'requestObject / responseObject (GKE: request / response) larger than this many JSON bytes are replaced in unmapped by ' +
        '{"_truncated":true,"bytes":N}, so one big object (a ConfigMap, a CRD) does not push the rest of unmapped out.',
    )
    .meta({ examples: [16384, 4096] }),
  maxDecompressedBytes: maxDecompressedBytes(),
  stages: z
    .array(z.enum(AUDIT_STAGES))
    .min(1)
    .default([...DEFAULT_STAGES])
    .describe(
      'Audit stages normalized. An event of another stage is rejected with reason "stage … is not collected". ' +
        'Events without a stage (GKE, cut-down exports) are always normalized. RequestReceived is left out by default: ' +
        'every request logged at that stage is logged again when it completes.',
    )
    .meta({ examples: [['ResponseStarted', 'ResponseComplete', 'Panic'], ['ResponseComplete', 'Panic']] }),
  missingTime: missingTime('no requestReceivedTimestamp/stageTimestamp, GKE timestamp, AKS record time or CloudWatch timestamp'),
  provider: z
    .enum(K8S_PROVIDERS)
    .default('Kubernetes')
    .describe('cloud.provider of native audit.k8s.io events (file replay, webhook). GKE, AKS and CloudWatch-delivered EKS records name their own.')
    .meta({ examples: ['Kubernetes', 'EKS'] }),
  cluster: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('Cluster name recorded in unmapped.cluster for native events (the forms that carry a cluster name use theirs).')
    .meta({ examples: ['prod-eu-1'] }),
  accountUid: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('cloud.account_uid for native events: the AWS account, GCP project or Azure subscription of the cluster.')
    .meta({ examples: ['123456789012'] }),
  region: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('cloud.region for native events.')
    .meta({ examples: ['eu-west-1'] }),
  webhook: K8sAuditWebhookConfigSchema.optional()
    .describe('Follow mode (`sluice collector k8s_audit --follow webhook`): the audit webhook server. See services/collectors/k8s_audit/README.md, "Webhook role".'),
});

export type K8sAuditConfig = Readonly<z.output<typeof K8sAuditConfigSchema>>;
export type K8sAuditConfigInput = z.input<typeof K8sAuditConfigSchema>;
export { K8sAuditWebhookConfigSchema } from './webhook-config.ts';
export type { K8sAuditWebhookConfig, K8sAuditWebhookConfigInput } from './webhook-config.ts';

/** Validates a collector config, reporting every problem at once; returns it frozen. */
export function parseK8sAuditConfig(input: unknown = {}): K8sAuditConfig {
  return parseCollectorConfig(K8sAuditConfigSchema, input, 'k8s_audit');
}

/** Validates a webhook config, reporting every problem at once; returns it frozen. */
export function parseK8sAuditWebhookConfig(input: unknown = {}): K8sAuditWebhookConfig {
  const result = K8sAuditWebhookConfigSchema.safeParse(input ?? {});
  if (!result.success) throw invalidConfigError('k8s_audit webhook configuration', result.error.issues);
  return Object.freeze(result.data);
}
