import { z } from 'zod';

const weight = (def: number, what: string) => z.number().min(0).max(100).default(def).describe(what);

/** Learning period of one principal: until both are reached it is scored against its account's population. */
export const LearningConfig = z.strictObject({
  minEvents: z.number().int().min(1).default(30).describe('Events a principal must have before it is scored against its own baseline, e.g. 30.'),
  minDays: z.number().min(0).default(7).describe('Days of event time between its first and current event before it is scored against its own baseline, e.g. 7.'),
});

/** The per-account population baselines (derived from the principal states, per state shard; see README "State"). */
export const PopulationConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('Keep per-account population baselines and score principals still learning against them.'),
  minEvents: z.number().int().min(1).default(500).describe('Events (summed over its principals on the worker thread) an account baseline must have before it is used, e.g. 500.'),
  minPrincipals: z.number().int().min(1).default(10).describe('Principals (with state on the worker thread) an account baseline must have before it is used, e.g. 10.'),
  maxAccounts: z.number().int().min(1).default(1000).describe('Unused, kept so older configs load: the baselines are derived from the principal states, which maxPrincipals bounds.'),
  weight: z.number().min(0).max(10).default(1).describe('Weight of the population evidence: novelty of a value rare in the account (1 = as much as the principal\'s own baseline), e.g. 1.'),
});

/** Contribution of each feature to the score (operation novelty is further multiplied by the operation's sensitivity). */
export const WeightsConfig = z.strictObject({
  operation: weight(0.6, 'First use of an operation; multiplied by its sensitivity (a weight-5 operation such as cloudtrail:StopLogging gives 3), scaled towards 1 for a learned principal whose operations are largely sensitive ones (an admin\'s next IAM change weighs less than a developer\'s first).'),
  service: weight(0.3, 'First call to a service.'),
  region: weight(1.2, 'First call from a region.'),
  network: weight(1, 'First call from a source network (/24 for IPv4, /48 for IPv6, or a service host name).'),
  userAgent: weight(0.8, 'First use of a user-agent family (aws-cli, boto3, console, python-requests ...).'),
  hour: weight(0.5, 'Activity at an hour of the week the principal (learned only) is practically never active.'),
  volume: weight(2, 'Event count in the current window far above the principal\'s usual window count.'),
  errors: weight(1.5, 'Failed calls in the current window far above the expected error ratio; multiplied by the square root of the failing operation\'s sensitivity.'),
  concurrent: weight(1, 'A new source network while another network of the principal was active within concurrentMinutes (credentials used from two places at once).'),
  dormant: weight(1.5, 'First activity after dormantDays without any, for a principal with a rhythm (2+ active days, gap 5x its usual one).'),
  ordinaryNoveltyCap: weight(1, 'Most that first uses of ordinary operations (sensitivity below 2) and first calls to services add up to within correlationMinutes: several of them in one session are one piece of evidence (a new task), not independent ones.'),
});

/** Volume spike (events per window) test: every gate must pass. */
export const VolumeConfig = z.strictObject({
  minEvents: z.number().int().min(1).default(200).describe('Least events in the window for a spike, e.g. 200.'),
  minRatio: z.number().min(1).default(10).describe('Least ratio of the window count to the usual count (geometric EWMA mean), e.g. 10.'),
  minZ: z.number().min(0).default(3.5).describe('Least z-score of ln(1 + window count) against the EWMA mean and deviation of ln(1 + count) (deviation floored at 0.3), e.g. 3.5.'),
  peakFactor: z.number().min(0).default(3).describe('The window count must also exceed this times the decayed peak window count, e.g. 3.'),
  peakHalfLifeDays: z.number().positive().default(14).describe('Half-life in days of the remembered peak window count, e.g. 14.'),
  alpha: z.number().gt(0).max(1).default(0.1).describe('EWMA smoothing factor of ln(1 + count) per closed active window, e.g. 0.1.'),
  minWindows: z.number().int().min(1).default(6).describe('Closed active windows before the principal\'s own volume baseline is used (before that, the population\'s), e.g. 6.'),
});

/** Error-burst test. */
export const ErrorsConfig = z.strictObject({
  minErrors: z.number().int().min(1).default(10).describe('Least failed calls in the window, e.g. 10.'),
  minRatio: z.number().min(1).default(5).describe('Failed calls must exceed this times the expected count (error ratio x calls) plus 3, e.g. 5.'),
});

