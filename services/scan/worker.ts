/**
 * Piscina worker of the scan server: parses and evaluates one request's files off the server's
 * event loop, so /healthz and other requests are answered during a large scan.
 */
import type { ConfigState } from '../core/model/config-state.ts';
import { collectLive, newestPerResource, type LiveInventory } from './drift/live.ts';
import { withDrift } from './drift/scan-report.ts';
import { postureRuleSet, scanFiles, type ScanLimitExceeded } from './evaluate.ts';
import type { ScanReport, Severity } from './report.ts';

export interface ScanTask {
  files: Array<{ name: string; content: string }>;
  failOn: Severity;
  packs: string[];
  maxResources: number;
  /** AWS Config items to check the templates against (drift, as `sluice scan --live`); absent: no drift check. */
  live?: Array<{ name: string; content: string }>;
  /** With live: CloudFormation drift only against items of this stack. */
  liveStack?: string;
}

export type ScanTaskResult = { ok: true; report: ScanReport } | { ok: false; limit: ScanLimitExceeded } | { ok: false; live: string };

/** The live inventory of a request, or why it cannot be used (no configuration item at all: a drift check against nothing would pass silently). */
function liveInventory(files: NonNullable<ScanTask['live']>): LiveInventory | string {
  const all: ConfigState[] = [];
  const rejected: LiveInventory['rejected'] = [];
  for (const f of files) collectLive(f.name, Buffer.from(f.content, 'utf8'), all, rejected);
  if (all.length === 0) return `live: no AWS Config configuration item in ${files.length} file(s)${rejected[0] ? `; first problem: ${rejected[0].file}: ${rejected[0].reason}` : ''}`;
  return { items: newestPerResource(all), files: files.length, rejected };
}

export default function scanTask(task: ScanTask): ScanTaskResult {
  const live = task.live ? liveInventory(task.live) : undefined;
  if (typeof live === 'string') return { ok: false, live };
  if (live && live.items.length > task.maxResources) return { ok: false, limit: { resources: live.items.length, maxResources: task.maxResources, file: 'live' } };
  const files = task.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.content, 'utf8') }));
  const templates: ConfigState[] = [];
  const report = scanFiles(files, { failOn: task.failOn, rules: postureRuleSet(task.packs), maxResources: task.maxResources, ...(live ? { onResource: (e: ConfigState) => templates.push(e) } : {}) });
  if ('limit' in report) return { ok: false, limit: report.limit };
  if (!live) return { ok: true, report };
  const sources = new Map(task.files.filter((f) => /\.tf$/i.test(f.name)).map((f) => [f.name, f.content] as const));
  return { ok: true, report: withDrift(report, templates, live, { sources, ...(task.liveStack ? { stackName: task.liveStack } : {}) }) };
}
