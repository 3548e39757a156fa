import { z } from 'zod';
import { RULE_SEVERITIES } from '../../rules/schema.ts';
import { ruleDetectorSettings } from '../../rules/settings.ts';

/** Config of the signatures detector (`detectors.signatures`). */
export const SignaturesConfig = z.strictObject({
  ...ruleDetectorSettings({
    enabled: 'Run the signature rules on the activity stream.',
    builtin: 'activity',
    packs: 'Rule pack directories, read recursively for *.yaml. "@builtin/activity" is the pack shipped in services/rules/packs/activity; other entries are paths, relative to the working directory. Example: ["@builtin/activity", "/etc/sluice/rules"].',
    disabledExample: 'aws.iam.access_key_created',
  }),
  severityOverrides: z
    .record(z.string().min(1), z.enum(RULE_SEVERITIES))
    .default({})
    .describe('Severity per rule id, replacing the pack\'s, e.g. {"aws.s3.bucket_policy_public": "critical"}. Unknown ids are a config error.'),
  maxWindowsPerPrincipal: z
    .number()
    .int()
    .min(8)
    .max(4096)
    .default(256)
    .describe('Dedup and threshold windows kept per principal; beyond it the windows expiring first are dropped.'),
  maxRelatedEvents: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .describe('Event uids a threshold finding lists in related_events (the most recent of the burst).'),
  actions: z
    .strictObject({
      deactivateAccessKey: z
        .array(z.string().min(1))
        .max(500)
        .default([])
        .describe(
          'Rule ids whose findings request a deactivate_access_key executor action (AWS): the key the event created or reactivated (CreateAccessKey, UpdateAccessKey to Active), else the long-term access key (AKIA…) of the IAM user that made the call. Root keys and temporary credentials get no action (counted in the stats). Unknown ids are a config error. Empty: off.',
        )
        .meta({ examples: [['aws.iam.access_key_created_for_other_user', 'aws.iam.access_key_reactivated']] }),
    })
    .prefault({})
    .describe('Executor actions (carried out by the remediator when its allow-list permits; signed by the processor). Default: none.'),
});

export type SignaturesConfig = z.output<typeof SignaturesConfig>;
