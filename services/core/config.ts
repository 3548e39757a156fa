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
  process: TopicName.default('sluice.process.v1').describe('Process executions and exits (OCSF 1007 Process Activity) from Tetragon, keyed by application like the flows.'),
  findings: TopicName.default('sluice.findings.v2').describe('Findings as OCSF 1.8.0 JSON (Detection 2004, Compliance 2003, Vulnerability 2002, Data Security 2006), keyed by finding id, for SIEM subscribers. v2: valid OCSF (v1 carried the Sluice-specific finding shape).'),
  actions: TopicName.default('sluice.actions.v1').describe('Remediation action events (JSON) from detectors, e.g. DLP quarantine, for a remediation function.'),
  actionResults: TopicName.default('sluice.action-results.v1').describe('Outcome of every remediation action (JSON, keyed by action id): done, dry_run, refused, already_done or failed, with the reason; written by the remediator.'),
  rescan: TopicName.default('sluice.rescan.v1').describe('Re-scan requests (JSON, keyed by resource): config_rescan asks for the current configuration of a resource an activity event changed; the aws_config_rescan role reads it from AWS Config and publishes it on the config topic.'),
  enforcement: TopicName.default('sluice.enforcement.v1').describe('Enforcement decisions (JSON), e.g. block a workload edge, for an enforcement agent.'),
  control: TopicName.default('sluice.control.v1').describe('Control messages for detectors (JSON with a "detector" field): flow_baseline modes and resets, config_drift baseline approvals. Read whole by every processor.'),
  deadLetter: TopicName.default('sluice.dlq.v1').describe('Records that could not be read, normalized or processed, with the reason.'),
  partitions: z.number().int().min(1).max(1024).default(12).describe('Partitions per topic on the embedded log (Kafka topics are created by the operator).'),
});

/** SASL mechanisms of the Kafka client: kafkajs's own, and AWS MSK IAM (OAUTHBEARER with an IAM-signed token). */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;

export const KafkaTlsConfig = z
  .strictObject({
    caFile: z.string().min(1).optional().describe('PEM file of the certificate authorities to trust instead of the system ones (a private CA, Strimzi\'s cluster CA, Aiven\'s project CA).'),
    certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS (with keyFile).'),
    keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
    keyPassword: z.string().min(1).meta(SECRET).optional().describe('Passphrase of an encrypted keyFile (set it from KAFKA_TLS_KEY_PASSWORD).'),
    servername: z.string().min(1).optional().describe('Server name sent in TLS SNI and checked against the broker certificate, when it differs from the broker host.'),
    rejectUnauthorized: z.boolean().default(true).describe('false accepts any broker certificate: for testing only.'),
  })
  .superRefine((t, ctx) => {
    if ((t.certFile === undefined) !== (t.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
  });

export const KafkaSaslConfig = z
  .strictObject({
    mechanism: z
      .enum(KAFKA_SASL_MECHANISMS)
      .describe('plain, scram-sha-256, scram-sha-512 (user and password), or aws-msk-iam (Amazon MSK IAM access control: credentials from the AWS default provider chain, over TLS).'),
    username: z.string().min(1).optional().describe('SASL user (plain and scram only).'),
    password: z.string().min(1).meta(SECRET).optional().describe('SASL password (plain and scram only; set it from KAFKA_SASL_PASSWORD).'),
    awsRegion: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region, e.g. eu-west-1')
      .optional()
      .describe('aws-msk-iam: region of the MSK cluster, which signs the token. Example: eu-west-1.'),
    awsRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')
      .optional()
      .describe('aws-msk-iam: IAM role to assume for the token; absent, the default provider chain\'s credentials are used (environment, web identity/IRSA, ECS, instance profile).'),
  })
  .superRefine((s, ctx) => {
    if (s.mechanism === 'aws-msk-iam') {
      if (s.awsRegion === undefined) ctx.addIssue({ code: 'custom', path: ['awsRegion'], message: 'required with aws-msk-iam (set KAFKA_SASL_AWS_REGION)' });
      for (const k of ['username', 'password'] as const) {
        if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'not used with aws-msk-iam (the token is signed with AWS credentials)' });
      }
    } else {
      for (const k of ['username', 'password'] as const) {
        if (s[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `required with ${s.mechanism} (set KAFKA_SASL_${k === 'username' ? 'USERNAME' : 'PASSWORD'})` });
      }
      for (const k of ['awsRegion', 'awsRoleArn'] as const) {
        if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only used with aws-msk-iam' });
      }
    }
  });

