import { randomUUID } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { appTopology, loadConfig } from './config.ts';
import type { SluiceConfig } from '../core/config.ts';
import { describeTopology } from '../core/topology.ts';
import { addCommonOptions, configFromFlags, redactConfig, type CommonFlags } from './options.ts';
import { bundledSamples, collectorFor, offThreadFor, SOURCE_TYPES } from './collectors.ts';
import { normalizeFiles, NORMALIZE_FORMATS, type NormalizeFormat } from './normalize.ts';
import { createWriteStream } from 'node:fs';
import type { PipelineOptions, PipelineSummary } from './pipeline.ts';
import type { NdjsonSink as NdjsonSinkType } from '../sinks/ndjson/index.ts';
import { startDetectorPool } from './early-pool.ts';
import type { AppContext } from './wiring.ts';
import { addDlpCommands, addRuleCommands, addScanCommands } from './offline-commands.ts';
import { readFileSync } from 'node:fs';
import { CollectingSink, colorEnabled, printFindings, resolveFormat } from './output.ts';
import { addFormatOptions, addInputFilterOptions, inputFilterFrom, renderCounts, renderRunSummary } from './output-run.ts';
import { addVulnsCommands } from './vulns/cli.ts';
import type { FollowFlags } from './collector-follow.ts';
import type { FollowRunFlags } from './follow-run.ts';
import { followSourceFor } from './follow-sources.ts';
import { addFindingsCommands } from './findings.ts';
import { addQueryCommand } from './query.ts';

/*
 * Start-up: this module and what it imports statically are loaded by every command, `--help`
 * included, so they hold the command definitions and the component specs only. What a command
 * runs (the pipeline, the roles, Kafka, ClickHouse, OpenTelemetry, the detectors) is imported with
 * import() in its action; `npm run bench -- startup` measures the result.
 */

/** The version of this Sluice (package.json). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds a role's context (from `config` when the caller has read it), runs the role, then flushes and stops its telemetry however the role ended. */
async function withContext<T>(flags: CommonFlags, role: string, fn: (ctx: AppContext) => Promise<T>, config: SluiceConfig = configFromFlags(flags)): Promise<T> {
  const logger = createLogger(config.log.level);
  const { startTelemetry } = await import('../core/telemetry.ts');
  const telemetry = await startTelemetry({ serviceName: `sluice-${role}` });
  for (const warning of telemetry.config?.warnings ?? []) logger.warn({ warning }, 'OpenTelemetry setting ignored');
  try {
    return await fn({ config, logger, clock: systemClock, telemetry });
  } finally {
    await telemetry.shutdown().catch((err: unknown) => logger.warn({ err }, 'telemetry shutdown failed'));
  }
}

/**
 * `sluice run` against a real Kafka must not disturb the long-running processors: it consumes in a
 * consumer group of its own and keeps detector state in memory (no changelog topics written).
 */
function oneShotContext(ctx: AppContext): AppContext {
  if (!ctx.config.kafka) return ctx;
  const processor = { ...ctx.config.processor, groupId: `${ctx.config.processor.groupId}-run-${randomUUID().slice(0, 8)}`, changelog: false };
  ctx.logger.info({ group: processor.groupId }, 'sluice run on Kafka: a one-shot consumer group, state in memory only');
  return { ...ctx, config: Object.freeze({ ...ctx.config, processor }) };
}

