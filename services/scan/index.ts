/**
 * `sluice scan`: posture rules on infrastructure-as-code before it is deployed. Templates go
 * through the config_files collector, so each resource is the same ConfigState (and the same
 * resource view) as its live counterpart, and the same rules run. See README.md.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isKustomizationFileName, kustomizationReferences } from '../collectors/config_files/kustomize.ts';
import { isDockerfileName } from '../collectors/config_files/dockerfile.ts';
import { isBicepName } from '../collectors/config_files/bicep.ts';
import { bicepCompanionPaths } from '../collectors/config_files/bicep-files.ts';
import { RULE_SEVERITIES } from '../rules/index.ts';
import { postureRuleSet, scanFiles, type ScanFile } from './evaluate.ts';
import { formatText } from './format.ts';
import { toSarif } from './sarif.ts';
import { exitCodeOf, severitySummary, type ScanError, type ScanReport, type Severity } from './report.ts';
import { applyBaseline, BaselineError, readBaseline, writeBaseline } from './suppressions.ts';
import { LiveInputError, readLiveInputs, type LiveInventory } from './drift/live.ts';
import { withDrift } from './drift/scan-report.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { isHelmChartDir, renderHelmChart, type HelmRenderOptions } from './helm.ts';

export { scanFiles, postureRuleSet } from './evaluate.ts';
export type { ScanFile } from './evaluate.ts';
export { formatText } from './format.ts';
export { toSarif, SARIF_SCHEMA_URI } from './sarif.ts';
export type { SarifOptions } from './sarif.ts';
export { exitCodeOf, SEVERITY_RANK } from './report.ts';
export type { ScanReport, Violation, ScanError, Severity, SuppressedViolation, Suppression, SuppressionKind } from './report.ts';
export { readBaseline, writeBaseline, applyBaseline, BaselineError } from './suppressions.ts';
export type { BaselineFile } from './suppressions.ts';
export { buildScanServer } from './server.ts';
export type { ScanServerOptions } from './server.ts';

/** Options of scanCommand (the CLI flags). */
export interface ScanOptions {
  format: 'text' | 'json' | 'sarif';
  failOn: Severity;
  /** Rule packs (default ['@builtin/posture']). */
  packs?: string[];
  /** SARIF: the directory `%SRCROOT%` stands for; files under it get URIs relative to it (default: the git work tree of the working directory, else the working directory). Baseline entries name files relative to it too. */
  srcRoot?: string;
  /** `--rule`: report only these rules (ids or globs). */
  only?: string[];
  /** `--skip-rule`: suppress these rules (ids or globs); reported as suppressed. */
  skipRules?: string[];
  /** `--baseline <file>`: suppress the violations the baseline lists. */
  baseline?: string;
  /** `--create-baseline <file>`: write the current violations as a baseline and exit 0 (2 on read errors). */
  createBaseline?: string;
  /** `--live <paths...>`: AWS Config items to check the templates' resources against (drift; services/scan/drift). */
  live?: string[];
  /** `--live-stack <name>`: CloudFormation drift only against live items of this stack. */
  liveStack?: string;
  /** Helm charts: the helm executable (`--helm`, else $SLUICE_HELM, else PATH) and extra values files (`--helm-values`). */
  helm?: HelmRenderOptions;
}

/** The report with the baseline's violations moved to `suppressed`; the summary and exit code recomputed. */
function withBaseline(report: ScanReport, path: string, srcRoot: string, cwd: string): ScanReport {
  const { kept, suppressed } = applyBaseline(report.violations, readBaseline(path), path, srcRoot, cwd);
  return { ...report, violations: kept, suppressed: [...report.suppressed, ...suppressed], summary: severitySummary(kept), exit_code: exitCodeOf(kept, report.errors, report.fail_on) };
}

const IAC_FILE = /(\.(ya?ml|json|template|tf|tfvars|bicep|bicepparam)(\.gz)?|^Kustomization)$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', '.terraform']);
/** Files read per scan at most (a guard against scanning a whole disk by mistake). */
export const MAX_SCAN_FILES = 20_000;
/** Bytes read per file at most (the config_files collector's own default cap). */
export const MAX_SCAN_FILE_BYTES = 64 * 1024 * 1024;