export const KafkaConfig = z.strictObject({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1).describe('Bootstrap brokers, e.g. ["kafka:9092"].'),
  clientId: z.string().min(1).default('sluice').describe('Kafka client id.'),
  ssl: z.boolean().default(false).describe('Connect over TLS, trusting the system CAs (a `tls` section also turns TLS on).'),
  tls: KafkaTlsConfig.optional().describe('TLS with a private CA and/or a client certificate (mutual TLS); implies ssl.'),
  sasl: KafkaSaslConfig.optional().describe('SASL authentication; with TLS for managed Kafka (MSK, Confluent Cloud, Event Hubs, Aiven). docs/deploy.md has the ACLs each role needs.'),
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
  compression: z
    .enum(['none', 'gzip', 'lz4', 'snappy'])
    .default('none')
    .describe(
      'Compression of every record batch Sluice produces; lz4 stores CloudTrail events at about a fifth of their raw size for little CPU. Off by default because the consumers\' fetch bounds (maxBytesPerPartition, maxBytesPerFetch) count compressed bytes: with compression on, divide them by the compression ratio to keep the same memory bound. Consumers read gzip, lz4, snappy and zstd whatever this says (a topic with compression.type=zstd is read).',
    ),
  partitionsConsumedConcurrently: z.number().int().min(1).max(256).default(4).describe('Partitions a consumer processes at once (order is kept within each).'),
  producerLingerMs: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(5)
    .describe(
      'Longest wait of a produce for others to join it: sends made within this time (or while the previous request is unanswered), to any topics, leave as one produce request per broker, and each caller still gets its own outcome. 0 sends each call on its own. Example: 5.',
    ),
  producerBatchMaxBytes: z
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Most bytes of messages one coalesced produce request carries (a single larger send goes alone). Example: 1048576.'),
  commitLingerMs: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(5)
    .describe('Longest wait of a partition batch\'s offset commit for the commits of the other partitions in flight, sent together in one request. 0 commits each batch on its own. Example: 5.'),
  fetchMinBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(1)
    .describe('Bytes a fetch waits for (up to maxWaitTimeMs) before the broker answers; 1 answers as soon as any record is there. Example: 1.'),
}).superRefine((k, ctx) => {
  // MSK serves IAM authentication on its TLS listener only (port 9098; 9198 for public access).
  if (k.sasl?.mechanism === 'aws-msk-iam' && !k.ssl && k.tls === undefined) ctx.addIssue({ code: 'custom', path: ['ssl'], message: 'aws-msk-iam needs TLS: set ssl true (KAFKA_SSL=true)' });
});

/** Subject compatibility levels of the Confluent Schema Registry API. */
export const SCHEMA_COMPATIBILITY_LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;

