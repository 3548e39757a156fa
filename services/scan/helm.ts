/**
 * Helm charts in `sluice scan`: a folder holding `Chart.yaml` is a chart, not a folder of
 * manifests (its `templates/*.yaml` are Go templates, not YAML). The chart is rendered with the
 * Helm 3 CLI (`helm template`, the chart's own values.yaml plus any `--helm-values` files) and the
 * rendered manifests are scanned as the templates they came from (`# Source:` of each document),
 * so a finding names the template file. Lines are those of the rendered document.
 * Without a `helm` binary the chart is a scan error (exit 2) that says so: a chart is never passed
 * over silently.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { ScanFile } from './evaluate.ts';
import type { ScanError } from './report.ts';

/** Rendered output read at most (bytes). */
export const MAX_HELM_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Time one `helm template` may take. */
export const HELM_TIMEOUT_MS = 60_000;
/** The release name and namespace the chart is rendered for. */
export const HELM_RELEASE = 'sluice-scan';

/** True when `dir` is a Helm chart root: a `Chart.yaml` beside a `templates` folder. */
export function isHelmChartDir(dir: string): boolean {
  const templates = join(dir, 'templates');
  return existsSync(join(dir, 'Chart.yaml')) && existsSync(templates) && statSync(templates).isDirectory();
}

/** The helm executable: `explicit`, else $SLUICE_HELM, else `helm` on $PATH; null when none is executable. */
export function helmBinary(explicit?: string): string | null {
  const named = explicit ?? process.env.SLUICE_HELM;
  const candidates = named ? [resolve(named)] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'helm'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not there or not executable: try the next
    }
  }
  return null;
}

/** One rendered document with the chart-relative template path it came from. */
export interface RenderedDocument {
  source: string | null;
  text: string;
}

/** Splits `helm template` output into documents, each with its `# Source: <chart>/<path>` (null when absent). */
export function splitRendered(output: string): RenderedDocument[] {
  const docs: RenderedDocument[] = [];
  for (const part of output.split(/^---[ \t]*$/m)) {
    if (part.trim() === '') continue;
    const source = /^# Source: (.+)$/m.exec(part)?.[1]?.trim() ?? null;
    docs.push({ source, text: part.replace(/^\n/, '') });
  }
  return docs;
}

/** The rendered documents grouped into one scan file per template (named by its path on disk). */
export function renderedFiles(chartDir: string, output: string): ScanFile[] {
  const bySource = new Map<string, string[]>();
  for (const d of splitRendered(output)) {
    // `# Source: mychart/templates/x.yaml` (subcharts: mychart/charts/sub/templates/x.yaml): the first segment is the chart's name.
    const rel = d.source ? d.source.split('/').slice(1).join('/') : 'templates/(rendered)';
    const name = join(chartDir, rel);
    bySource.set(name, [...(bySource.get(name) ?? []), d.text]);
  }
  return [...bySource].map(([name, texts]) => ({ name, bytes: Buffer.from(texts.join('---\n')) }));
}

/** Options of renderHelmChart. */
export interface HelmRenderOptions {
  /** The helm executable (else $SLUICE_HELM, else `helm` on $PATH). */
  helm?: string;
  /** Extra values files (`helm template --values`), after the chart's own values.yaml. */
  values?: readonly string[];
  timeoutMs?: number;
}

/** Renders one chart; the scan files of its templates, or the error that stops it (reported, exit 2). */
export async function renderHelmChart(chartDir: string, opts: HelmRenderOptions = {}): Promise<{ files: ScanFile[] } | { error: ScanError }> {
  const helm = helmBinary(opts.helm);
  if (helm === null) {
    return {
      error: {
        file: chartDir,
        message: 'a Helm chart (Chart.yaml and templates/): rendering it needs the Helm 3 CLI, which was not found (set SLUICE_HELM or put helm on PATH); its templates are not scanned',
      },
    };
  }
  const args = ['template', HELM_RELEASE, chartDir, '--namespace', 'default', ...(opts.values ?? []).flatMap((v) => ['--values', v])];
  return new Promise((done) => {
    execFile(helm, args, { timeout: opts.timeoutMs ?? HELM_TIMEOUT_MS, maxBuffer: MAX_HELM_OUTPUT_BYTES, encoding: 'utf8', env: { ...process.env, HELM_DEBUG: 'false' } }, (err, stdout, stderr) => {
      if (err) {
        const why = (stderr || err.message).trim().split('\n').slice(-3).join(' ').slice(0, 600);
        const killed = (err as { killed?: boolean }).killed ? ` (stopped after ${opts.timeoutMs ?? HELM_TIMEOUT_MS} ms)` : '';
        done({ error: { file: chartDir, message: `helm template failed${killed}: ${why}` } });
        return;
      }
      done({ files: renderedFiles(chartDir, stdout) });
    });
  });
}
