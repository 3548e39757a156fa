import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SluiceError } from './errors.ts';
import { LOG_LEVELS } from './logger.ts';
import { SECRET } from './secrets.ts';
/**
 * The one configuration object of a Sluice process. Validated once at startup against a schema
 * that rejects unknown keys and reports every problem at once, then frozen.
 * Sources, later ones winning: defaults < YAML file (--config) < environment < CLI flags.
 */

const TopicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_", "-"');

export const TopicsConfig = z.strictObject({
  activity: TopicName.default('sluice.activity.v1').describe('Normalized API activity events (OCSF 6003), keyed by principal.'),
  config: TopicName.default('sluice.config.v1').describe('Resource configuration state and changes, keyed by resource uid.'),
  flow: TopicName.default('sluice.flow.v1').describe('Network flows (OCSF 4001) with workload identities, keyed by source workload.'),
  objectChunk: TopicName.default('sluice.object_chunk.v1').describe('Ordered chunks of object-storage content for DLP, keyed by object.'),
  imageInventory: TopicName.default('sluice.image_inventory.v1').describe('Container image package inventories, keyed by image digest.'),
  advisory: TopicName.default('sluice.advisory.v1').describe('OSV advisories, keyed by package.'),
  findings: TopicName.default('sluice.findings.v1').describe('Findings as OCSF JSON, keyed by finding id, for SIEM subscribers.'),
  actions: TopicName.default('sluice.actions.v1').describe('Remediation action events (JSON) from detectors, e.g. DLP quarantine, for a remediation function.'),
  enforcement: TopicName.default('sluice.enforcement.v1').describe('Enforcement decisions (JSON), e.g. block a workload edge, for an enforcement agent.'),
  control: TopicName.default('sluice.control.v1').describe('Control messages for detectors (JSON with a "detector" field): flow_baseline modes and resets, config_drift baseline approvals. Read whole by every processor.'),
  deadLetter: TopicName.default('sluice.dlq.v1').describe('Records that could not be read, normalized or processed, with the reason.'),
  partitions: z.number().int().min(1).max(1024).default(12).describe('Partitions per topic on the embedded log (Kafka topics are created by the operator).'),
});

export const KafkaConfig = z.strictObject({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1).describe('Bootstrap brokers, e.g. ["kafka:9092"].'),
  clientId: z.string().min(1).default('sluice').describe('Kafka client id.'),
  ssl: z.boolean().default(false).describe('Connect over TLS.'),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1).meta(SECRET),
    })
    .optional()
    .describe('SASL authentication; with ssl for managed Kafka (MSK, Confluent Cloud, Event Hubs).'),
  sessionTimeoutMs: z.number().int().min(1000).default(30000).describe('Consumer group session timeout.'),
  heartbeatIntervalMs: z.number().int().min(100).default(3000).describe('Consumer heartbeat interval.'),
  maxWaitTimeMs: z.number().int().min(10).default(500).describe('Longest wait of a fetch with no data.'),
  maxBytesPerPartition: z
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(256 * 1024)
    .describe('Most bytes one fetch returns per partition. Bounds what a consumer holds while its detectors or sinks are slower than the input (kafkajs defaults to 1 MiB). Example: 262144.'),
  maxBytesPerFetch: z
    .number()
    .int()
    .min(64 * 1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('Most bytes one fetch returns over all partitions. Example: 4194304.'),
  idempotentProducer: z.boolean().default(true).describe('Idempotent producer (needs a broker with a real controller id).'),
  partitionsConsumedConcurrently: z.number().int().min(1).max(256).default(4).describe('Partitions a consumer processes at once (order is kept within each).'),
});

export const ClickHouseConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('HTTP(S) endpoint, e.g. http://clickhouse:8123'),
  username: z.string().default('default').describe('ClickHouse user.'),
  password: z.string().meta(SECRET).default('').describe('ClickHouse password.'),
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('sluice').describe('Database holding the Sluice tables.'),
  storeEvents: z
    .boolean()
    .default(true)
    .describe('Also store the normalized input events (api_activity, config_state, network_activity tables) next to the findings.'),
});