export const SchemaRegistryConfig = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .describe(
        'Base URL of a Confluent-compatible Schema Registry REST API: Confluent Platform or Cloud (https://psrc-….confluent.cloud), Aiven (https://<service>.aivencloud.com:<port>), ' +
          'Apicurio Registry (http://apicurio:8080/apis/ccompat/v7). User info in the URL (https://user:password@host) is used as basic auth.',
      ),
    basicAuth: z
      .strictObject({
        username: z.string().min(1).describe('User, or the Confluent Cloud API key.'),
        password: z.string().min(1).meta(SECRET).describe('Password, or the Confluent Cloud API secret (set it from SCHEMA_REGISTRY_PASSWORD).'),
      })
      .optional()
      .describe('HTTP basic authentication (Confluent Cloud API key and secret, Aiven service user, Apicurio with basic auth).'),
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional().describe('PEM file of the certificate authorities to trust instead of the system ones (Aiven project CA, a private CA).'),
        certFile: z.string().min(1).optional().describe('PEM client certificate, for registries that require mutual TLS (with keyFile).'),
        keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
        rejectUnauthorized: z.boolean().default(true).describe('false accepts any server certificate: for testing only.'),
      })
      .superRefine((t, ctx) => {
        if ((t.certFile === undefined) !== (t.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
      })
      .optional()
      .describe('TLS settings of https:// registry URLs.'),
    autoRegister: z
      .boolean()
      .default(true)
      .describe(
        'Register the schemas of schemas/avro/ under `<topic>-value` on first use, and set the subject compatibility level. ' +
          'false: use pre-registered schemas only; Sluice looks each schema up under its subject (GET requests only) and fails with SLUICE_ERR_SCHEMA_NOT_REGISTERED when it is not there.',
      ),
    compatibility: z
      .enum(SCHEMA_COMPATIBILITY_LEVELS)
      .default('BACKWARD')
      .describe('Compatibility level set on each subject Sluice registers to (autoRegister only): BACKWARD lets consumers on a new schema read data written with the previous one.'),
    timeoutMs: z.number().int().min(100).default(10_000).describe('Timeout of one registry request.'),
  })
  .superRefine((r, ctx) => {
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      return; // reported by the url check
    }
    if ((url.username || url.password) && r.basicAuth) ctx.addIssue({ code: 'custom', path: ['basicAuth'], message: 'give the credentials either in the URL or in basicAuth, not both' });
    if (r.tls && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs an https:// url' });
  });

export const ClickHouseConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('HTTP(S) endpoint, e.g. http://clickhouse:8123'),
  username: z.string().default('default').describe('ClickHouse user.'),
  password: z.string().meta(SECRET).default('').describe('ClickHouse password.'),
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('sluice').describe('Database holding the Sluice tables.'),
  migration: z
    .strictObject({
      username: z.string().min(1).describe('ClickHouse user allowed to run DDL on the Sluice database.'),
      password: z.string().meta(SECRET).default('').describe('Its password (set it from CLICKHOUSE_MIGRATION_PASSWORD, only on the migrate job).'),
    })
    .optional()
    .describe(
      'Credentials of `sluice migrate` when they differ from the sink\'s (least privilege: the sink user then needs only SELECT and INSERT on the Sluice tables). ' +
        'Absent: migrate uses username/password. The sink runs no DDL when the schema is already current.',
    ),
  storeEvents: z
    .boolean()
    .default(true)
    .describe('Also store the normalized input events (api_activity, config_state, network_activity tables) next to the findings.'),
});

