/**
 * What `sluice run`, `normalize` and `collector` print besides the findings: the summary, the
 * skipped input files, and hints for records that no enabled detector reads.
 */
import type { Command } from 'commander';
import type { CollectorRunStats } from '../collectors/service.ts';
import type { InputFilter } from '../collectors/inputs.ts';
import { describeSkipped } from '../collectors/inputs.ts';
import type { DetectorSpec } from '../core/components.ts';
import type { StreamName } from '../core/streams.ts';
import type { Topology } from '../core/topology.ts';
import { DETECTOR_SPECS } from '../detectors/registry.ts';
import type { PipelineSummary } from './pipeline.ts';
import { OUTPUT_FORMATS, severityCounts } from './output.ts';

/** What one record of a stream is called in a sentence. */
const RECORDS: Record<StreamName, string> = {
  activity: 'activity events',
  config: 'configuration states',
  flow: 'network flows',
  object_chunk: 'object chunks',
  image_inventory: 'image inventories',
  advisory: 'advisories',
  process: 'process events',
};

/** `--include`, `--exclude` (repeatable globs) for commands that walk input directories. */
export function addInputFilterOptions(cmd: Command): Command {
  const collect = (value: string, prior: string[] = []): string[] => [...prior, value];
  return cmd
    .option('--include <glob>', 'inside input directories, read only files matching this glob (repeatable; no slash: matched against the file name); also reads files that are skipped by name otherwise', collect)
    .option('--exclude <glob>', 'inside input directories, skip files matching this glob (repeatable)', collect);
}

export function inputFilterFrom(flags: { include?: string[]; exclude?: string[] }): InputFilter {
  return { ...(flags.include ? { include: flags.include } : {}), ...(flags.exclude ? { exclude: flags.exclude } : {}) };
}

/** `--format`, `--no-color` for commands that print findings. */
export function addFormatOptions(cmd: Command): Command {
  return cmd
    .option('-f, --format <format>', `${OUTPUT_FORMATS.join('|')}: table on a terminal, else ndjson (one OCSF JSON finding per line); json is one array`)
    .option('--no-color', 'no colours (also NO_COLOR=1)');
}

/**
 * One hint per stream that received records but has no enabled detector, naming the detectors
 * that would read it: "12 object chunks read, but no enabled detector reads them: enable
 * detectors.dlp (…)".
 */
export function streamHints(topology: Topology, byStream: CollectorRunStats['byStream']): string[] {
  const hints: string[] = [];
  for (const s of topology.streams) {
    const n = byStream[s.name] ?? 0;
    if (n === 0 || s.consumers.length > 0) continue;
    const readers = (DETECTOR_SPECS as readonly DetectorSpec[]).filter((d) => d.stream === s.name || d.alsoReads?.includes(s.name) === true).map((d) => d.name);
    const what = `${n} ${RECORDS[s.name] ?? `${s.name} records`} read`;
    if (readers.length === 0) {
      hints.push(`hint: ${what}, but no detector reads the ${s.name} stream yet; they were published on ${s.topic} only`);
      continue;
    }
    const keys = readers.map((r) => `detectors.${r}`).join(' or ');
    const yaml = `detectors: { ${readers[0]}: { enabled: true } }`;
    hints.push(`hint: ${what}, but no detector that reads them is enabled: enable ${keys} (e.g. --config <file> with \`${yaml}\`)`);
  }
  return hints;
}

/** The summary of `sluice run` (stderr), then the skipped files and the hints. */
export function renderRunSummary(summary: PipelineSummary, bySeverity: ReadonlyMap<string, number>, color: boolean): string {
  const c = summary.collector;
  const findings = [...bySeverity.values()].reduce((a, b) => a + b, 0);
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  const lines = [
    `sluice run: transport ${summary.transport}, ${c.files} file(s)${skipped}`,
    `  events in:     ${c.normalized} (read ${c.read})`,
    `  findings out:  ${findings} (${severityCounts(bySeverity, color)})`,
    `  dead-lettered: ${summary.deadLettered} (collect ${c.deadLettered}, process ${summary.processor.deadLettered})`,
  ];
  if (c.skipped) lines.push(`  skipped:       ${describeSkipped(c.skippedFiles)}: not feeds by name or filtered; --include <glob> reads them`);
  lines.push(...streamHints(summary.topology, c.byStream));
  return `${lines.join('\n')}\n`;
}

/** `read N, normalized M, dead-lettered K[, skipped S file(s) (…)]` for normalize and collector. */
export function renderCounts(stats: { read: number; normalized: number; deadLettered: number; skippedFiles?: CollectorRunStats['skippedFiles'] }): string {
  const skipped = stats.skippedFiles?.length ? `, ${describeSkipped(stats.skippedFiles)}` : '';
  return `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}${skipped}\n`;
}