function printSummary(summary: PipelineSummary, bySeverity: ReadonlyMap<string, number>, color: boolean): void {
  process.stderr.write(renderRunSummary(summary, bySeverity, color));
}

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Stream processing for cloud-security event feeds: collectors -> Kafka -> stateful detectors -> ClickHouse / SIEM.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  const run = addCommonOptions(
    program
      .command('run')
      .description('Run the whole pipeline in one process: replay files through collector, processor and sinks, print the findings (a table on a terminal, NDJSON otherwise), then a summary.'),
  )
    .option('-i, --input <paths...>', 'files or directories to replay (default: the bundled sample feeds)')
    .option('-s, --source <type>', `collector type: ${SOURCE_TYPES.join(', ')}`, 'auto')
    .option('-o, --output <file>', 'write the findings here instead of stdout (NDJSON unless --format says otherwise)');
  addInputFilterOptions(addFormatOptions(run)).action(
    async (flags: CommonFlags & { input?: string[]; source: string; output?: string; format?: string; color?: boolean; include?: string[]; exclude?: string[] }) => {
      const inputs = flags.input ?? bundledSamples();
      const toTerminal = !flags.output && process.stdout.isTTY === true;
      const format = resolveFormat(flags.format, toTerminal);
      const noColor = flags.color === false;
      const config = configFromFlags(flags);
      const collector = collectorFor(flags.source, config);
      // The detector threads start first: they load the detectors while this thread loads the rest.
      const pool = await startDetectorPool(config);
      let poolTaken = false;
      let out: NdjsonSinkType | CollectingSink;
      let summary: PipelineSummary;
      try {
        const [{ runPipeline }, { NdjsonSink }, { ProgressLine }] = await Promise.all([import('./pipeline.ts'), import('../sinks/ndjson/index.ts'), import('./progress.ts')]);
        const sink = (out = format === 'ndjson' ? new NdjsonSink(flags.output) : new CollectingSink());
        const progress = new ProgressLine(process.stderr);
        summary = await withContext(
          flags,
          'run',
          (ctx) => {
            const options: PipelineOptions = {
              collector,
              offThread: offThreadFor(flags.source, ctx),
              inputs,
              sinks: [sink],
              inputFilter: inputFilterFrom(flags),
              pool,
              ...(progress.active ? { onProgress: (p) => progress.update(p) } : {}),
            };
            const oneShot = oneShotContext(ctx);
            poolTaken = true; // runPipeline closes it from here on
            return runPipeline(oneShot, options);
          },
          config,
        ).finally(() => progress.done());
      } finally {
        if (!poolTaken) await pool.close();
      }
      if (out instanceof CollectingSink) {
        const file = flags.output ? createWriteStream(flags.output) : undefined;
        const stream = file ?? process.stdout;
        await printFindings(stream, out.findings, format === 'json' ? 'json' : 'table', { color: !file && colorEnabled(stream, process.env, noColor), columns: process.stdout.columns });
        if (file) await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
      printSummary(summary, out.bySeverity, colorEnabled(process.stderr, process.env, noColor));
    },
  );

  addInputFilterOptions(program.command('normalize'))
    .description('Print one normalized event per input record as NDJSON (input order); counts go to stderr.')
    .argument('<paths...>', 'files or directories')
    .option('-s, --source <type>', `collector type: ${SOURCE_TYPES.join(', ')}`, 'auto')
    .option('--dead-letters <file>', 'also write rejected records (position, reason, raw prefix) as NDJSON here')
    .option('-c, --config <file>', 'YAML config file whose collectors.<type> sections configure the collectors')
    .option('-f, --format <format>', 'ocsf: API, network and configuration events in OCSF 1.8.0 form; wire: the records as published on the topics (flat names the rules read, unmapped as JSON text)', 'ocsf')
    .action(async (paths: string[], flags: { source: string; deadLetters?: string; config?: string; format: string; include?: string[]; exclude?: string[] }) => {
      if (!NORMALIZE_FORMATS.includes(flags.format as NormalizeFormat)) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be ${NORMALIZE_FORMATS.join(' or ')}, got ${JSON.stringify(flags.format)}`);
      const collector = collectorFor(flags.source, flags.config ? loadConfig({ file: flags.config, env: {} }) : undefined);
      const dl = flags.deadLetters ? createWriteStream(flags.deadLetters) : undefined;
      try {
        const stats = await normalizeFiles(collector, paths, process.stdout, dl, inputFilterFrom(flags), flags.format as NormalizeFormat);
        process.stderr.write(renderCounts(stats));
      } finally {
        dl?.end();
      }
    });

  addInputFilterOptions(
    addCommonOptions(
      program
        .command('collector')
        .description(
          'Collector role: read files, normalize, publish to Kafka; with --follow, run for good on a live source: S3 notifications from SQS (aws_cloudtrail, aws_config, object_storage), ' +
            'Kinesis (aws_cloudtrail), the audit webhook (k8s_audit), Event Hubs (azure_activity), Pub/Sub (gcp_audit), Azure Blob and GCS (object_storage).',
        )
        .argument('<type>', 'collector type'),
    )
      .option('-i, --input <paths...>', 'files or directories (one pass)')
      .option(
        '--follow [source]',
        'run until SIGTERM on a live source: sqs (default for aws_cloudtrail, aws_config, object_storage: S3 object-created notifications), kinesis (aws_cloudtrail via CloudWatch Logs), ' +
          'webhook (k8s_audit), eventhubs (azure_activity), pubsub (gcp_audit), azure-blob (object_storage: a container polled by etag), gcs (object_storage: a bucket polled by generation), iam (aws_account), rescan (aws_config_rescan)',
      )
      .option('--sqs-queue-url <url>', 'with --follow: the SQS queue (or collectors.<type>.sqs.queueUrl)')
      .option('--region <region>', 'with --follow: AWS region of the queue and buckets, or of the Kinesis stream (default: from the queue URL, else AWS_REGION)')
      .option('--sqs-endpoint <url>', 'with --follow: another SQS endpoint (VPC endpoint, emulator)')
      .option('--s3-endpoint <url>', 'with --follow: another S3 endpoint (VPC endpoint, S3-compatible store)')
      .option('--kinesis-stream <name>', 'with --follow kinesis: the stream (or collectors.aws_cloudtrail.kinesis.streamName)')
      .option('--kinesis-endpoint <url>', 'with --follow kinesis: another Kinesis endpoint (VPC endpoint, emulator)')
      .option('--checkpoint-file <path>', 'with --follow kinesis: the per-shard checkpoint file (or collectors.aws_cloudtrail.kinesis.checkpointFile)')
      .option('--pubsub-subscription <name>', 'with --follow pubsub: the subscription (or collectors.gcp_audit.pubsub.subscription)'),
  ).action(async (type: string, flags: CommonFlags & FollowFlags & FollowRunFlags & { input?: string[]; follow?: boolean | string; include?: string[]; exclude?: string[] }) => {
    if (flags.follow) {
      const source = followSourceFor(type, flags.follow);
      if (flags.input) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--follow reads from ${source}: give either --follow or --input`);
      const { runFollow } = await import('./follow-run.ts');
      const summary = await withContext(flags, 'collector', (ctx) => runFollow(ctx, type, source, flags));
      process.stderr.write(summary);
      return;
    }
    if (!flags.input) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', "the collector role needs --input <paths...>, or --follow [source] to run on a live source");
    const input = flags.input;
    const { runCollectorRole } = await import('./roles.ts');
    const stats = await withContext(flags, 'collector', (ctx) => runCollectorRole(ctx, type, input, inputFilterFrom(flags)));
    process.stderr.write(renderCounts(stats));
  });

  addCommonOptions(program.command('processor').description('Processor role: consumer group running the detectors; writes findings to the sinks.')).action(
    async (flags: CommonFlags) => withContext(flags, 'processor', async (ctx) => (await import('./roles.ts')).runProcessorRole(ctx)),
  );

  addCommonOptions(
    program.command('remediator').description('Remediator role: consumes sluice.actions.v1, runs the allowed executors (S3, EC2, IAM, Azure Blob, GCS) and the remediation webhook, writes every outcome to the action-results topic and, with ClickHouse, stores the results in {db}.action_results (dry-run unless remediation.dryRun is false).'),
  ).action(async (flags: CommonFlags) =>
    withContext(flags, 'remediator', async (ctx) => (await import('./roles.ts')).runRemediatorRole(ctx)),
  );

  addCommonOptions(
    program
      .command('enforcer')
      .description('Enforcer role: consumes flow_baseline block decisions (sluice.enforcement.v1), turns each into a CiliumNetworkPolicy or NetworkPolicy written to enforcement.outputDir or server-side applied, and writes every outcome to the action-results topic (dry-run unless enforcement.dryRun is false).'),
  ).action(async (flags: CommonFlags) => withContext(flags, 'enforcer', async (ctx) => (await import('./enforcer.ts')).runEnforcerRole(ctx)));

  addCommonOptions(program.command('migrate').description('Apply the ClickHouse migrations (idempotent).')).action(async (flags: CommonFlags) =>
    withContext(flags, 'migrate', async (ctx) => (await import('./roles.ts')).runMigrate(ctx)),
  );

  addCommonOptions(
    program
      .command('config')
      .description('Validate the configuration and its topology; print the config resolved (secrets redacted) on stdout and the topology on stderr.')
      .option('--topology', 'print the topology (collectors -> streams -> detectors -> sinks, state and side topics) as JSON on stdout instead'),
  ).action(async (flags: CommonFlags & { topology?: boolean }) => {
    const config = configFromFlags(flags);
    const { checkSchemaIdScope } = await import('../core/avro/registry-setup.ts');
    checkSchemaIdScope(config);
    const topology = appTopology(config);
    if (flags.topology) {
      process.stdout.write(`${JSON.stringify(topology, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    process.stderr.write(`${describeTopology(topology).join('\n')}\n`);
  });

  const control = program.command('control').description('Publish control messages for detectors to the control topic (read by every processor).');
  addCommonOptions(
    control
      .command('flow-mode')
      .description('Set the flow_baseline mode (discover, monitor, protect) of a namespace or one workload.')
      .requiredOption('--namespace <ns>', 'namespace')
      .option('--workload <kind/name>', 'one workload (kind/name or name); default: the whole namespace')
      .option('--cluster <name>', 'cluster, when several share the topics')
      .requiredOption('--mode <mode>', 'discover, monitor or protect'),
  ).action(async (flags: CommonFlags & { namespace: string; workload?: string; cluster?: string; mode: string }) => {
    const scope = { namespace: flags.namespace, ...(flags.workload ? { workload: flags.workload } : {}), ...(flags.cluster ? { cluster: flags.cluster } : {}) };
    const message = { detector: 'flow_baseline', type: 'set_mode', scope, mode: flags.mode, time: Date.now(), id: randomUUID() };
    const { parseFlowControl } = await import('../detectors/flow_baseline/control.ts');
    parseFlowControl({ type: message.type, scope, mode: message.mode, time: message.time, id: message.id });
    const { publishControl } = await import('./roles.ts');
    await withContext(flags, 'control', (ctx) => publishControl(ctx, `flow_baseline/${flags.cluster ?? ''}/${flags.namespace}/${flags.workload ?? '*'}`, message));
  });
  const baseline = program.command('baseline').description('Configuration baselines of config_drift.');
  addCommonOptions(
    baseline
      .command('approve')
      .description("Approve a resource's current configuration as its baseline (applied when the resource is next processed).")
      .argument('<resource>', 'resource uid, e.g. an ARN or k8s/<cluster>/<ns>/<kind>/<name>')
      .option('--hash <hash>', 'approve only if the current configuration still has this hash')
      .requiredOption('--by <who>', 'who approves (e-mail or ticket id)'),
  ).action(async (resource: string, flags: CommonFlags & { hash?: string; by: string }) => {
    const message = { detector: 'config_drift', type: 'approve', resource, by: flags.by, time: Date.now(), ...(flags.hash ? { hash: flags.hash } : {}) };
    const { ApprovalMessage } = await import('../detectors/config_drift/detector.ts');
    ApprovalMessage.parse(message);
    const { publishControl } = await import('./roles.ts');
    await withContext(flags, 'control', (ctx) => publishControl(ctx, `config_drift/${resource}`, message));
  });

  addRuleCommands(program);
  addDlpCommands(program);
  addScanCommands(program);
  addVulnsCommands(program, (flags, fn) => withContext(flags, 'vulns', fn));
  addFindingsCommands(program);
  addQueryCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command may set a non-zero status without failing (e.g. `dlp scan --fail-on`).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    err = sluiceErrorIn(err) ?? err;
    if (err instanceof SluiceError) {
      process.stderr.write(`sluice: ${err.code}: ${err.message}\n`);
      return err.code === 'SLUICE_ERR_CONFIG_INVALID' || err.code === 'SLUICE_ERR_INPUT_NOT_FOUND' ? 2 : 1;
    }
    process.stderr.write(`sluice: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/** A SluiceError wrapped by a library (kafkajs keeps it as `originalError` or `cause`), if any. */
function sluiceErrorIn(err: unknown, depth = 0): SluiceError | undefined {
  if (err instanceof SluiceError) return err;
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { cause?: unknown; originalError?: unknown };
  return sluiceErrorIn(e.originalError, depth + 1) ?? sluiceErrorIn(e.cause, depth + 1);
}
