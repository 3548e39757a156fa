/**
 * Piscina worker of the scan server: parses and evaluates one request's files off the server's
 * event loop, so /healthz and other requests are answered during a large scan.
 */
import { postureRuleSet, scanFiles, type ScanLimitExceeded } from './evaluate.ts';
import type { ScanReport, Severity } from './report.ts';

export interface ScanTask {
  files: Array<{ name: string; content: string }>;
  failOn: Severity;
  packs: string[];
  maxResources: number;
}

export type ScanTaskResult = { ok: true; report: ScanReport } | { ok: false; limit: ScanLimitExceeded };

export default function scanTask(task: ScanTask): ScanTaskResult {
  const files = task.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.content, 'utf8') }));
  const report = scanFiles(files, { failOn: task.failOn, rules: postureRuleSet(task.packs), maxResources: task.maxResources });
  return 'limit' in report ? { ok: false, limit: report.limit } : { ok: true, report };
}
