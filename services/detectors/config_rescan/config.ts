import { z } from 'zod';

/** Config of the config_rescan detector (`detectors.config_rescan`). */
export const ConfigRescanConfig = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('Turn successful AWS mutations of resources the posture rules judge (security groups, buckets, IAM, KMS keys, trails, NACLs...) into re-scan requests on topics.rescan. Off by default: run the aws_config_rescan role with it, which answers them.'),
  disabledOperations: z
    .array(z.string().regex(/^[a-z0-9.-]+:[A-Za-z0-9]+$/, '"<eventSource>:<eventName>", e.g. "s3.amazonaws.com:PutBucketAcl"'))
    .default([])
    .describe('Operations of the catalogue (catalogue.ts) not to ask a re-scan for. Example: ["iam.amazonaws.com:CreateUser"].'),
  derive: z
    .boolean()
    .default(true)
    .describe('Attach the new state the event states completely (public access block, bucket encryption and policy, key rotation, trail logging, added security group rules) so the reader applies it to an item AWS Config has not updated yet; false asks for a plain re-read.'),
});

export type ConfigRescanConfig = z.output<typeof ConfigRescanConfig>;