/** Bounds of the per-principal sketches. */
export const SketchConfig = z.strictObject({
  operations: z.number().int().min(4).max(1024).default(48).describe('Top-k size for operations per principal, e.g. 48.'),
  services: z.number().int().min(2).max(256).default(16).describe('Top-k size for services per principal, e.g. 16.'),
  regions: z.number().int().min(2).max(64).default(8).describe('Top-k size for regions per principal, e.g. 8.'),
  networks: z.number().int().min(2).max(256).default(16).describe('Top-k size for source networks per principal, e.g. 16.'),
  userAgents: z.number().int().min(2).max(64).default(8).describe('Top-k size for user-agent families per principal, e.g. 8.'),
  cmsWidth: z.number().int().min(16).max(4096).default(256).describe('Count-min sketch width (cells per row) holding values evicted from a full top-k, e.g. 256.'),
  cmsDepth: z.number().int().min(1).max(6).default(2).describe('Count-min sketch depth (rows), e.g. 2.'),
});

/** Events matching an allow-list are learned but never scored; allow-listed principals are never reported. */
export const AllowConfig = z.strictObject({
  principals: z.array(z.string().min(1).max(2048)).default([]).describe('Principals (actor.user.uid) never reported; `*` matches any run of characters, e.g. "arn:aws:iam::*:role/scanner".'),
  sourceCidrs: z.array(z.union([z.cidrv4(), z.cidrv6()])).default([]).describe('Source networks whose events are never scored, e.g. "10.0.0.0/8".'),
  operations: z.array(z.string().min(1).max(512)).default([]).describe('Operations ("service:Operation" as in README, `*` wildcard, case-insensitive) never scored, e.g. "s3:Get*".'),
  userAgents: z.array(z.string().min(1).max(512)).default([]).describe('User agents (the raw string, `*` wildcard, case-insensitive) whose events are never scored, e.g. "*Terraform*".'),
});

export const PrincipalAnomalyConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run the principal_anomaly detector.'),
    threshold: z.number().positive().default(2).describe('Score (sum of the contributions of distinct deviations within correlationMinutes) at which a finding is reported, e.g. 2.'),
    windowMinutes: z.number().int().min(1).max(1440).default(60).describe('Length in minutes (event time) of the volume and error windows, e.g. 60.'),
    correlationMinutes: z.number().int().min(1).max(1440).default(60).describe('Deviations of one principal within this many minutes add up to one score, e.g. 60.'),
    suppressMinutes: z.number().int().min(0).default(240).describe('After a finding, the same principal and reason (feature and value) do not contribute again for this many minutes, e.g. 240; 0 turns suppression off (every event that keeps the score over the threshold is reported).'),
    concurrentMinutes: z.number().int().min(1).max(1440).default(15).describe('A new network within this many minutes of the principal\'s last call from another network counts as concurrent use, e.g. 15.'),
    dormantDays: z.number().positive().default(30).describe('Days without activity after which a principal\'s next event is a "dormant reactivation", e.g. 30.'),
    forgetDays: z.number().positive().default(90).describe('A value (operation, region, network ...) not seen for this many days counts as new again, e.g. 90.'),
    idleEvictDays: z.number().positive().default(120).describe('A principal idle this long is forgotten (its state deleted), e.g. 120; must exceed dormantDays.'),
    maxPrincipals: z.number().int().min(1).default(250_000).describe('Principals kept per detector instance; evictIdle() deletes the least recently active beyond this, e.g. 250000.'),
    unusualHourMinEvents: z.number().int().min(1).default(200).describe('Events a learned principal needs before an unusual hour of the week counts, e.g. 200.'),
    maxRelatedEvents: z.number().int().min(1).max(100).default(16).describe('Most event uids listed in finding_info.related_events, e.g. 16.'),
    learning: LearningConfig.prefault({}).describe('Learning period of each principal (cold start).'),
    population: PopulationConfig.prefault({}).describe('Per-account population baselines: exact aggregates of the principal states on each worker thread (per state shard), rebuilt from them after a restore.'),
    weights: WeightsConfig.prefault({}).describe('Contribution of each kind of deviation to the score.'),
    sensitivity: z
      .record(z.string().min(1).max(512), z.number().min(0).max(20))
      .default({})
      .describe('Operation sensitivity overrides, pattern -> weight (1 = ordinary), merged over the defaults in sensitivity.ts, e.g. {"iam:CreateAccessKey": 4, "s3:Get*": 1}.'),
    volume: VolumeConfig.prefault({}).describe('Volume spike test (events per window).'),
    errors: ErrorsConfig.prefault({}).describe('Error burst test (failed calls per window).'),
    sketch: SketchConfig.prefault({}).describe('Bounds of the per-principal sketches (state size).'),
    allow: AllowConfig.prefault({}).describe('Allow-lists: principals never reported; networks, operations and user agents never scored.'),
  })
  .refine((c) => c.idleEvictDays > c.dormantDays, { message: 'idleEvictDays must exceed dormantDays', path: ['idleEvictDays'] });

export type PrincipalAnomalyConfig = z.output<typeof PrincipalAnomalyConfig>;