export const ProcessorConfig = z.strictObject({
  groupId: z.string().min(1).default('sluice-processor').describe('Kafka consumer group of the processor role.'),
  workers: z.number().int().min(1).max(64).default(2).describe('Piscina worker threads.'),
  maxBatchSize: z.number().int().min(1).max(100000).default(1000).describe('Records per batch sent to a worker.'),
  stateShards: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(64)
    .describe('State shards: murmur2(key) mod stateShards picks the shard; each shard is owned by one worker thread, which keeps its detectors\' state.'),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(64)
    .describe('Worker tasks in flight at once; when all are taken the consumer pauses its partitions until the pool drains.'),
  retryTimeoutMs: z
    .number()
    .int()
    .min(0)
    .default(600_000)
    .describe('How long a batch is retried in place (backoff up to 5 s) on retriable errors (sink, transport, worker crash, restore) before the processor gives up and exits.'),
  restoreTimeoutMs: z.number().int().min(1000).default(120_000).describe('Longest time to read a changelog partition set when restoring state.'),
  shutdownGraceMs: z.number().int().min(0).default(30_000).describe('On SIGTERM: time to finish and commit the batches in flight before exiting anyway.'),
  maintenanceIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe("How often detectors' maintain() hooks run (idle-entity eviction), between batches; 0 disables."),
  changelog: z.boolean().default(true).describe('Checkpoint detector state to `<app>-<detector>-changelog` topics and restore it; false keeps state in memory only.'),
});

/** The sections of the config that belong to no component: connections, topics, runtime, roles. */
export const BASE_CONFIG_SHAPE = {
  app: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).default('sluice').describe('Application id: prefix of consumer groups and state topics.'),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info').describe('Log level; logs are JSON lines on stderr.') }).prefault({}),
  kafka: KafkaConfig.optional().describe('Absent: the embedded in-process log is used.'),
  schemaRegistry: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional().describe('Absent: the local registry built from schemas/ is used.'),
  clickhouse: ClickHouseConfig.optional().describe('The ClickHouse connection (sinks.clickhouse tunes the sink). Absent: findings are not written to ClickHouse.'),
  topics: TopicsConfig.prefault({}),
  processor: ProcessorConfig.prefault({}),
  remediation: z
    .strictObject({
      webhookUrl: z.url({ protocol: /^https?$/ }).optional().describe('Where the remediator POSTs action events (e.g. a Lambda function URL). Absent: actions are only recorded.'),
      secret: z.string().min(16).meta(SECRET).optional().describe('HMAC-SHA256 key signing each request (x-sluice-signature); set it from SLUICE_REMEDIATION_SECRET.'),
      dryRun: z.boolean().default(true).describe('Record what would be sent without calling the webhook. Set false to act.'),
      actionsKey: z
        .string()
        .min(32)
        .meta(SECRET)
        .optional()
        .describe(
          'Shared HMAC key of action records (at least 32 characters; set it from SLUICE_ACTIONS_KEY on the processor and the remediator). ' +
            'The processor signs each record it writes to the actions topic; the remediator acts only on records that verify and dead-letters the others. Required when dryRun is false.',
        ),
      groupId: z.string().min(1).default('sluice-remediator').describe('Consumer group of the remediator role.'),
    })
    .superRefine((r, ctx) => {
      // Unsigned requests that act on a cloud account could be forged by anyone reaching the receiver.
      if (!r.dryRun && r.webhookUrl !== undefined && r.secret === undefined) {
        ctx.addIssue({ code: 'custom', path: ['secret'], message: 'required when dryRun is false (set SLUICE_REMEDIATION_SECRET): webhook requests must be signed' });
      }
      if (!r.dryRun && r.actionsKey === undefined) {
        ctx.addIssue({ code: 'custom', path: ['actionsKey'], message: 'required when dryRun is false (set SLUICE_ACTIONS_KEY on the processor and the remediator): only signed action records are acted on' });
      }
    })
    .prefault({})
    .describe('The remediator role: consumes sluice.actions.v1 and calls the webhook.'),
  http: z.strictObject({ port: z.number().int().min(0).max(65535).default(8080).describe('Health endpoints port; 0 disables.') }).prefault({}),
};

const BaseConfigSchema = z.strictObject(BASE_CONFIG_SHAPE);

/** What every detector's config has; the rest is the detector's own (its spec's configSchema). */
export interface DetectorConfigBase {
  readonly enabled: boolean;
  readonly [key: string]: unknown;
}

/** One component's validated settings: the output of its spec's configSchema. */
export type ComponentConfig = Readonly<Record<string, unknown>>;

/**
 * The validated configuration. The component sections are keyed by component name and hold the
 * output of that component's config schema; a component reads its own section through its spec.
 */
export type SluiceConfig = Readonly<
  z.output<typeof BaseConfigSchema> & {
    collectors: Readonly<Record<string, ComponentConfig>>;
    detectors: Readonly<Record<string, DetectorConfigBase>>;
    sinks: Readonly<Record<string, ComponentConfig>>;
  }
