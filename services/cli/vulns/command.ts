import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { SEVERITY, type SeverityName } from '../../core/events.ts';
import { toSarif } from '../../scan/sarif.ts';
import type { ScanReport, Severity, Violation } from '../../scan/report.ts';
import { loadOsvDb } from './db.ts';
import { loadAdvisories } from './db-load.ts';
import { addCommonOptions, type CommonFlags } from '../options.ts';
import { createCodec, createTransport, type AppContext } from '../wiring.ts';
import { readInputs } from './inputs.ts';
import { scanPackages, type VulnScanResult } from './scan.ts';

export type VulnScanFormat = 'text' | 'json' | 'sarif';

export interface VulnScanOptions {
  db: readonly string[];
  format: VulnScanFormat;
  failOn: SeverityName;
  defaultSeverity: SeverityName;
}

const SEVERITY_NAMES: Record<string, SeverityName> = { informational: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

export function parseSeverity(flag: string, text: string): SeverityName {
  const s = SEVERITY_NAMES[text.toLowerCase()];
  if (!s) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `${flag} must be one of ${Object.keys(SEVERITY_NAMES).join(', ')}, got ${JSON.stringify(text)}`);
  return s;
}

/** The SARIF writer's report (services/scan): one violation per (package, vulnerability), the vulnerability as the rule. */
export function toScanReport(r: VulnScanResult, files: number, errors: ScanReport['errors'], failOn: SeverityName, exit: 0 | 1 | 2): ScanReport {
  const lower = (s: SeverityName) => s.toLowerCase() as Severity;
  const violations: Violation[] = r.groups.map(({ input, match }) => {
    const p = input.package;
    const fixed = match.affected[0]?.fixedIn ?? null;
    return {
      file: input.file,
      line: input.line,
      resource: p.purl ?? `${p.name}@${p.version ?? ''}`,
      resource_name: `${p.name}@${p.version ?? ''}`,
      resource_type: `${match.rated.ecosystem} package`,
      rule: match.id,
      title: match.rated.summary ?? `${match.id} in ${p.name}`,
      severity: lower(match.severity),
      why: `${p.name} ${p.version ?? ''} is affected by ${[match.id, ...match.related].join(', ')}${match.rated.summary ? `: ${match.rated.summary}` : ''}`,
      fix: fixed ? `Upgrade ${p.name} to ${fixed} or later.` : null,
      compliance: match.related.join('; '),
    };
  });
  const summary = { informational: 0, low: 0, medium: 0, high: 0, critical: 0 } as Record<Severity, number>;
  for (const v of violations) summary[v.severity]++;
  return { tool: 'sluice scan', files, resources: r.packages, rules: new Set(violations.map((v) => v.rule)).size, violations, errors, skipped: [], summary, fail_on: lower(failOn), exit_code: exit };
}

/** Runs `sluice vulns scan`; writes the report with `out` and returns the exit code (0 clean, 1 at or above failOn, 2 errors). */
export function vulnsScan(inputs: readonly string[], opts: VulnScanOptions, out: (s: string) => void, err: (s: string) => void): 0 | 1 | 2 {
  const db = loadOsvDb(opts.db);
  const read = readInputs(inputs);
  const result = scanPackages(read.packages, db, opts.defaultSeverity);
  const errors = [...db.errors, ...read.errors];
  const worst = Math.max(0, ...result.groups.map((g) => SEVERITY[g.match.severity]));
  const exit: 0 | 1 | 2 = errors.length > 0 ? 2 : worst >= SEVERITY[opts.failOn] ? 1 : 0;
  const files = new Set(read.packages.map((p) => p.file)).size;
  if (opts.format === 'json') {
    for (const m of result.matches) out(`${JSON.stringify(m)}\n`);
  } else if (opts.format === 'sarif') {
    out(`${JSON.stringify(toSarif(toScanReport(result, files, errors, opts.failOn, exit)), null, 2)}\n`);
  } else {
    const rows = [...result.groups].sort((a, b) => SEVERITY[b.match.severity] - SEVERITY[a.match.severity] || (a.match.id < b.match.id ? -1 : 1));
    for (const { input, match } of rows) {
      const p = input.package;
      const fixed = match.affected[0]?.fixedIn;
      out(`${match.severity.toUpperCase().padEnd(13)} ${match.id.padEnd(20)} ${p.name} ${p.version} (${match.rated.ecosystem})${fixed ? `  fixed in ${fixed}` : '  no fix'}  [${match.advisories.map((a) => a.id).join(', ')}]  ${input.file}${input.line ? `:${input.line}` : ''}\n`);
      if (match.rated.summary) out(`    ${match.rated.summary}\n`);
    }
  }
  for (const e of errors) err(`sluice vulns scan: ERROR ${e.file}: ${e.message}\n`);
  const counts = (['Critical', 'High', 'Medium', 'Low', 'Informational'] as const).map((s) => [s, result.groups.filter((g) => g.match.severity === s).length] as const).filter(([, n]) => n > 0);
  const skips = Object.entries(result.skips).map(([k, n]) => `${k} ${n}`);
  err(
    `sluice vulns scan: ${result.groups.length} vulnerabilit${result.groups.length === 1 ? 'y' : 'ies'}${counts.length ? ` (${counts.map(([s, n]) => `${s} ${n}`).join(', ')})` : ''} in ${result.packages} package(s) from ${files} input(s)` +
      `${result.unchecked ? `, ${result.unchecked} not checkable (no OSV ecosystem or version)` : ''}; OSV db: ${db.records} record(s) for ${db.byPackage.size} package(s)` +
      `${skips.length ? `; ranges skipped: ${skips.join(', ')}` : ''}${read.skipped.length + db.skipped.length ? `; ${read.skipped.length + db.skipped.length} file(s) skipped` : ''}; fail-on ${opts.failOn}: exit ${exit}\n`,
  );
  return exit;
}

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
    .action((inputs: string[], flags: { db: string[]; format: string; failOn: string; defaultSeverity: string }) => {
      if (flags.format !== 'text' && flags.format !== 'json' && flags.format !== 'sarif') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be text, json or sarif, got ${JSON.stringify(flags.format)}`);
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
