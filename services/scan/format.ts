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
  for (const e of r.errors) lines.push(`${e.file}  ERROR  ${e.message}`);
  const counts = (Object.entries(r.summary) as Array<[Severity, number]>).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  lines.push(
    `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''} in ${r.resources} resource${r.resources === 1 ? '' : 's'} of ${r.files} file${r.files === 1 ? '' : 's'}` +
      `${r.errors.length ? `, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}; fail-on ${r.fail_on}: exit ${r.exit_code}`,
  );
  return `${lines.join('\n')}\n`;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note' };
/** GitHub code scanning reads `security-severity` (0.1-10) to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', informational: '1.0' };

/** Makes a file name a relative URI reference (forward slashes, no leading ./, percent-encoded). */
function uriOf(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '').split('/').map(encodeURIComponent).join('/');
}

/** A SARIF 2.1.0 log of the report: one run, the rules that fired, one result per violation. */
export function toSarif(r: ScanReport, toolVersion = '0.1.0'): Record<string, unknown> {
  const ruleIds = [...new Set(r.violations.map((v) => v.rule))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const v = r.violations.find((x) => x.rule === id)!;
    return {
      id,
      name: id.split('.').slice(-1)[0]!,
      shortDescription: { text: v.title },
      fullDescription: { text: v.why },
      help: { text: v.fix ?? v.why },
      defaultConfiguration: { level: LEVEL[v.severity] },
      properties: { tags: ['security', ...v.compliance.split('; ').filter(Boolean)], 'security-severity': SECURITY_SEVERITY[v.severity], severity: v.severity },
    };
  });
  const results = r.violations.map((v) => ({
    ruleId: v.rule,
    ruleIndex: index.get(v.rule)!,
    level: LEVEL[v.severity],
    message: { text: `${v.title}: ${v.resource_name ?? v.resource} (${v.resource_type}). Fix: ${v.fix ?? 'see the rule'}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(v.file) },
          ...(v.line !== null && v.line >= 1 ? { region: { startLine: v.line } } : {}),
        },
        logicalLocations: [{ name: v.resource_name ?? v.resource, fullyQualifiedName: v.resource, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'sluiceResource/v1': `${v.resource}#${v.rule}` },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Sluice', informationUri: 'https://github.com/sluice/sluice', version: toolVersion, semanticVersion: toolVersion, rules } },
        invocations: [
          {
            executionSuccessful: r.errors.length === 0,
            toolExecutionNotifications: r.errors.map((e) => ({ level: 'error', message: { text: e.message }, locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(e.file) } } }] })),
          },
        ],
        results,
      },
    ],
  };
}