>;

/** The config schema of each registered component, by section and name. Core knows none of them. */
export interface ComponentConfigSchemas {
  readonly collectors: Readonly<Record<string, z.ZodType>>;
  readonly detectors: Readonly<Record<string, z.ZodType>>;
  readonly sinks: Readonly<Record<string, z.ZodType>>;
}

function componentSection(schemas: Readonly<Record<string, z.ZodType>>, doc: string) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, schema] of Object.entries(schemas)) shape[name] = (schema as z.ZodObject).prefault({});
  return z.strictObject(shape).prefault({}).describe(doc);
}

/**
 * The top-level schema: the base sections plus `collectors.<type>`, `detectors.<name>` and
 * `sinks.<name>`, one entry per registered component (assembled where the CLI wires the app).
 */
export function buildConfigSchema(components: ComponentConfigSchemas) {
  return z.strictObject({
    ...BASE_CONFIG_SHAPE,
    collectors: componentSection(components.collectors, 'Settings of each collector, by type (`collectors.aws_cloudtrail`, ...).'),
    detectors: componentSection(components.detectors, 'Settings of each detector, by name; `enabled` turns one on or off.'),
    sinks: componentSection(components.sinks, 'Settings of each findings sink, by name (`sinks.clickhouse`, `sinks.siem_kafka`).'),
  });
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type SluiceConfigInput = z.input<typeof BaseConfigSchema> & {
  collectors?: Record<string, Record<string, unknown>>;
  detectors?: Record<string, Record<string, unknown>>;
  sinks?: Record<string, Record<string, unknown>>;
};

/** Environment variables Sluice reads, and where each lands in the config. */
export const ENV_VARS = {
  KAFKA_BROKERS: { path: ['kafka', 'brokers'], kind: 'list', doc: 'Comma-separated bootstrap brokers; enables Kafka.' },
  KAFKA_CLIENT_ID: { path: ['kafka', 'clientId'], kind: 'string', doc: 'Kafka client id.' },
  KAFKA_SSL: { path: ['kafka', 'ssl'], kind: 'bool', doc: 'true to connect to Kafka over TLS.' },
  KAFKA_SASL_MECHANISM: { path: ['kafka', 'sasl', 'mechanism'], kind: 'string', doc: 'plain, scram-sha-256 or scram-sha-512.' },
  KAFKA_SASL_USERNAME: { path: ['kafka', 'sasl', 'username'], kind: 'string', doc: 'SASL user.' },
  KAFKA_SASL_PASSWORD: { path: ['kafka', 'sasl', 'password'], kind: 'string', doc: 'SASL password (mount it from a secret).' },
  SCHEMA_REGISTRY_URL: { path: ['schemaRegistry', 'url'], kind: 'string', doc: 'Confluent Schema Registry URL; enables it.' },
  CLICKHOUSE_URL: { path: ['clickhouse', 'url'], kind: 'string', doc: 'ClickHouse HTTP URL; enables the ClickHouse sink.' },
  CLICKHOUSE_USER: { path: ['clickhouse', 'username'], kind: 'string', doc: 'ClickHouse user.' },
  CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], kind: 'string', doc: 'ClickHouse password.' },
  CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], kind: 'string', doc: 'ClickHouse database (default sluice).' },
  SLUICE_APP: { path: ['app'], kind: 'string', doc: 'Application id.' },
  SLUICE_LOG_LEVEL: { path: ['log', 'level'], kind: 'string', doc: 'fatal|error|warn|info|debug|trace|silent.' },
  SLUICE_PROCESSOR_WORKERS: { path: ['processor', 'workers'], kind: 'int', doc: 'Worker threads of the processor.' },
  SLUICE_PROCESSOR_GROUP: { path: ['processor', 'groupId'], kind: 'string', doc: 'Consumer group id of the processor.' },
  SLUICE_TOPIC_ACTIVITY: { path: ['topics', 'activity'], kind: 'string', doc: 'Activity topic name.' },
  SLUICE_TOPIC_CONFIG: { path: ['topics', 'config'], kind: 'string', doc: 'Config topic name.' },
  SLUICE_TOPIC_FLOW: { path: ['topics', 'flow'], kind: 'string', doc: 'Flow topic name.' },
  SLUICE_TOPIC_OBJECT_CHUNK: { path: ['topics', 'objectChunk'], kind: 'string', doc: 'Object chunk topic name.' },
  SLUICE_TOPIC_IMAGE_INVENTORY: { path: ['topics', 'imageInventory'], kind: 'string', doc: 'Image inventory topic name.' },
  SLUICE_TOPIC_ADVISORY: { path: ['topics', 'advisory'], kind: 'string', doc: 'Advisory topic name.' },
  SLUICE_TOPIC_FINDINGS: { path: ['topics', 'findings'], kind: 'string', doc: 'Findings topic name.' },
  SLUICE_TOPIC_CONTROL: { path: ['topics', 'control'], kind: 'string', doc: 'Control topic name.' },
  SLUICE_TOPIC_DLQ: { path: ['topics', 'deadLetter'], kind: 'string', doc: 'Dead-letter topic name.' },
  SLUICE_REMEDIATION_WEBHOOK_URL: { path: ['remediation', 'webhookUrl'], kind: 'string', doc: 'Remediation webhook URL.' },
  SLUICE_REMEDIATION_SECRET: { path: ['remediation', 'secret'], kind: 'string', doc: 'HMAC key for remediation webhook requests (mount it from a secret).' },
  SLUICE_ACTIONS_KEY: { path: ['remediation', 'actionsKey'], kind: 'string', doc: 'HMAC key the processor signs action records with and the remediator verifies (mount it from a secret).' },
  SLUICE_REMEDIATION_DRY_RUN: { path: ['remediation', 'dryRun'], kind: 'bool', doc: 'false to let the remediator call the webhook.' },
  SLUICE_HTTP_PORT: { path: ['http', 'port'], kind: 'int', doc: 'Health endpoint port (0 disables).' },
} as const satisfies Record<string, { path: readonly string[]; kind: 'string' | 'int' | 'bool' | 'list'; doc: string }>;

