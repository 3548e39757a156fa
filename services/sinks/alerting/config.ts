/**
 * The settings every alert output shares (sinks.slack, sinks.webhook, sinks.pagerduty,
 * sinks.splunk_hec, sinks.elasticsearch, sinks.sns): which findings it takes, and how it delivers them.
 */
import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';

export const SEVERITY_NAMES = ['Informational', 'Low', 'Medium', 'High', 'Critical'] as const;

/** Filter fields, with the output's own default minimum severity. */
export function filterFields(minSeverity: (typeof SEVERITY_NAMES)[number]) {
  return {
    minSeverity: z.enum(SEVERITY_NAMES).default(minSeverity).describe(`Only findings of this severity or above. Example: "${minSeverity}".`),
    detectors: z.array(z.string().min(1)).default([]).describe('Only findings of these detectors; empty: every detector. Example: ["signatures", "dlp"].'),
    rules: z
      .array(z.string().min(1))
      .default([])
      .describe('Only findings whose rule id matches one of these (exact, or a glob such as "aws.cloudtrail.*"); empty: every rule. Example: ["aws.cloudtrail.*"].'),
  };
}

export const RetryConfig = z
  .strictObject({
    attempts: z.number().int().min(1).max(20).default(5).describe('Attempts per request (network errors, timeouts, 429 and 5xx are retried; other 4xx are final). Example: 5.'),
    baseDelayMs: z.number().int().min(0).max(60_000).default(500).describe('First backoff delay; doubled at each attempt, with jitter, honouring Retry-After. Example: 500.'),
    maxDelayMs: z.number().int().min(0).max(300_000).default(30_000).describe('Longest single backoff delay. Example: 30000.'),
  })
  .describe('Retries of one request.');

export const RateLimitConfig = z
  .strictObject({
    perMinute: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(0)
      .describe(
        'Findings sent to this output at most per minute (a token bucket refilled evenly); 0: no limit. Findings over the limit are not sent here: ' +
          'they are counted (rate_limited), logged at most once a minute with their number, and stay on the findings topic and in ClickHouse. Example: 30.',
      ),
    burst: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('Findings that may go at once after a quiet period (the bucket size); default: perMinute. Example: 10.'),
  })
  .describe('A storm of findings must not flood a chat channel or a pager: the most this output is sent.');

/** Delivery fields: request timeout, retries, the memory of ids already delivered, the rate limit. */
export function deliveryFields() {
  return {
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000).describe('Timeout of one HTTP request. Example: 10000.'),
    retry: RetryConfig.prefault({}),
    rememberIds: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(100_000)
      .describe('Finding ids remembered as delivered (dedup within the process); the oldest are forgotten first. Example: 100000.'),
    rateLimit: RateLimitConfig.prefault({}),
  };
}

/** A secret string (redacted by `sluice config`, never logged). */
export function secretString(description: string) {
  return z.string().min(1).meta(SECRET).describe(description);
}

export interface FilterConfig {
  minSeverity: (typeof SEVERITY_NAMES)[number];
  detectors: string[];
  rules: string[];
}

export interface DeliveryConfig {
  timeoutMs: number;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  rememberIds: number;
  /** Absent or perMinute 0: no limit. */
  rateLimit?: { perMinute: number; burst?: number | undefined };
}

/** True for an http(s) URL. */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A check for an enabled output: each named field must be set (and be an http(s) URL where said).
 * The messages never quote the value (it may be a secret).
 */
export function requireWhenEnabled(name: string, fields: Record<string, 'set' | 'url'>) {
  return (config: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (config.enabled !== true) return;
    for (const [field, kind] of Object.entries(fields)) {
      const value = config[field];
      if (value === undefined || value === '') ctx.addIssue({ code: 'custom', path: [field], message: `required when sinks.${name}.enabled is true` });
      else if (kind === 'url' && !isHttpUrl(value)) ctx.addIssue({ code: 'custom', path: [field], message: 'must be an http(s) URL' });
    }
  };
}
