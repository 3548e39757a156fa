/**
 * The SARIF 2.1.0 log of a scan report (OASIS SARIF 2.1.0; tests validate it against the official
 * JSON schema, test/fixtures/schemas/sarif). Artifact URIs are relative to `%SRCROOT%` (see
 * sarif-uri.ts); the tool's version and informationUri come from package.json.
 */
import { readFileSync } from 'node:fs';
import type { ScanReport, Severity, SuppressionKind, Violation } from './report.ts';
import { artifactLocation, originalUriBaseIds } from './sarif-uri.ts';

/** The `$schema` written into the log: the `$id` of the OASIS SARIF 2.1.0 JSON schema. */
export const SARIF_SCHEMA_URI = 'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json';

/** Options of toSarif. */
export interface SarifOptions {
  /** Absolute directory `%SRCROOT%` stands for (the CLI: --src-root, default the git work tree of the working directory). Absent: names are taken as relative to the repository root. */
  srcRoot?: string;
  /** Directory relative file names were read from (default srcRoot). */
  cwd?: string;
  /** tool.driver.version (default: package.json version). */
  toolVersion?: string;
  /** tool.driver.informationUri, an absolute URI (default: package.json homepage; omitted when there is none). */
  informationUri?: string;
}

interface PackageInfo {
  version: string;
  homepage?: string;
}
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageInfo;

/** An absolute http(s) URI, or undefined (informationUri must be absolute: SARIF §3.19.17). */
function absoluteUri(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note' };
/** GitHub code scanning reads `security-severity` (0.1-10) to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', informational: '1.0' };

/** In-source suppressions (comments, annotations, template metadata) and external ones (baseline, --skip-rule). */
const SARIF_SUPPRESSION_KIND: Record<SuppressionKind, 'inSource' | 'external'> = { comment: 'inSource', annotation: 'inSource', metadata: 'inSource', baseline: 'external', skip_rule: 'external' };

/** A SARIF 2.1.0 log of the report: one run, the rules that fired, one result per violation. */
export function toSarif(r: ScanReport, options: SarifOptions = {}): Record<string, unknown> {
  const version = options.toolVersion ?? PACKAGE.version;
  const informationUri = absoluteUri(options.informationUri ?? PACKAGE.homepage);
  const location = (file: string) => artifactLocation(file, options.srcRoot, options.cwd);
  const all: Violation[] = [...r.violations, ...r.suppressed];
  const ruleIds = [...new Set(all.map((v) => v.rule))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const v = all.find((x) => x.rule === id)!;
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
  const result = (v: Violation) => ({
    ruleId: v.rule,
    ruleIndex: index.get(v.rule)!,
    level: LEVEL[v.severity],
    message: { text: `${v.title}: ${v.resource_name ?? v.resource} (${v.resource_type})${v.drift ? `; template ${v.drift.template_value}, live ${v.drift.live_value} on ${v.drift.live_uid}` : ''}. Fix: ${v.fix ?? 'see the rule'}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: location(v.file),
          ...(v.line !== null && v.line >= 1 ? { region: { startLine: v.line } } : {}),
        },
        logicalLocations: [{ name: v.resource_name ?? v.resource, fullyQualifiedName: v.resource, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'sluiceResource/v1': `${v.resource}#${v.rule}` },
    // IaC-to-live drift (--live): the live resource and both values, at the template's location.
    ...(v.drift ? { relatedLocations: [{ id: 1, message: { text: `live ${v.drift.live_type} (${v.drift.matched_by})` }, logicalLocations: [{ fullyQualifiedName: v.drift.live_uid, kind: 'resource' }] }], properties: { drift: v.drift } } : {}),
  });
  // SARIF §3.35: a suppressed result stays in the log with its suppressions; viewers hide it.
  const results = [
    ...r.violations.map(result),
    ...r.suppressed.map((v) => ({
      ...result(v),
      suppressions: [{ kind: SARIF_SUPPRESSION_KIND[v.suppression.kind], status: 'accepted', justification: v.suppression.justification || '(no reason given)', properties: { sluiceKind: v.suppression.kind, source: v.suppression.source } }],
    })),
  ];
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Sluice', ...(informationUri ? { informationUri } : {}), version, semanticVersion: version, rules } },
        originalUriBaseIds: originalUriBaseIds(options.srcRoot),
        invocations: [
          {
            executionSuccessful: r.errors.length === 0,
            toolExecutionNotifications: r.errors.map((e) => ({ level: 'error', message: { text: e.message }, locations: [{ physicalLocation: { artifactLocation: location(e.file) } }] })),
          },
        ],
        results,
      },
    ],
  };
}