function walk(dir: string, out: ScanFile[], errors: ScanError[], charts: string[]): void {
  // A Helm chart's templates are Go templates, not YAML: the chart is rendered as a whole (helm.ts).
  if (isHelmChartDir(dir)) {
    charts.push(dir);
    return;
  }
  for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= MAX_SCAN_FILES) return;
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (!SKIP_DIRS.has(d.name)) walk(p, out, errors, charts);
    } else if (d.isFile() && (IAC_FILE.test(d.name) || isDockerfileName(d.name))) {
      try {
        if (statSync(p).size > MAX_SCAN_FILE_BYTES) {
          errors.push({ file: p, message: `file is larger than ${MAX_SCAN_FILE_BYTES} bytes (MAX_SCAN_FILE_BYTES); not read` });
          continue;
        }
        out.push({ name: p, bytes: readFileSync(p), discovered: true });
      } catch (err) {
        errors.push({ file: p, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      }
    }
  }
}

function realOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Reads the named files and the IaC files (yaml, yml, json, template, tf, tf.json, tfvars, bicep,
 * bicepparam, Dockerfiles) under the named directories. A kustomization (kustomization.yaml) is followed: every local file or
 * folder its `resources` / `bases` / `components` / `crds` name is read too, each file once
 * however often it is named; remote bases are not fetched. Folders holding a Helm chart
 * (Chart.yaml beside templates/) are listed in `charts`, not read: `renderScanCharts` renders them.
 */
export function readScanInputs(paths: readonly string[]): { files: ScanFile[]; errors: ScanError[]; charts: string[] } {
  const files: ScanFile[] = [];
  const errors: ScanError[] = [];
  const charts: string[] = [];
  readPaths(paths, files, errors, charts);
  const seen = new Set(files.map((f) => realOf(f.name)));
  const followed = new Set<string>();
  for (let i = 0; i < files.length && files.length < MAX_SCAN_FILES; i++) {
    const k = files[i]!;
    if (isBicepName(k.name) && !followed.has(realOf(k.name))) {
      // a Bicep template named on its own: its local modules and parameters files are read too
      followed.add(realOf(k.name));
      for (const p of bicepCompanionPaths(k.name, k.bytes.toString('utf8'))) {
        if (seen.has(realOf(p))) continue;
        seen.add(realOf(p));
        readPaths([p], files, errors, charts);
      }
      continue;
    }
    if (!isKustomizationFileName(k.name) || followed.has(realOf(k.name))) continue;
    followed.add(realOf(k.name));
    const refs = kustomizationReferences(k.bytes.toString('utf8'));
    for (const ref of refs.local) {
      const target = join(dirname(k.name), ref);
      if (!existsSync(target)) {
        errors.push({ file: k.name, message: `kustomization names ${ref}, which does not exist (${target})` });
        continue;
      }
      const more: ScanFile[] = [];
      readPaths([target], more, errors, charts);
      for (const f of more) {
        const real = realOf(f.name);
        if (seen.has(real)) continue;
        seen.add(real);
        files.push(f);
      }
    }
  }
  return { files, errors, charts: [...new Set(charts)] };
}

/** Renders the charts readScanInputs found (helm template, one at a time) into `files`; failures go to `errors`. */
export async function renderScanCharts(charts: readonly string[], files: ScanFile[], errors: ScanError[], opts: HelmRenderOptions = {}): Promise<void> {
  for (const chart of charts) {
    const r = await renderHelmChart(chart, opts);
    if ('error' in r) errors.push(r.error);
    else files.push(...r.files);
  }
}

