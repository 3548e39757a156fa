import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';

/** The built-in data types, in the order they are documented. Each is one detector in catalog.ts. */
export const BUILTIN_DATA_TYPES = [
  'payment_card',
  'us_ssn',
  'iban',
  'email',
  'phone',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'gcp_service_account_key',
  'azure_storage_connection_string',
  'azure_sas_token',
  'private_key',
  'jwt',
  'github_token',
  'gitlab_token',
  'slack_token',
  'stripe_key',
  'api_token',
  'password',
  'generic_secret',
] as const;
export type BuiltinDataType = (typeof BUILTIN_DATA_TYPES)[number];

/** Validators a user-defined detector may name; implemented in validators.ts. */
export const BUILTIN_VALIDATORS = ['luhn', 'payment_card', 'us_ssn', 'iban', 'email', 'phone', 'jwt', 'high_entropy', 'base64'] as const;
export type BuiltinValidatorName = (typeof BUILTIN_VALIDATORS)[number];

export const SEVERITY_NAMES = ['Informational', 'Low', 'Medium', 'High', 'Critical'] as const;
/** OCSF data_security.category names (category_id 1, 2, 3, 4, 6, 99). */
export const DATA_CATEGORIES = ['Personal', 'Governmental', 'Financial', 'Business', 'Security', 'Other'] as const;
export const POLICY_ACTIONS = ['alert', 'quarantine', 'delete'] as const;

const DataTypeId = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,47}$/, 'a snake_case id of 2 to 48 characters (a-z, 0-9, _), starting with a letter');

/** A detector added in config: a regular expression, optional keywords and an optional built-in validator. */
export const CustomDetectorConfig = z.strictObject({
  id: DataTypeId.describe('Data type id reported on findings, e.g. "employee_id". Must not be a built-in type.').meta({ examples: ['employee_id'] }),
  title: z.string().min(1).max(120).optional().describe('Human title used in finding messages; default: the id.'),
  pattern: z
    .string()
    .min(1)
    .max(2000)
    .describe(
      'JavaScript regular expression (no delimiters) matched against the text. ASCII-oriented: text is scanned byte by byte. ' +
        'A named group "value" marks the sensitive part; otherwise the whole match is. It must not match the empty string.',
    )
    .meta({ examples: ['EMP-[0-9]{6}', 'acct(?:ount)?[ #:]+(?<value>[0-9]{8,12})'] }),
  caseInsensitive: z.boolean().default(false).describe('Match the pattern case-insensitively.'),
  keywords: z.array(z.string().min(2).max(64)).max(64).default([]).describe('Context keywords: one within contextWindow characters of a match raises its confidence to keywordConfidence.'),
  requireKeyword: z.boolean().default(false).describe('Report a match only when one of the keywords is near it.'),
  validator: z.enum(BUILTIN_VALIDATORS).optional().describe('Built-in validator the matched value must pass (e.g. luhn).'),
  severity: z.enum(SEVERITY_NAMES).default('Medium').describe('Severity of findings of this type.'),
  category: z.enum(DATA_CATEGORIES).default('Other').describe('OCSF data category of the type.'),
  confidence: z.number().min(0).max(1).default(0.6).describe('Confidence of a validated match without a keyword nearby.'),
  keywordConfidence: z.number().min(0).max(1).default(0.9).describe('Confidence of a validated match with a keyword nearby.'),
  maxLength: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(256)
    .describe('Longest match in characters; longer matches are discarded. Bounds the bytes carried across chunk borders.'),
});

/** One policy: when an object's verdict meets all its conditions, an action event is emitted. */
export const PolicyConfig = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_", "-" (1 to 64)').describe('Policy name, carried on the action event.'),
  action: z.enum(POLICY_ACTIONS).describe('Action requested from the remediation function: alert, quarantine or delete.'),
  dataTypes: z.array(DataTypeId).default([]).describe('Data types counted by this policy (built-in or custom ids); empty = every type.'),
  minCount: z.number().int().min(1).default(1).describe('Least number of findings of those types in the object.'),
  minSeverity: z.enum(SEVERITY_NAMES).default('Informational').describe('Least severity of at least one counted finding.'),
  minRiskScore: z.number().int().min(0).max(100).default(0).describe('Least object risk score (0-100).'),
});

