import type { ScanReport, Severity } from './report.ts';

/** Human text: one block per violation (file:line, severity, rule, resource, why, how to fix) and a summary. */
export function formatText(r: ScanReport): string {
  const lines: string[] = [];
  for (const v of r.violations) {
    lines.push(`${v.file}${v.line !== null ? `:${v.line}` : ''}  ${v.severity.toUpperCase()}  ${v.rule}  ${v.resource_name ?? v.resource} (${v.resource_type})`);
    lines.push(`    ${v.title}`);
    lines.push(`    why: ${v.why}`);
    if (v.drift) lines.push(`    template: ${v.drift.template_value}  live: ${v.drift.live_value}  (${v.drift.live_uid})`);
    if (v.fix) lines.push(`    fix: ${v.fix}`);
    if (v.compliance) lines.push(`    maps to: ${v.compliance}`);
  }
  for (const v of r.suppressed) {
    const why = v.suppression.justification ? `: ${v.suppression.justification}` : ' (no reason given)';
    lines.push(`${v.file}${v.line !== null ? `:${v.line}` : ''}  SUPPRESSED  ${v.rule}  ${v.resource_name ?? v.resource}  by ${v.suppression.kind} ${v.suppression.source}${why}`);
  }
  for (const e of r.errors) lines.push(`${e.file}  ERROR  ${e.message}`);
  if (r.drift) {
    const d = r.drift;
    for (const u of d.unpaired) lines.push(`${u.file}${u.line !== null ? `:${u.line}` : ''}  ${u.status === 'not_matchable' ? 'NOT MATCHABLE' : u.status.toUpperCase()}  ${u.address} (${u.type}): ${u.reason}`);
    lines.push(
      `drift: ${d.live_items} live item${d.live_items === 1 ? '' : 's'} from ${d.live_files} file${d.live_files === 1 ? '' : 's'}${d.live_rejected.length ? ` (${d.live_rejected.length} record${d.live_rejected.length === 1 ? '' : 's'} not configuration items)` : ''}; ` +
        `${d.matched.length} template resource${d.matched.length === 1 ? '' : 's'} matched, ${d.matched.filter((m) => m.differences.length > 0).length} drifted (${d.drifted} attribute${d.drifted === 1 ? '' : 's'}), ` +
        `${d.unpaired.filter((u) => u.status === 'unmatched').length} unmatched, ${d.unpaired.filter((u) => u.status === 'ambiguous').length} ambiguous, ${d.unpaired.filter((u) => u.status === 'not_matchable').length} not matchable`,
    );
  }
  const counts = (Object.entries(r.summary) as Array<[Severity, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  lines.push(
    `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''} in ${r.resources} resource${r.resources === 1 ? '' : 's'} of ${r.files} file${r.files === 1 ? '' : 's'}` +
      `${r.suppressed.length ? `, ${r.suppressed.length} suppressed` : ''}${r.errors.length ? `, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}; fail-on ${r.fail_on}: exit ${r.exit_code}`,
  );
  return `${lines.join('\n')}\n`;
}
