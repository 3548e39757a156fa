import { SluiceError } from '../../core/errors.ts';
import { SEVERITY, type SeverityName } from '../../core/events.ts';
import { toSarif } from '../../scan/sarif.ts';
import type { ScanReport, Severity, Violation } from '../../scan/report.ts';
import { loadOsvDb } from './db.ts';
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
  return { tool: 'sluice scan', files, resources: r.packages, rules: new Set(violations.map((v) => v.rule)).size, violations, suppressed: [], errors, skipped: [], summary, fail_on: lower(failOn), exit_code: exit };
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