function readPaths(paths: readonly string[], files: ScanFile[], errors: ScanError[], charts: string[]): void {
  for (const p of paths) {
    if (!existsSync(p)) {
      errors.push({ file: p, message: 'no such file or directory' });
      continue;
    }
    const st = statSync(p);
    if (st.isDirectory()) walk(p, files, errors, charts);
    else if (!st.isFile()) {
      // A FIFO would block forever and /dev/zero never ends: only regular files are read.
      errors.push({ file: p, message: 'SLUICE_ERR_INPUT_NOT_REGULAR: not a regular file or directory (a FIFO, socket or device); not read' });
    } else if (st.size > MAX_SCAN_FILE_BYTES) {
      errors.push({ file: p, message: `file is ${st.size} bytes, more than ${MAX_SCAN_FILE_BYTES} (MAX_SCAN_FILE_BYTES); not read` });
    } else {
      try {
        files.push({ name: p, bytes: readFileSync(p) });
      } catch (err) {
        errors.push({ file: p, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      }
    }
  }
}

/** The git work tree holding `dir` (the nearest ancestor with a `.git`), else `dir`: the default %SRCROOT%. */
export function workTreeOf(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return resolve(dir);
  }
}

/**
 * `sluice scan <paths...>`: evaluates CloudFormation (YAML with tags, JSON), Terraform source
 * (.tf, .tf.json) and plan JSON, ARM templates, ECS task definitions and Kubernetes manifests
 * (kustomizations followed) with the posture rules and writes the report through `out` as text,
 * JSON or SARIF 2.1.0. Returns the exit code: 0 clean, 1 a violation at or above failOn, 2 a usage
 * error (no paths, bad format or severity, bad pack) or a file that cannot be read or parsed.
 */
export async function scanCommand(paths: string[], options: ScanOptions, out: (s: string) => void): Promise<number> {
  if (paths.length === 0) {
    out('sluice scan: give at least one file or directory\n');
    return 2;
  }
  if (!['text', 'json', 'sarif'].includes(options.format)) {
    out(`sluice scan: --format must be text, json or sarif, got ${String(options.format)}\n`);
    return 2;
  }
  if (!(RULE_SEVERITIES as readonly string[]).includes(options.failOn)) {
    out(`sluice scan: --fail-on must be one of ${RULE_SEVERITIES.join(', ')}, got ${String(options.failOn)}\n`);
    return 2;
  }
  let rules;
  try {
    rules = postureRuleSet(options.packs && options.packs.length > 0 ? options.packs : ['@builtin/posture']);
  } catch (err) {
    out(`sluice scan: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const cwd = process.cwd();
  const srcRoot = options.srcRoot !== undefined ? resolve(cwd, options.srcRoot) : workTreeOf(cwd);
  if ((options.format === 'sarif' || options.baseline || options.createBaseline) && !(existsSync(srcRoot) && statSync(srcRoot).isDirectory())) {
    out(`sluice scan: --src-root must be a directory, got ${srcRoot}\n`);
    return 2;
  }
  if (options.baseline && options.createBaseline) {
    out('sluice scan: --baseline and --create-baseline do not go together\n');
    return 2;
  }
  let live: LiveInventory | undefined;
  if (options.live && options.live.length > 0) {
    try {
      live = readLiveInputs(options.live);
    } catch (err) {
      if (!(err instanceof LiveInputError)) throw err;
      out(`sluice scan: ${err.message}\n`);
      return 2;
    }
  }
  const { files, errors, charts } = readScanInputs(paths);
  await renderScanCharts(charts, files, errors, options.helm);
  const templates: ConfigState[] = [];
  let report = scanFiles(files, { failOn: options.failOn, rules, errors, only: options.only ?? [], skipRules: options.skipRules ?? [], ...(live ? { onResource: (e: ConfigState) => templates.push(e) } : {}) });
  if (live) {
    const sources = new Map(files.filter((f) => /\.tf$/i.test(f.name)).map((f) => [f.name, f.bytes.toString('utf8')] as const));
    report = withDrift(report, templates, live, { only: options.only ?? [], skipRules: options.skipRules ?? [], sources, ...(options.liveStack ? { stackName: options.liveStack } : {}) });
  }
  if (options.createBaseline) {
    const doc = writeBaseline(options.createBaseline, report.violations, srcRoot, cwd);
    out(`sluice scan: wrote a baseline of ${doc.entries.length} violation${doc.entries.length === 1 ? '' : 's'} to ${options.createBaseline}${report.errors.length ? `; ${report.errors.length} file(s) could not be read (exit 2)` : ''}\n`);
    for (const e of report.errors) out(`${e.file}  ERROR  ${e.message}\n`);
    return report.errors.length > 0 ? 2 : 0;
  }
  if (options.baseline) {
    try {
      report = withBaseline(report, options.baseline, srcRoot, cwd);
    } catch (err) {
      if (!(err instanceof BaselineError)) throw err;
      out(`sluice scan: ${err.message}\n`);
      return 2;
    }
  }
  if (options.format === 'json') out(`${JSON.stringify(report, null, 2)}\n`);
  else if (options.format === 'sarif') out(`${JSON.stringify(toSarif(report, { srcRoot, cwd }), null, 2)}\n`);
  else out(formatText(report));
  return report.exit_code;
}
export { runPostureBench } from './bench.ts';
export { checkDrift, driftViolations, readLiveInputs, LiveInputError } from './drift/index.ts';
export type { DriftReport, DriftMatch } from './drift/index.ts';
export { withDrift } from './drift/scan-report.ts';
