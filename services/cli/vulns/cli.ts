/**
 * The `sluice vulns` commands: their options here, their bodies imported when they run
 * (command.ts: the OSV database and the matcher; db-load.ts and the transport: the advisory topic),
 * so that defining them costs the CLI's start-up nothing.
 */
import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import type { AppContext } from '../../core/app-context.ts';
import { addCommonOptions, type CommonFlags } from '../options.ts';

/** Runs a command body with the app context built from the common flags (main.ts's withContext). */
export type ContextRunner = <T>(flags: CommonFlags, fn: (ctx: AppContext) => Promise<T>) => Promise<T>;

/** `sluice vulns scan` for CI and `sluice vulns db load` onto the advisory topic. */
export function addVulnsCommands(program: Command, withContext: ContextRunner): void {
  const vulns = program.command('vulns').description('Vulnerable packages: SBOMs, purl lists and lockfiles matched against OSV advisories (the vulns detector\'s matching).');
  vulns
    .command('scan')
    .description('Match packages (CycloneDX/SPDX SBOMs, purl lists, package-lock.json, requirements.txt, poetry.lock, go.mod, Cargo.lock) against OSV data. Exit 0 clean, 1 a vulnerability at or above --fail-on, 2 an unreadable input or database.')
    .argument('<inputs...>', 'files or directories')
    .requiredOption('--db <path>', 'OSV data, repeatable: a JSON record, a JSON array, JSONL (plain or gzip), a directory of them, or an osv.dev zip export', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('-f, --format <format>', 'text, json (one line per package and advisory) or sarif', 'text')
    .option('--fail-on <severity>', 'informational, low, medium, high or critical', 'high')
    .option('--default-severity <severity>', 'severity of advisories with neither a CVSS vector nor a database rating', 'medium')
    .action(async (inputs: string[], flags: { db: string[]; format: string; failOn: string; defaultSeverity: string }) => {
      if (flags.format !== 'text' && flags.format !== 'json' && flags.format !== 'sarif') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be text, json or sarif, got ${JSON.stringify(flags.format)}`);
      const { parseSeverity, vulnsScan } = await import('./command.ts');
      process.exitCode = vulnsScan(
        inputs,
        { db: flags.db, format: flags.format, failOn: parseSeverity('--fail-on', flags.failOn), defaultSeverity: parseSeverity('--default-severity', flags.defaultSeverity) },
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(s),
      );
    });

  const db = vulns.command('db').description('The OSV advisories on the advisory topic.');
  addCommonOptions(
    db
      .command('load')
      .description('Publish OSV data (the --db forms of `vulns scan`) onto the advisory topic, incrementally: the topic is read first and only (advisory, package) events that are new or whose `modified` or withdrawal changed are published. Exit 2 when a record could not be read (the others are still published).')
      .argument('<paths...>', 'OSV files or directories'),
  ).action(async (paths: string[], flags: CommonFlags) => {
    const r = await withContext(flags, async (ctx) => {
      if (!ctx.config.kafka) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'vulns db load publishes to Kafka: set KAFKA_BROKERS or --kafka-brokers (for a one-process run use `sluice run --input <sboms> <osv files>`)');
      const [{ createCodec, createTransport }, { loadAdvisories }] = await Promise.all([import('../wiring.ts'), import('./db-load.ts')]);
      const transport = createTransport(ctx);
      try {
        return await loadAdvisories(paths, { transport, codec: await createCodec(ctx), config: ctx.config });
      } finally {
        await transport.close();
      }
    });
    for (const e of r.errors) process.stderr.write(`sluice vulns db load: ERROR ${e.file}: ${e.message}\n`);
    process.stderr.write(`sluice vulns db load: ${r.read} advisory event(s) read, ${r.published} published, ${r.unchanged} unchanged (${r.onTopic} on the topic before)\n`);
    if (r.errors.length > 0) process.exitCode = 2;
  });
}
