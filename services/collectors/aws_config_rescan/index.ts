/**
 * aws_config_rescan collector: answers re-scan requests (topics.rescan, written by the
 * config_rescan detector when CloudTrail shows a resource changed) with the resource's current
 * AWS Config item, normalized as the aws_config collector does, on the config stream. The role
 * (service.ts, `ConfigRescanService`) reads AWS Config with @aws-sdk/client-config-service; this
 * spec's collect() reads the same API responses from files (BatchGetResourceConfig,
 * GetResourceConfigHistory), so what the role publishes can be replayed. See README.md.
 * The role and the SDK reader are imported from service.ts / reader.ts, not from here, so reading
 * the spec loads no AWS SDK.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { awsConfigCollector, sniffAwsConfig } from '../aws_config/index.ts';
import { AwsConfigRescanConfigSchema, parseAwsConfigRescanConfig, type AwsConfigRescanConfigInput } from './config.ts';

export { AwsConfigRescanConfigSchema, parseAwsConfigRescanConfig } from './config.ts';
export type { AwsConfigRescanConfig, AwsConfigRescanConfigInput } from './config.ts';
export { applyPatches } from './patch.ts';
export { Rescanner } from './rescanner.ts';
export type { RescanCounts } from './rescanner.ts';
export type { ConfigItemReader, BaseItem, ResourceKey } from './reader.ts';

/** Validates the config and returns the offline collector (AWS Config API responses, as aws_config reads them). */
export function awsConfigRescanCollector(config: AwsConfigRescanConfigInput = {}): Collector {
  const c = parseAwsConfigRescanConfig(config);
  const inner = awsConfigCollector({ maxConfigurationBytes: c.maxConfigurationBytes });
  return { type: 'aws_config_rescan', collect: (input) => inner.collect(input) };
}

/**
 * The component's spec. It recognises what aws_config recognises (the same responses); under
 * `--source auto` aws_config, earlier in the registry, is the one chosen.
 */
export const awsConfigRescanSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: 'aws_config_rescan',
  description:
    'Answers re-scan requests (topics.rescan, from the config_rescan detector) with the resource\'s current AWS Config item (BatchGetResourceConfig), the event\'s stated change applied while AWS Config has not recorded it yet; publishes it on the config stream as aws_config does.',
  streams: ['config'],
  configSchema: AwsConfigRescanConfigSchema,
  create: (config?: Record<string, unknown>) => awsConfigRescanCollector(config as AwsConfigRescanConfigInput),
  sniff: sniffAwsConfig,
} as const);
