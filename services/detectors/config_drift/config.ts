import { z } from 'zod';

/** Config of the config_drift detector (`detectors.config_drift`). */
export const ConfigDriftConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('Track configuration drift per resource on the config stream. Cheap: one JSON diff per change.'),
  maxStoredConfigBytes: z
    .number()
    .int()
    .min(1024)
    .max(1_048_576)
    .default(65_536)
    .describe('Largest configuration text kept in state (current and baseline each). A larger one is kept as its hash only: its next change is reported without paths, and risky changes are judged against an empty configuration.'),
  maxDiffPaths: z.number().int().min(1).max(1000).default(50).describe('Changed JSON paths listed per finding; the rest are counted.'),
  maxValueChars: z.number().int().min(8).max(2000).default(200).describe('Longest before/after value text in a diff entry; longer values are cut with "…".'),
  reportAllChanges: z.boolean().default(false).describe('Also raise an Informational finding (rule config_drift.changed) for changes that match no risky pattern.'),
  reportDeletions: z.boolean().default(true).describe('Raise a Low finding (rule config_drift.deleted) when a tracked resource is deleted, and config_drift.recreated when it comes back.'),
});

export type ConfigDriftConfig = z.output<typeof ConfigDriftConfig>;
