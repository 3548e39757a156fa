import { randomUUID } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { startTelemetry } from '../core/telemetry.ts';
import { addCommonOptions, configFromFlags, redactConfig, type CommonFlags } from './options.ts';
import { bundledSamples, collectorFor, SOURCE_TYPES } from './collectors.ts';
import { normalizeFiles } from './normalize.ts';
import { createWriteStream } from 'node:fs';
import { runPipeline, type PipelineSummary } from './pipeline.ts';
import { NdjsonSink } from '../sinks/ndjson/index.ts';
import type { AppContext } from './wiring.ts';
import { publishControl, runCollectorRole, runMigrate, runProcessorRole, runRemediatorRole } from './roles.ts';
import { parseFlowControl } from '../processor/detectors/flow_baseline/index.ts';
import { ApprovalMessage } from '../processor/detectors/config_drift/detector.ts';
import { addDlpCommands, addRuleCommands, addScanCommands } from './offline-commands.ts';

/** Builds a role's context, runs the role, then flushes and stops its telemetry however the role ended. */
async function withContext<T>(flags: CommonFlags, role: string, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = configFromFlags(flags);
  const logger = createLogger(config.log.level);
  const telemetry = startTelemetry({ serviceName: `sluice-${role}`, env: process.env });
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

function printSummary(summary: PipelineSummary, bySeverity: Map<string, number>): void {
  const order = ['Critical', 'High', 'Medium', 'Low', 'Informational'];
  const sev = order.filter((s) => bySeverity.has(s)).map((s) => `${s} ${bySeverity.get(s)}`).join(', ') || 'none';
  const findings = [...bySeverity.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(
    [
      `sluice run: transport ${summary.transport}, ${summary.collector.files} file(s)`,
      `  events in:     ${summary.collector.normalized} (read ${summary.collector.read})`,
      `  findings out:  ${findings} (${sev})`,
      `  dead-lettered: ${summary.deadLettered} (collect ${summary.collector.deadLettered}, process ${summary.processor.deadLettered})`,
      '',
    ].join('\n'),
  );
}

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Stream processing for cloud-security event feeds: collectors -> Kafka -> stateful detectors -> ClickHouse / SIEM.')
    .showHelpAfterError()
    .exitOverride();

  addCommonOptions(
    program
      .command('run')
      .description('Run the whole pipeline in one process: replay files through collector, processor and sinks, print findings as NDJSON, then a summary.'),
  )
    .option('-i, --input <paths...>', 'files or directories to replay (default: the bundled sample feeds)')
    .option('-s, --source <type>', `collector type: ${SOURCE_TYPES.join(', ')}`, 'auto')
    .option('-o, --output <file>', 'write findings NDJSON here instead of stdout')
    .action(async (flags: CommonFlags & { input?: string[]; source: string; output?: string }) => {
      const collector = collectorFor(flags.source);
      const inputs = flags.input ?? bundledSamples();
      const ndjson = new NdjsonSink(flags.output);
      const summary = await withContext(flags, 'run', (ctx) => runPipeline(oneShotContext(ctx), { collector, inputs, sinks: [ndjson] }));
      printSummary(summary, ndjson.bySeverity);
    });

  program
    .command('normalize')
    .description('Print one normalized event per input record as NDJSON (input order); counts go to stderr.')
    .argument('<paths...>', 'files or directories')
    .option('-s, --source <type>', `collector type: ${SOURCE_TYPES.join(', ')}`, 'auto')
    .option('--dead-letters <file>', 'also write rejected records (position, reason, raw prefix) as NDJSON here')
    .action(async (paths: string[], flags: { source: string; deadLetters?: string }) => {
      const dl = flags.deadLetters ? createWriteStream(flags.deadLetters) : undefined;
      try {
        const stats = await normalizeFiles(collectorFor(flags.source), paths, process.stdout, dl);
        process.stderr.write(`read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`);
      } finally {
        dl?.end();
      }
    });

  addCommonOptions(
    program.command('collector').description('Collector role: read files, normalize, publish to Kafka.').argument('<type>', 'collector type'),
  )
    .requiredOption('-i, --input <paths...>', 'files or directories')
    .action(async (type: string, flags: CommonFlags & { input: string[] }) => {
      const stats = await withContext(flags, 'collector', (ctx) => runCollectorRole(ctx, type, flags.input));
      process.stderr.write(`read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`);
    });

  addCommonOptions(program.command('processor').description('Processor role: consumer group running the detectors; writes findings to the sinks.')).action(
    async (flags: CommonFlags) => withContext(flags, 'processor', runProcessorRole),
  );

  addCommonOptions(
    program.command('remediator').description('Remediator role: consumes sluice.actions.v1 and calls the remediation webhook (dry-run unless remediation.dryRun is false).'),
  ).action(async (flags: CommonFlags) => withContext(flags, 'remediator', runRemediatorRole));

  addCommonOptions(program.command('migrate').description('Apply the ClickHouse migrations (idempotent).')).action(async (flags: CommonFlags) =>
    withContext(flags, 'migrate', runMigrate),
  );

  addCommonOptions(program.command('config').description('Validate the configuration and print it resolved, secrets redacted.')).action(
    (flags: CommonFlags) => {
      process.stdout.write(`${JSON.stringify(redactConfig(configFromFlags(flags)), null, 2)}\n`);
    },
  );

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
    parseFlowControl({ type: message.type, scope, mode: message.mode, time: message.time, id: message.id });
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
    ApprovalMessage.parse(message);
    await withContext(flags, 'control', (ctx) => publishControl(ctx, `config_drift/${resource}`, message));
  });

  addRuleCommands(program);
  addDlpCommands(program);
  addScanCommands(program);
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
