import type { Command } from 'commander';
import { SluiceError } from '../core/errors.ts';
import { readFileSync } from 'node:fs';
import type { DlpConfigInput } from '../detectors/dlp/index.ts';
import { once } from 'node:events';
import type { Severity } from '../scan/report.ts';

/**
 * Commands that work on local files, without the pipeline: rules, policy export, DLP and IaC scans.
 * Each action imports what it runs (the rule compiler, the DLP engine, the scan server) when it runs.
 */

/** `sluice rules import-sigma` and `sluice policy export`. */
export function addRuleCommands(program: Command): void {
  const rules = program.command('rules').description('Detection rule packs.');
  rules
    .command('import-sigma')
    .description('Convert Sigma rules (aws/cloudtrail, azure/activitylogs, kubernetes/audit) into a Sluice rule pack: YAML on stdout, a report of what was not converted on stderr.')
    .argument('<files...>', 'Sigma rule files (.yml/.yaml)')
    .action(async (files: string[]) => {
      const { importSigma } = await import('../rules/sigma/index.ts');
      const { yaml, report } = importSigma(files);
      process.stdout.write(yaml);
      for (const r of report) process.stderr.write(`${r.file}${r.rule ? ` [${r.rule}]` : ''}: ${r.problem}\n`);
      const dropped = report.filter((r) => !r.problem.startsWith('note:')).length;
      process.stderr.write(`sigma import: ${dropped} rule(s) or construct(s) not converted, ${report.length - dropped} note(s)\n`);
    });

  rules
    .command('coverage')
    .description('Print, per source, the catalogue behaviours (services/rules/coverage/) with their covering rules and severities, the ATT&CK techniques covered, the entries with no rule, and how much of each bundled catalogue (TrailDiscover, Stratus Red Team) has an entry; then the posture rules\' count per benchmark (CIS AWS, Azure, GCP, Kubernetes, EKS/GKE/AKS, Pod Security Standards, AWS FSBP...).')
    .option('-f, --format <format>', 'text or json', 'text')
    .option('--summary', 'text: only the per-source and per-catalogue totals')
    .action(async (flags: { format: string; summary?: boolean }) => {
      if (flags.format !== 'text' && flags.format !== 'json') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be text or json, got ${JSON.stringify(flags.format)}`);
      const { coverageReport, formatCoverage, loadCatalogues, loadCoverage, loadRulePacks } = await import('../rules/index.ts');
      const entries = loadCoverage();
      const packs = loadRulePacks(['@builtin/activity']);
      const report = coverageReport(entries, packs, loadCatalogues());
      const { benchmarkCounts, formatBenchmarks } = await import('../rules/coverage.ts');
      const posture = loadRulePacks(['@builtin/posture']).filter((r) => r.input === 'resource');
      const benchmarks = benchmarkCounts(posture);
      if (flags.format === 'json') {
        const severity = new Map(packs.map((r) => [r.id, r.severity]));
        const detailed = entries.map(({ where: _where, ...e }) => ({ ...e, rules: e.rules === 'none' ? [] : e.rules.map((id) => ({ id, severity: severity.get(id) ?? null })) }));
        process.stdout.write(`${JSON.stringify({ ...report, posture: { rules: posture.length, benchmarks }, entries: detailed }, null, 2)}\n`);
      } else {
        process.stdout.write(formatCoverage(report, flags.summary ? {} : { entries, rules: packs }));
        process.stdout.write(formatBenchmarks(benchmarks, posture.length));
      }
      if (report.unknownRules.length > 0) process.exitCode = 1;
    });

  const policy = program.command('policy').description('Network policy from learned workload baselines.');
  policy
    .command('export')
    .description('Learn workload-to-workload baselines from Hubble flow files and print Kubernetes NetworkPolicy or CiliumNetworkPolicy YAML for one namespace.')
    .requiredOption('-n, --namespace <ns>', 'namespace to write policies for')
    .requiredOption('-i, --input <paths...>', 'Hubble flow files or directories (JSON lines)')
    .option('-f, --format <format>', 'networkpolicy or cilium', 'networkpolicy')
    .option('--cluster <name>', 'cluster name for workload identities')
    .action(async (flags: { namespace: string; input: string[]; format: string; cluster?: string }) => {
      if (flags.format !== 'networkpolicy' && flags.format !== 'cilium') {
        throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be networkpolicy or cilium, got ${JSON.stringify(flags.format)}`);
      }
      const { policyExportCommand } = await import('./policy-export.ts');
      const yaml = await policyExportCommand({ namespace: flags.namespace, format: flags.format, input: flags.input, ...(flags.cluster ? { cluster: flags.cluster } : {}) });
      process.stdout.write(yaml);
    });
}