export const DlpConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run the dlp detector on the object_chunk stream.'),
    disabledTypes: z.array(z.enum(BUILTIN_DATA_TYPES)).default([]).describe('Built-in data types not to detect.').meta({ examples: [['phone', 'email']] }),
    minConfidence: z.number().min(0).max(1).default(0.5).describe('Matches below this confidence (0-1) are dropped.'),
    contextWindow: z
      .number()
      .int()
      .min(0)
      .max(200)
      .default(30)
      .describe('Characters before and after a match searched for context keywords (Macie-style proximity).'),
    evidence: z
      .strictObject({
        mode: z
          .enum(['last4', 'hmac', 'last4+hmac'])
          .default('last4')
          .describe('How matched values appear in findings: the last 4 characters, an HMAC-SHA256 for correlation, or both. Raw values never do.'),
        hmacKey: z
          .string()
          .min(16)
          .meta(SECRET)
          .optional()
          .describe('Key of the HMAC-SHA256 (at least 16 characters; mount it from a secret). Required by the hmac modes.'),
      })
      .prefault({})
      .describe('Masking of evidence.'),
    maxFindingsPerObject: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe('Per-match findings emitted per object; further matches are only counted in the verdict.'),
    maxPendingChunks: z.number().int().min(0).max(64).default(8).describe('Out-of-order chunks buffered per object while an earlier one is missing.'),
    maxPendingBytes: z
      .number()
      .int()
      .min(0)
      .default(4 * 1024 * 1024)
      .describe('Bytes of out-of-order chunks buffered per object; beyond either bound the missing chunks are skipped and counted.'),
    maxCarryBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024)
      .describe('Upper bound of the bytes carried from one chunk to the next per object; detectors needing more are a config error.'),
    stateEncryptionKey: z
      .string()
      .min(16)
      .meta(SECRET)
      .optional()
      .describe('When set, the raw bytes kept in state (carry, buffered chunks) are AES-256-GCM encrypted with a key derived from it.'),
    verdicts: z
      .enum(['all', 'findings', 'findings_or_skipped'])
      .default('findings_or_skipped')
      .describe('Which objects get a verdict finding: every object, objects with findings, or also objects not fully scanned (binary, gaps).'),
    policies: z.array(PolicyConfig).max(100).default([]).describe('Policies mapping data types and thresholds to actions.'),
    customDetectors: z.array(CustomDetectorConfig).max(100).default([]).describe('User-defined detectors.'),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.evidence.mode !== 'last4' && cfg.evidence.hmacKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['evidence', 'hmacKey'], message: `evidence.mode "${cfg.evidence.mode}" needs evidence.hmacKey` });
    }
    const builtin = new Set<string>(BUILTIN_DATA_TYPES);
    const seen = new Set<string>();
    cfg.customDetectors.forEach((d, i) => {
      const where = `custom detector "${d.id}"`;
      if (builtin.has(d.id)) ctx.addIssue({ code: 'custom', path: ['customDetectors', i, 'id'], message: `${where}: the id is a built-in data type` });
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['customDetectors', i, 'id'], message: `${where}: the id is used twice` });
      seen.add(d.id);
      let re: RegExp;
      try {
        re = new RegExp(d.pattern, d.caseInsensitive ? 'i' : '');
      } catch (err) {
        const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
        ctx.addIssue({ code: 'custom', path: ['customDetectors', i, 'pattern'], message: `${where}: pattern is not a valid regular expression (${why})` });
        return;
      }
      if (re.test('')) ctx.addIssue({ code: 'custom', path: ['customDetectors', i, 'pattern'], message: `${where}: pattern matches the empty string` });
      if (d.requireKeyword && d.keywords.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['customDetectors', i, 'requireKeyword'], message: `${where}: requireKeyword needs keywords` });
      }
    });
    const known = new Set<string>([...BUILTIN_DATA_TYPES, ...cfg.customDetectors.map((d) => d.id)]);
    const names = new Set<string>();
    cfg.policies.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `policy "${p.name}": the name is used twice` });
      names.add(p.name);
      p.dataTypes.forEach((t, j) => {
        if (!known.has(t)) ctx.addIssue({ code: 'custom', path: ['policies', i, 'dataTypes', j], message: `policy "${p.name}": unknown data type "${t}"` });
      });
    });
  });

export type DlpConfigInput = z.input<typeof DlpConfig>;
export type DlpConfig = Readonly<z.output<typeof DlpConfig>>;
export type CustomDetectorConfig = z.output<typeof CustomDetectorConfig>;
export type PolicyConfig = z.output<typeof PolicyConfig>;
