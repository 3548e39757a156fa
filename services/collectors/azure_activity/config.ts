import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';
import { eventHubsSection } from './eventhubs-config.ts';

/** Configuration of the azure_activity collector. Unknown keys are rejected. */
export const AzureActivityConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(),
  unmappedCapBytes: unmappedCapBytes('identity claims, properties, ...'),
  maxDecompressedBytes: maxDecompressedBytes(),
  kubeAudit: z
    .enum(['normalize', 'reject'])
    .default('normalize')
    .describe(
      'AKS kube-audit / kube-audit-admin diagnostics records met in the same feed (one Event Hub often carries both): ' +
        'normalize maps them with the k8s_audit normalizer (provider AKS); reject dead-letters them so a separate k8s_audit collector owns them.',
    )
    .meta({ examples: ['normalize', 'reject'] }),
  eventhubs: eventHubsSection(),
});

export type AzureActivityConfig = Readonly<z.output<typeof AzureActivityConfigSchema>>;
export type AzureActivityConfigInput = z.input<typeof AzureActivityConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAzureActivityConfig(input: unknown = {}): AzureActivityConfig {
  return parseCollectorConfig(AzureActivityConfigSchema, input, 'azure_activity');
}
