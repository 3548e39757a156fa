import type { ScanReport, Severity } from './report.ts';

/** Human text: one block per violation (file:line, severity, rule, resource, why, how to fix) and a summary. */
export function formatText(r: ScanReport): string {
  const lines: string[] = [];
  for (const v of r.violations) {
    lines.push(`${v.file}${v.line !== null ? `:${v.line}` : ''}  ${v.severity.toUpperCase()}  ${v.rule}  ${v.resource_name ?? v.resource} (${v.resource_type})`);
    lines.push(`    ${v.title}`);
    lines.push(`    why: ${v.why}`);
    if (v.fix) lines.push(`    fix: ${v.fix}`);
    if (v.compliance) lines.push(`    maps to: ${v.compliance}`);
  }
  for (const v of r.suppressed) {
    const why = v.suppression.justification ? `: ${v.suppression.justification}` : ' (no reason given)';
    lines.push(`${v.file}${v.line !== null ? `:${v.line}` : ''}  SUPPRESSED  ${v.rule}  ${v.resource_name ?? v.resource}  by ${v.suppression.kind} ${v.suppression.source}${why}`);
  }
  for (const e of r.errors) lines.push(`${e.file}  ERROR  ${e.message}`);
  const counts = (Object.entries(r.summary) as Array<[Severity, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  lines.push(
    `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''} in ${r.resources} resource${r.resources === 1 ? '' : 's'} of ${r.files} file${r.files === 1 ? '' : 's'}` +
      `${r.suppressed.length ? `, ${r.suppressed.length} suppressed` : ''}${r.errors.length ? `, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}; fail-on ${r.fail_on}: exit ${r.exit_code}`,
  );
  return `${lines.join('\n')}\n`;
}
