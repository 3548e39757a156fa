import { z } from 'zod';
import type { SeverityName } from '../core/events.ts';

/**
 * The YAML form of a rule pack file: `rules:` followed by a list of rules. Field by field in
 * README.md ("Rule format"). Unknown keys are errors, so a typo never silently drops a setting.
 */

/** Activity sources a rule may name in `applies_to.sources` (the collectors of the `activity` stream). */
export const ACTIVITY_SOURCES = ['aws_cloudtrail', 'azure_activity', 'k8s_audit', 'gcp_audit'] as const;

export const RULE_SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

/** The finding severity (OCSF name) of each rule severity. */
export const FINDING_SEVERITY: Readonly<Record<RuleSeverity, SeverityName>> = {
  informational: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/** `30s`, `10m`, `1h`, `7d`, `500ms`. */
export const DurationText = z.string().regex(/^\d{1,9}(ms|s|m|h|d)$/, 'a duration such as 30s, 10m, 1h or 7d');

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration text (validated by DurationText). */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const JsonObject = z.record(z.string(), z.unknown());

/** Formats a resource configuration comes in (resource-view.ts ResourceFormat). */
export const RESOURCE_FORMATS = ['aws_config', 'cloudformation', 'terraform_plan', 'kubernetes', 'arm', 'aws_api', 'dockerfile'] as const;

export const RuleTestSchema = z
  .strictObject({
    name: z.string().min(1).describe('What the case shows; named in test failures.'),
    expect: z.boolean().describe('Whether the rule produces at least one finding on the events.'),
    findings: z.number().int().min(0).optional().describe('Exact number of findings expected (optional).'),
    source: z.enum(ACTIVITY_SOURCES).optional().describe("Source of the events; default the rule's first applies_to source."),
    event: JsonObject.optional().describe('One normalized ApiActivity, partial: the runner fills defaults.'),
    events: z.array(JsonObject).min(1).optional().describe('Several normalized events, in order.'),
    record: JsonObject.optional().describe("One native log record, normalized by the source's collector."),
    records: z.array(JsonObject).min(1).optional().describe('Several native records, in order.'),
    resource: z
      .strictObject({
        type: z.string().min(1).describe('Resource type as its source names it: AWS::S3::Bucket, aws_s3_bucket, apps/v1/Deployment.'),
        format: z.enum(RESOURCE_FORMATS).describe('aws_config (live), cloudformation, terraform_plan (also Terraform HCL source), kubernetes, arm (Azure Resource Manager), aws_api (AWS API / CLI JSON) or dockerfile (a Dockerfile build stage).'),
        configuration: JsonObject.describe('The native configuration (AWS Config item configuration, CloudFormation Properties, Terraform values, the Kubernetes object).'),
        name: z.string().optional().describe('Resource name (default test-resource).'),
      })
      .optional()
      .describe('Posture rules: one resource configuration, turned into its view as the detector does.'),
    repeat: z.number().int().min(1).max(1000).optional().describe('Replay the events this many times (uids suffixed #i).'),
    interval: DurationText.optional().describe('Time step between replayed copies (default 1s).'),
  })
  .refine((t) => [t.event, t.events, t.record, t.records, t.resource].filter((x) => x !== undefined).length === 1, {
    message: 'a test needs exactly one of event, events, record, records, resource',
  });
export type RuleTestCase = z.output<typeof RuleTestSchema>;

export const RuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{2,127}$/, 'lower-case letters, digits, ".", "_", "-" (3-128 characters)'),
  title: z.string().min(1).max(200),
  description: z.string().min(1).max(4000),
  severity: z.enum(RULE_SEVERITIES),
  enabled: z.boolean().default(true),
  applies_to: z
    .strictObject({
      input: z.enum(['activity', 'resource']).default('activity'),
      sources: z.array(z.enum(ACTIVITY_SOURCES)).min(1).optional(),
      classes: z.array(z.number().int().min(1)).min(1).optional(),
      kinds: z.array(z.string().regex(/^[a-z0-9_.]+$/)).min(1).optional(),
    })
    .refine((a) => a.sources !== undefined || a.classes !== undefined || a.kinds !== undefined, { message: 'applies_to needs sources, classes or kinds' }),
  condition: z.string().min(1).max(20_000),
  dedup: z.strictObject({ key: z.string().min(1).max(2000), period: DurationText }).optional(),
  threshold: z
    .strictObject({
      count: z.number().int().min(2).max(500),
      window: DurationText,
      key: z.string().min(1).max(2000).optional(),
      distinct: z.string().min(1).max(2000).optional(),
    })
    .optional(),
  mitre: z.array(z.string().regex(/^(TA\d{4}:)?T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id: T1078, T1078.004 or TA0001:T1078.004')).default([]),
  references: z.array(z.url()).default([]),
  compliance: z
    .array(z.strictObject({ standard: z.string().min(1).max(100), control: z.string().min(1).max(40) }))
    .default([])
    .describe('Benchmark controls the rule checks, e.g. { standard: CIS AWS Foundations 3.0.0, control: "2.1.4" }.'),
  remediation: z.string().min(1).max(4000).optional().describe('How to fix a failure (posture rules).'),
  tests: z.array(RuleTestSchema).default([]),
});
export type RuleDoc = z.output<typeof RuleSchema>;

export const RuleFileSchema = z.strictObject({
  rules: z.array(z.unknown()).min(1),
});

/** Longest dedup period and threshold window accepted (state is bounded by them). */
export const MAX_PERIOD_MS = 30 * 86_400_000;
export const MAX_WINDOW_MS = 7 * 86_400_000;