/** The connection `sluice migrate` uses: the migration credentials when they are configured. */
export function migrationConnection<C extends z.output<typeof ClickHouseConfig>>(c: C): C {
  return c.migration ? { ...c, username: c.migration.username, password: c.migration.password } : c;
}

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
  schemaRegistry: SchemaRegistryConfig.optional().describe(
    'Absent: the local registry built from schemas/avro/ is used (with Kafka only when allowLocalSchemaIds is true). docs/schema-registry.md has the setups.',
  ),
  allowLocalSchemaIds: z
    .boolean()
    .default(false)
    .describe(
      'Allow Avro on Kafka (`kafka`) without `schemaRegistry`: the schema ids then come from the local registry (schemas/avro/index.json), which no other Kafka client can resolve. ' +
        'Off by default: a role that reads or writes Avro on Kafka refuses to start without SCHEMA_REGISTRY_URL. For a private or test cluster only.',
    ),
  clickhouse: ClickHouseConfig.optional().describe('The ClickHouse connection (sinks.clickhouse tunes the sink). Absent: findings are not written to ClickHouse.'),
  topics: TopicsConfig.prefault({}),
  processor: ProcessorConfig.prefault({}),
  collectorThread: z
    .strictObject({
      mode: z
        .enum(['auto', 'always', 'never'])
        .default('auto')
        .describe('Run the collector and its Avro encoding on a thread of their own, the main thread keeping the producer (and in `sluice run` the processor): `auto` when the inputs add up to minInputBytes.'),
      minInputBytes: z.number().int().min(0).default(1_048_576).describe('Input bytes from which `auto` starts the collector thread (a small run does not pay its start-up).'),
    })
    .prefault({})
    .describe('The collector role and `sluice run` over files (services/collectors/thread/README.md).'),
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
            'The processor signs each record it writes to the actions and enforcement topics; the remediator acts only on records that verify and dead-letters the others. Required when dryRun is false.',
        ),
      groupId: z.string().min(1).default('sluice-remediator').describe('Consumer group of the remediator role.'),
      storeResults: z
        .boolean()
        .optional()
        .describe(
          'The remediator role also reads topics.actionResults (its own results and the enforcer\'s) and stores each one in ClickHouse `{db}.action_results`. Default: on when the `clickhouse` connection is configured; true without it stops the role with an error.',
        ),
      resultsGroupId: z.string().min(1).default('sluice-action-results').describe('Consumer group that stores topics.actionResults in ClickHouse (run by the remediator role).'),
      executors: z
        .strictObject({
          accounts: z
            .record(
              z.string(),
              z.strictObject({
                allow: z
                  .array(z.enum(['s3.quarantine', 's3.delete', 's3.block_public_access', 'ec2.revoke_ingress', 'iam.deactivate_access_key']))
                  .default([])
                  .describe('Action kinds the remediator may carry out in this account; every other kind is refused. Example: [s3.quarantine, ec2.revoke_ingress].'),
                region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1').default('us-east-1').describe('Region of the API calls (S3, IAM) and of EC2 actions that name none.'),
                profile: z.string().min(1).optional().describe('Named profile of the shared AWS config (e.g. one that assumes a role in this account). Absent: the default credential chain.'),
                endpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another endpoint for every AWS API (a local AWS API such as moto, an S3-compatible store). Absent: AWS.'),
                forcePathStyle: z.boolean().default(false).describe('Path-style S3 URLs (needed by most S3-compatible stores).'),
                quarantine: z
                  .strictObject({
                    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').describe('Bucket that receives quarantined objects (keep it private, with Block Public Access on).'),
                    prefix: z.string().max(512).default('quarantine/').describe('Key prefix of quarantined objects: <prefix><source bucket>/<version>/<source key>.'),
                    legalHold: z.boolean().default(false).describe('Put an Object Lock legal hold on each copy (the bucket needs Object Lock enabled).'),
                  })
                  .optional()
                  .describe('Where s3.quarantine copies objects. Required when s3.quarantine is allowed.'),
              }),
            )
            .default({})
            .describe("Accounts the executors may act in, by account id. Default: none, so every executor action is refused. Example: { '123456789012': { allow: [s3.quarantine], quarantine: { bucket: sec-quarantine } } }."),
          defaultAccount: z
            .string()
            .regex(/^\d{12}$/, 'an AWS account id: 12 digits')
            .optional()
            .describe('Account of actions that name none (DLP object actions carry a bucket, not an account). Absent: the only configured account, if there is exactly one.'),
          rememberIds: z.number().int().min(1).default(10_000).describe('Action ids remembered as carried out by this process (the oldest are forgotten first); a repeated record is then already_done without an API call.'),
          azureBlob: z
            .strictObject({
              accounts: z
                .record(
                  z.string(),
                  z.strictObject({
                    allow: z
                      .array(z.enum(['azure_blob.quarantine', 'azure_blob.delete']))
                      .default([])
                      .describe('Action kinds the remediator may carry out on this storage account; every other kind is refused. Example: [azure_blob.quarantine].'),
                    endpoint: z.url({ protocol: /^https?$/ }).optional().describe('Blob service URL. Absent: https://<account>.blob.core.windows.net. Example (Azurite): http://127.0.0.1:10000/devstoreaccount1.'),
                    sasTokenEnv: z
                      .string()
                      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
                      .optional()
                      .describe('Environment variable holding a SAS token scoped to the executors\' permissions (preferred: least privilege, expires). Example: SLUICE_AZURE_SAS_MYACCOUNT.'),
                    accountKeyEnv: z
                      .string()
                      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
                      .optional()
                      .describe('Environment variable holding the storage account key (full access to the account: prefer sasTokenEnv). Example: SLUICE_AZURE_KEY_MYACCOUNT.'),
                    quarantine: z
                      .strictObject({
                        container: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'an Azure container name').describe('Container (in this storage account) that receives quarantined blobs; keep it private.'),
                        prefix: z.string().max(512).default('quarantine/').describe('Name prefix of quarantined blobs: <prefix><account>/<container>/<version>/<name>.'),
                        accessTier: z.enum(['Hot', 'Cool', 'Cold', 'Archive']).default('Cool').describe('Access tier set on each copy; Archive takes it offline (rehydration needed to read it).'),
                        legalHold: z.boolean().default(false).describe('Put a legal hold on each copy (the container needs version-level immutability support).'),
                      })
                      .optional()
                      .describe('Where azure_blob.quarantine copies blobs. Required when azure_blob.quarantine is allowed.'),
                  }),
                )
                .default({})
                .describe('Storage accounts the Azure Blob executors may act in, by account name (the first part of a DLP object\'s bucket `<account>/<container>`). Default: none.'),
            })
            .prefault({})
            .describe('Azure Blob executors (quarantine, delete) through @azure/storage-blob.'),
          gcs: z
            .strictObject({
              projects: z
                .record(
                  z.string(),
                  z.strictObject({
                    allow: z
                      .array(z.enum(['gcs.quarantine', 'gcs.delete']))
                      .default([])
                      .describe('Action kinds the remediator may carry out in this project; every other kind is refused. Example: [gcs.quarantine].'),
                    buckets: z.array(z.string().min(3)).default([]).describe('Buckets of this project (DLP object actions name a bucket, not a project). Example: [customer-exports].'),
                    keyFilename: z.string().min(1).optional().describe('Service account key file. Absent: Application Default Credentials (workload identity, GOOGLE_APPLICATION_CREDENTIALS).'),
                    apiEndpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another JSON API endpoint (a private endpoint, an emulator). Absent: Google.'),
                    quarantine: z
                      .strictObject({
                        bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a GCS bucket name').describe('Bucket that receives quarantined objects; keep it private (uniform bucket-level access, public access prevention).'),
                        prefix: z.string().max(512).default('quarantine/').describe('Name prefix of quarantined objects: <prefix><bucket>/<generation>/<name>.'),
                        hold: z.enum(['none', 'temporary', 'event_based']).default('temporary').describe('Object hold put on each copy: it cannot be deleted or replaced until the hold is released.'),
                      })
                      .optional()
                      .describe('Where gcs.quarantine copies objects. Required when gcs.quarantine is allowed.'),
                  }),
                )
                .default({})
                .describe('GCP projects the GCS executors may act in, by project id. Default: none.'),
              defaultProject: z.string().min(1).optional().describe('Project of actions whose bucket no project lists. Absent: the only configured project, if there is exactly one.'),
            })
            .prefault({})
            .describe('Google Cloud Storage executors (quarantine, delete) through @google-cloud/storage.'),
        })
        .prefault({})
        .describe('Executors that carry actions out through the AWS APIs (S3, EC2, IAM), beside the webhook. Dry-run with remediation.dryRun.'),
    })
    .superRefine((r, ctx) => {
      for (const [id, a] of Object.entries(r.executors.accounts)) {
        // Checked here rather than by the record's key schema, whose message zod drops ("Invalid key in record").
        if (!/^\d{12}$/.test(id)) ctx.addIssue({ code: 'custom', path: ['executors', 'accounts', id], message: 'the key must be an AWS account id: 12 digits' });
        if (a.allow.includes('s3.quarantine') && a.quarantine === undefined) {
          ctx.addIssue({ code: 'custom', path: ['executors', 'accounts', id, 'quarantine'], message: 'required when s3.quarantine is allowed: the bucket that receives quarantined objects' });
        }
      }
      for (const [name, a] of Object.entries(r.executors.azureBlob.accounts)) {
        if (!/^[a-z0-9]{3,24}$/.test(name)) ctx.addIssue({ code: 'custom', path: ['executors', 'azureBlob', 'accounts', name], message: 'the key must be a storage account name: 3-24 lowercase letters and digits' });
        if (a.allow.includes('azure_blob.quarantine') && a.quarantine === undefined) {
          ctx.addIssue({ code: 'custom', path: ['executors', 'azureBlob', 'accounts', name, 'quarantine'], message: 'required when azure_blob.quarantine is allowed: the container that receives quarantined blobs' });
        }
      }
      for (const [id, p] of Object.entries(r.executors.gcs.projects)) {
        if (p.allow.includes('gcs.quarantine') && p.quarantine === undefined) {
          ctx.addIssue({ code: 'custom', path: ['executors', 'gcs', 'projects', id, 'quarantine'], message: 'required when gcs.quarantine is allowed: the bucket that receives quarantined objects' });
        }
      }
      if (r.executors.gcs.defaultProject !== undefined && !(r.executors.gcs.defaultProject in r.executors.gcs.projects)) {
        ctx.addIssue({ code: 'custom', path: ['executors', 'gcs', 'defaultProject'], message: `project ${r.executors.gcs.defaultProject} is not configured under remediation.executors.gcs.projects` });
      }
      if (r.executors.defaultAccount !== undefined && !(r.executors.defaultAccount in r.executors.accounts)) {
        ctx.addIssue({ code: 'custom', path: ['executors', 'defaultAccount'], message: `account ${r.executors.defaultAccount} is not configured under remediation.executors.accounts` });
      }
      // Unsigned requests that act on a cloud account could be forged by anyone reaching the receiver.
      if (!r.dryRun && r.webhookUrl !== undefined && r.secret === undefined) {
        ctx.addIssue({ code: 'custom', path: ['secret'], message: 'required when dryRun is false (set SLUICE_REMEDIATION_SECRET): webhook requests must be signed' });
      }
      if (!r.dryRun && r.actionsKey === undefined) {
        ctx.addIssue({ code: 'custom', path: ['actionsKey'], message: 'required when dryRun is false (set SLUICE_ACTIONS_KEY on the processor and the remediator): only signed action records are acted on' });
      }
    })
    .prefault({})
    .describe('The remediator role: consumes sluice.actions.v1, calls the webhook and the executors, and writes every outcome to topics.actionResults.'),
  enforcement: z
    .strictObject({
      dryRun: z.boolean().default(true).describe('Record the manifest each block decision would give without writing or applying it. Set false to act (needs remediation.actionsKey).'),
      format: z.enum(['cilium', 'networkpolicy']).default('cilium').describe('cilium: CiliumNetworkPolicy (cilium.io/v2; one edge is denied with egressDeny/ingressDeny); networkpolicy: Kubernetes NetworkPolicy (no deny rules: only non_baseline decisions, as a default deny).'),
      target: z.enum(['directory', 'apply']).default('directory').describe('directory: write each manifest to outputDir (for GitOps or kubectl apply); apply: server-side apply to the Kubernetes API.'),
      outputDir: z.string().min(1).default('.sluice/enforcement').describe('Where manifests are written: <outputDir>/<namespace>/<name>.yaml.'),
      nonBaseline: z
        .enum(['default_deny', 'refuse'])
        .default('default_deny')
        .describe(
          'A non_baseline decision (a scan burst) as a default-deny policy for the workload: with the baseline allow policies applied (`sluice policy export`), only traffic outside the baseline is blocked; without them the workload is isolated. refuse: record it, do nothing.',
        ),
      cluster: z.string().min(1).optional().describe('Only decisions about workloads of this cluster (the first part of the workload key); others are refused. Absent: every cluster.'),
      groupId: z.string().min(1).default('sluice-enforcer').describe('Consumer group of the enforcer role.'),
      rememberIds: z.number().int().min(1).default(10_000).describe('Decision ids remembered as carried out by this process; a repeated record is then already_done.'),
      kubernetes: z
        .strictObject({
          server: z.url({ protocol: /^https?$/ }).optional().describe('API server URL. Absent: in-cluster (https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT).'),
          tokenFile: z.string().min(1).default('/var/run/secrets/kubernetes.io/serviceaccount/token').describe('Bearer token file (re-read on each request, as projected tokens rotate).'),
          caFile: z.string().min(1).optional().describe('CA bundle of the API server. Absent: the in-cluster service account CA when it exists, else the system CAs.'),
          fieldManager: z.string().min(1).max(128).default('sluice-enforcer').describe('Server-side apply field manager.'),
        })
        .prefault({})
        .describe('The Kubernetes API, for target: apply.'),
    })
    .prefault({})
    .superRefine((e, ctx) => {
      if (e.target === 'apply' && e.format === 'networkpolicy' && e.nonBaseline === 'refuse') {
        ctx.addIssue({ code: 'custom', path: ['nonBaseline'], message: 'with format networkpolicy only non_baseline decisions can be enforced: refuse leaves nothing to apply' });
      }
    })
    .describe('The enforcer role: consumes flow_baseline block decisions (topics.enforcement) and turns them into network policies written to a directory or applied; outcomes go to topics.actionResults.'),
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
  KAFKA_COMPRESSION: { path: ['kafka', 'compression'], kind: 'string', doc: 'Producer compression: none (default), gzip, lz4 or snappy.' },
  KAFKA_SASL_MECHANISM: { path: ['kafka', 'sasl', 'mechanism'], kind: 'string', doc: 'plain, scram-sha-256, scram-sha-512 or aws-msk-iam.' },
  KAFKA_SASL_USERNAME: { path: ['kafka', 'sasl', 'username'], kind: 'string', doc: 'SASL user.' },
  KAFKA_SASL_PASSWORD: { path: ['kafka', 'sasl', 'password'], kind: 'string', doc: 'SASL password (mount it from a secret).' },
  KAFKA_SASL_AWS_REGION: { path: ['kafka', 'sasl', 'awsRegion'], kind: 'string', doc: 'aws-msk-iam: region of the MSK cluster.' },
  KAFKA_SASL_AWS_ROLE_ARN: { path: ['kafka', 'sasl', 'awsRoleArn'], kind: 'string', doc: 'aws-msk-iam: IAM role to assume (default: the AWS default credential chain).' },
  KAFKA_TLS_CA_FILE: { path: ['kafka', 'tls', 'caFile'], kind: 'string', doc: 'PEM CA file trusted for the Kafka brokers (turns TLS on).' },
  KAFKA_TLS_CERT_FILE: { path: ['kafka', 'tls', 'certFile'], kind: 'string', doc: 'PEM client certificate for Kafka mutual TLS.' },
  KAFKA_TLS_KEY_FILE: { path: ['kafka', 'tls', 'keyFile'], kind: 'string', doc: 'PEM client key for Kafka mutual TLS.' },
  KAFKA_TLS_KEY_PASSWORD: { path: ['kafka', 'tls', 'keyPassword'], kind: 'string', doc: 'Passphrase of an encrypted KAFKA_TLS_KEY_FILE (mount it from a secret).' },
  SLUICE_ALLOW_LOCAL_SCHEMA_IDS: { path: ['allowLocalSchemaIds'], kind: 'bool', doc: 'true to allow Kafka without a Schema Registry (local schema ids; private or test clusters only).' },
  SCHEMA_REGISTRY_URL: { path: ['schemaRegistry', 'url'], kind: 'string', doc: 'Confluent-compatible Schema Registry URL; enables it.' },
  SCHEMA_REGISTRY_USERNAME: { path: ['schemaRegistry', 'basicAuth', 'username'], kind: 'string', doc: 'Schema Registry basic-auth user (Confluent Cloud API key).' },
  SCHEMA_REGISTRY_PASSWORD: { path: ['schemaRegistry', 'basicAuth', 'password'], kind: 'string', doc: 'Schema Registry basic-auth password (Confluent Cloud API secret; mount it from a secret).' },
  SCHEMA_REGISTRY_CA_FILE: { path: ['schemaRegistry', 'tls', 'caFile'], kind: 'string', doc: 'PEM CA file trusted for the registry.' },
  SCHEMA_REGISTRY_CERT_FILE: { path: ['schemaRegistry', 'tls', 'certFile'], kind: 'string', doc: 'PEM client certificate for the registry (mutual TLS).' },
  SCHEMA_REGISTRY_KEY_FILE: { path: ['schemaRegistry', 'tls', 'keyFile'], kind: 'string', doc: 'PEM client key for the registry (mutual TLS).' },
  SCHEMA_REGISTRY_AUTO_REGISTER: { path: ['schemaRegistry', 'autoRegister'], kind: 'bool', doc: 'false to use pre-registered schemas only (no registration, no config change).' },
  SCHEMA_REGISTRY_COMPATIBILITY: { path: ['schemaRegistry', 'compatibility'], kind: 'string', doc: 'Subject compatibility level Sluice sets when it registers (default BACKWARD).' },
  CLICKHOUSE_URL: { path: ['clickhouse', 'url'], kind: 'string', doc: 'ClickHouse HTTP URL; enables the ClickHouse sink.' },
  CLICKHOUSE_USER: { path: ['clickhouse', 'username'], kind: 'string', doc: 'ClickHouse user of the sink (SELECT and INSERT on the Sluice tables suffice once migrations ran).' },
  CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], kind: 'string', doc: 'ClickHouse password.' },
  CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], kind: 'string', doc: 'ClickHouse database (default sluice).' },
  CLICKHOUSE_MIGRATION_USER: { path: ['clickhouse', 'migration', 'username'], kind: 'string', doc: 'ClickHouse user of `sluice migrate` (DDL); set only on the migrate job.' },
  CLICKHOUSE_MIGRATION_PASSWORD: { path: ['clickhouse', 'migration', 'password'], kind: 'string', doc: 'Password of CLICKHOUSE_MIGRATION_USER (mount it from a secret).' },
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
  SLUICE_TOPIC_PROCESS: { path: ['topics', 'process'], kind: 'string', doc: 'Process activity topic name.' },
  SLUICE_TOPIC_FINDINGS: { path: ['topics', 'findings'], kind: 'string', doc: 'Findings topic name.' },
  SLUICE_TOPIC_CONTROL: { path: ['topics', 'control'], kind: 'string', doc: 'Control topic name.' },
  SLUICE_TOPIC_ACTION_RESULTS: { path: ['topics', 'actionResults'], kind: 'string', doc: 'Remediation action results topic name.' },
  SLUICE_TOPIC_DLQ: { path: ['topics', 'deadLetter'], kind: 'string', doc: 'Dead-letter topic name.' },
  SLUICE_REMEDIATION_WEBHOOK_URL: { path: ['remediation', 'webhookUrl'], kind: 'string', doc: 'Remediation webhook URL.' },
  SLUICE_REMEDIATION_SECRET: { path: ['remediation', 'secret'], kind: 'string', doc: 'HMAC key for remediation webhook requests (mount it from a secret).' },
  SLUICE_ACTIONS_KEY: { path: ['remediation', 'actionsKey'], kind: 'string', doc: 'HMAC key the processor signs action records with and the remediator verifies (mount it from a secret).' },
  SLUICE_REMEDIATION_DRY_RUN: { path: ['remediation', 'dryRun'], kind: 'bool', doc: 'false to let the remediator call the webhook.' },
  SLUICE_ENFORCEMENT_DRY_RUN: { path: ['enforcement', 'dryRun'], kind: 'bool', doc: 'false to let the enforcer write or apply network policies.' },
  SLUICE_ENFORCEMENT_TARGET: { path: ['enforcement', 'target'], kind: 'string', doc: 'Where the enforcer puts policies: directory or apply.' },
  SLUICE_ENFORCEMENT_OUTPUT_DIR: { path: ['enforcement', 'outputDir'], kind: 'string', doc: 'Directory the enforcer writes policies to.' },
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

/** `over` on `base`: plain objects merged key by key, anything else (arrays included) replaced; neither is changed. */
export function deepMerge(base: Plain, over: Plain): Plain {
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
