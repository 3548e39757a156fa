/**
 * The `sluice scan` half of `npm run bench -- posture`: files per second and resources per second
 * for Terraform HCL and for YAML (Kubernetes manifests and kustomize, OpenShift, CloudFormation
 * YAML), read from disk and evaluated as `sluice scan <dir>` does (readScanInputs + scanFiles with
 * the bundled posture pack; report formatting left out). The corpora are `copies` copies of the
 * config_files test fixtures (test/fixtures/config_files, authored by the project), each copy in its
 * own folder so every Terraform module is resolved on its own, as in a repository of many modules.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postureRuleSet, scanFiles } from './evaluate.ts';
import { readScanInputs } from './index.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/config_files/', import.meta.url));

/** The fixture folders and files of each corpus, relative to FIXTURES (broken inputs left out). */
export const SCAN_CORPORA = {
  hcl: ['terraform-hcl/aws-bad', 'terraform-hcl/aws-good', 'terraform-hcl/azure-bad', 'terraform-hcl/azure-good', 'terraform-hcl/json'],
  yaml: ['k8s/workloads.yaml', 'kustomize', 'openshift/scc.yaml', 'cfn/public-bucket.yaml', 'ecs/service.yaml'],
} as const;

export interface ScanBenchResult {
  corpus: keyof typeof SCAN_CORPORA;
  files: number;
  bytes: number;
  resources: number;
  violations: number;
  errors: number;
  seconds: number;
  /** CPU seconds of the process over the scan (user + system): steadier than wall time on a loaded machine. */
  cpuSeconds: number;
  filesPerSecond: number;
  filesPerCpuSecond: number;
  resourcesPerCpuSecond: number;
  resourcesPerSecond: number;
  megabytesPerSecond: number;
}

/** Copies the corpus `copies` times under `dir` (one folder per copy); returns the root. */
export function buildScanCorpus(corpus: keyof typeof SCAN_CORPORA, copies: number, dir: string): string {
  const root = join(dir, corpus);
  for (let i = 0; i < copies; i++) {
    for (const rel of SCAN_CORPORA[corpus]) {
      const target = join(root, `copy-${String(i).padStart(4, '0')}`, rel);
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(FIXTURES, rel), target, { recursive: true });
    }
  }
  return root;
}

/** Bytes of the files under p (directory entries themselves not counted). */
function size(p: string): number {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((n, c) => n + size(join(p, c)), 0) : st.isFile() ? st.size : 0;
}

/** Scans one corpus directory the way `sluice scan <dir>` does; the rule set is compiled beforehand. */
export function timeScan(corpus: keyof typeof SCAN_CORPORA, root: string): ScanBenchResult {
  const rules = postureRuleSet();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const { files, errors } = readScanInputs([root]);
  const report = scanFiles(files, { failOn: 'high', rules, errors });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const bytes = size(root);
  return {
    corpus,
    files: report.files,
    bytes,
    resources: report.resources,
    violations: report.violations.length,
    errors: report.errors.length,
    seconds: Number(seconds.toFixed(3)),
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    filesPerSecond: Math.round(report.files / seconds),
    filesPerCpuSecond: Math.round(report.files / cpuSeconds),
    resourcesPerCpuSecond: Math.round(report.resources / cpuSeconds),
    resourcesPerSecond: Math.round(report.resources / seconds),
    megabytesPerSecond: Number((bytes / 1e6 / seconds).toFixed(2)),
  };
}

/** Builds both corpora, scans each once to warm up and once timed, prints a line each and returns the figures. */
export function runScanBench(copies: number): ScanBenchResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-scan-bench-'));
  try {
    const out: ScanBenchResult[] = [];
    for (const corpus of Object.keys(SCAN_CORPORA) as Array<keyof typeof SCAN_CORPORA>) {
      const root = buildScanCorpus(corpus, copies, dir);
      timeScan(corpus, root);
      const r = timeScan(corpus, root);
      console.log(
        `scan ${corpus}: ${r.filesPerSecond} files/s, ${r.resourcesPerSecond} resources/s, ${r.megabytesPerSecond} MB/s on one thread; per CPU-second ${r.filesPerCpuSecond} files, ${r.resourcesPerCpuSecond} resources (${r.files} files, ${r.resources} resources, ${r.violations} violations, ${r.errors} errors in ${r.seconds} s)`,
      );
      out.push(r);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