const SEVERITY_IDS: Record<string, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** `sluice dlp scan <paths...>`: masked findings as NDJSON on stdout, a summary on stderr. */
export function addDlpCommands(program: Command): void {
  const dlp = program.command('dlp').description('Data loss prevention scanning.');
  dlp
    .command('scan')
    .description('Scan local files through the dlp detector (same chunking and code path as object storage) and print masked findings as NDJSON; raw matched values are never printed.')
    .argument('<paths...>', 'files or directories')
    .option('--chunk-bytes <n>', 'bytes per chunk (as the object_storage collector)', (v) => Number(v))
    .option('--no-verdicts', 'do not print the per-object verdict findings')
    .option('--no-actions', 'do not print policy action events')
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity is found (informational|low|medium|high|critical)')
    .option('-c, --config <file>', 'YAML file whose detectors.dlp section configures the scan')
    .action(async (paths: string[], flags: { chunkBytes?: number; verdicts: boolean; actions: boolean; failOn?: string; config?: string }) => {
      const failOn = flags.failOn === undefined ? undefined : SEVERITY_IDS[flags.failOn.toLowerCase()];
      if (flags.failOn !== undefined && failOn === undefined) {
        throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--fail-on must be one of ${Object.keys(SEVERITY_IDS).join(', ')}`);
      }
      const [{ parse: parseYaml }, { dlpScanPaths }] = await Promise.all([import('yaml'), import('./dlp-scan.ts')]);
      const config = flags.config ? ((parseYaml(readFileSync(flags.config, 'utf8')) as { detectors?: { dlp?: DlpConfigInput } } | null)?.detectors?.dlp ?? {}) : undefined;
      const summary = await dlpScanPaths(
        paths,
        { ...(config ? { config } : {}), ...(flags.chunkBytes ? { chunkBytes: flags.chunkBytes } : {}), verdicts: flags.verdicts, actions: flags.actions },
        (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
      );
      process.stderr.write(
        `dlp scan: ${summary.objects} object(s), ${summary.bytes} bytes, ${summary.findings} finding(s), ${summary.verdicts} verdict(s), ${summary.actions} action(s), ${summary.skipped.length} skipped, ${summary.rejected.length} unreadable\n`,
      );
      if (failOn !== undefined && summary.highestSeverityId >= failOn) process.exitCode = 1;
    });
}

/** `sluice scan` (shift-left IaC scanning) and `sluice scan-server` (the same over HTTP). */
export function addScanCommands(program: Command): void {
  program
    .command('scan')
    .description('Evaluate CloudFormation, Terraform (HCL and plan JSON), ARM, Kubernetes manifests, kustomize folders, Helm charts (rendered with helm), ECS task definitions and Dockerfiles with the posture rules used on live config. Exit 0 clean, 1 violation at or above --fail-on, 2 usage or parse error.')
    .argument('<paths...>', 'template files or directories')
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('--fail-on <severity>', 'informational, low, medium, high or critical', 'high')
    .option('--pack <dirs...>', 'rule pack directories (default: the bundled posture pack)')
    .option('--src-root <dir>', 'SARIF and baselines: the source root %SRCROOT% stands for; files under it get relative URIs and baseline entries relative paths (default: the git work tree of the working directory, else the working directory)')
    .option('--rule <ids...>', 'report only these rules (ids or globs such as posture.aws.s3.*)')
    .option('--skip-rule <ids...>', 'suppress these rules (ids or globs); listed as suppressed, not counted')
    .option('--baseline <file>', 'suppress the violations this baseline lists (written by --create-baseline): only new ones count')
    .option('--create-baseline <file>', 'write the current violations as a baseline and exit 0 (2 when a file cannot be read)')
    .option('--live <paths...>', 'AWS Config items (files or directories: items, snapshots, history, API responses, NDJSON): report where a template resource\'s live configuration differs on a security attribute (rules drift.<attribute>; any drift exits 1; an unreadable input exits 2)')
    .option('--live-stack <name>', 'with --live: match CloudFormation resources only to live items of this stack (aws:cloudformation:stack-name)')
    .option('--helm <path>', 'Helm charts (a folder with Chart.yaml and templates/) are rendered with `helm template`: the helm executable (default: $SLUICE_HELM, else helm on PATH; none found: the chart is an error, exit 2)')
    .option('--helm-values <files...>', 'values files passed to `helm template --values` for every chart, after its own values.yaml')
    .addHelpText(
      'after',
      '\nIn the source: `# sluice:skip=<rule>[,<rule>] <reason>` in the block of a resource or right above it (HCL, YAML),\n' +
        'Kubernetes annotation `sluice.dev/skip: "<rule> <reason>"`, CloudFormation `Metadata: { sluice: { skip: [{ rule, reason }] } }`.\n' +
        'Suppressed violations stay in the output (text SUPPRESSED lines, JSON `suppressed`, SARIF `suppressions`). See docs/shift-left.md.',
    )
    .action(async (paths: string[], flags: { format: string; failOn: string; pack?: string[]; srcRoot?: string; rule?: string[]; skipRule?: string[]; baseline?: string; createBaseline?: string; live?: string[]; liveStack?: string; helm?: string; helmValues?: string[] }) => {
      const format = flags.format;
      const failOn = flags.failOn.toLowerCase();
      if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be text, json or sarif, got ${JSON.stringify(format)}`);
      if (!(failOn in SEVERITY_IDS)) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--fail-on must be one of ${Object.keys(SEVERITY_IDS).join(', ')}`);
      const { scanCommand } = await import('../scan/index.ts');
      process.exitCode = await scanCommand(
        paths,
        {
          format,
          failOn: failOn as Severity,
          ...(flags.pack ? { packs: flags.pack } : {}),
          ...(flags.srcRoot ? { srcRoot: flags.srcRoot } : {}),
          ...(flags.rule ? { only: flags.rule } : {}),
          ...(flags.skipRule ? { skipRules: flags.skipRule } : {}),
          ...(flags.baseline ? { baseline: flags.baseline } : {}),
          ...(flags.createBaseline ? { createBaseline: flags.createBaseline } : {}),
          ...(flags.live ? { live: flags.live } : {}),
          ...(flags.liveStack ? { liveStack: flags.liveStack } : {}),
          ...(flags.helm || flags.helmValues ? { helm: { ...(flags.helm ? { helm: flags.helm } : {}), ...(flags.helmValues ? { values: flags.helmValues } : {}) } } : {}),
        },
        (s) => process.stdout.write(s),
      );
    });

  program
    .command('scan-server')
    .description('Serve POST /v1/scan (bearer token from SLUICE_SCAN_TOKEN, at least 16 characters) for inline CI integration.')
    .option('-p, --port <port>', 'port', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--body-limit <bytes>', 'largest request body', '5242880')
    .action(async (flags: { port: string; host: string; bodyLimit: string }) => {
      const token = process.env.SLUICE_SCAN_TOKEN;
      if (!token || token.length < 16) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'set SLUICE_SCAN_TOKEN (at least 16 characters) to serve /v1/scan');
      const { buildScanServer } = await import('../scan/server.ts');
      const app = buildScanServer({ token, bodyLimitBytes: Number(flags.bodyLimit) });
      const address = await app.listen({ port: Number(flags.port), host: flags.host });
      process.stderr.write(`sluice scan-server: listening on ${address}\n`);
      await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
      await app.close();
    });
}