export type EnvVarName = keyof typeof ENV_VARS;

type Plain = Record<string, unknown>;

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Plain;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b)
        ? deepMerge(b as Plain, v as Plain)
        : v;
  }
  return out;
}

/** Reads the known env vars into a partial config. Invalid numbers are left as strings for the schema to reject. */
export function configFromEnv(env: NodeJS.ProcessEnv): Plain {
  const out: Plain = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (spec.kind === 'list') value = raw.split(',').map((s) => s.trim()).filter(Boolean);
    else if (spec.kind === 'int') value = /^-?\d+$/.test(raw) ? Number(raw) : raw;
    else if (spec.kind === 'bool') value = /^(true|1|yes)$/i.test(raw) ? true : /^(false|0|no)$/i.test(raw) ? false : raw;
    setPath(out, spec.path, value);
  }
  return out;
}

export function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    // Only the first line of the parser's message: the following lines quote the file, which may hold a password.
    const reason = (cause as Error).message.split('\n', 1)[0];
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `config file ${path} is not valid YAML: ${reason}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `config file ${path} must hold a mapping at the top level`);
  }
  return parsed as Plain;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A schema issue, as zod reports it: where (the key path) and what. */
export interface ConfigIssue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
}

/** One `  - path: message` line per issue (`(root)` for an issue of the whole object). */
export function formatConfigIssues(issues: ReadonlyArray<ConfigIssue>): string[] {
  return issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/**
 * The SLUICE_ERR_CONFIG_INVALID error listing every issue:
 * `invalid <subject> (N problems):` then one line per issue; the issues are kept in details.
 */
export function invalidConfigError(subject: string, issues: ReadonlyArray<ConfigIssue>): SluiceError {
  const problems = formatConfigIssues(issues);
  return new SluiceError(
    'SLUICE_ERR_CONFIG_INVALID',
    `invalid ${subject} (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.join('\n')}`,
    { details: { issues } },
  );
}

/** Validates merged config layers against the assembled schema; throws one SluiceError listing every problem. */
export function resolveConfigWith(schema: ConfigSchema, ...layers: Plain[]): SluiceConfig {
  const merged = layers.reduce<Plain>((acc, layer) => deepMerge(acc, layer), {});
  const result = schema.safeParse(merged);
  if (!result.success) throw invalidConfigError('configuration', result.error.issues);
  return deepFreeze(result.data as SluiceConfig);
}

export interface LoadConfigOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: Plain;
}

/** defaults < file < environment < overrides, validated against the assembled schema. */
export function loadConfigWith(schema: ConfigSchema, opts: LoadConfigOptions = {}): SluiceConfig {
  const fileLayer = opts.file ? readConfigFile(opts.file) : {};
  return resolveConfigWith(schema, fileLayer, configFromEnv(opts.env ?? process.env), opts.overrides ?? {});
}
