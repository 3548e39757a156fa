/**
 * Which files of the inputs a collector reads. Files named by the caller are always read; inside a
 * directory, files whose names say they are not feeds (LICENSE, README, NOTICE, SOURCE…, Markdown,
 * source code, images, documents and archives other than gzip, and plain text unless the
 * collector reads text) are skipped and reported, not dead-lettered, and
 * the caller's --include / --exclude globs choose among the rest.
 */
import { stat } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import picomatch from 'picomatch';
import { SluiceError } from '../core/errors.ts';
import { listInputFiles } from './files.ts';

export interface InputFilter {
  /** Globs a file inside a directory must match (any of them) to be read; default: every file. */
  include?: readonly string[];
  /** Globs of files inside directories never read. */
  exclude?: readonly string[];
}

export interface SkippedInput {
  path: string;
  reason: string;
}

export interface SelectedInputs {
  files: string[];
  skipped: SkippedInput[];
}

/** Collectors that read plain-text files (`.txt` is a feed for them). */
const TEXT_READERS = new Set(['vpc_flow_logs']);
/** Collectors that read any file as content (DLP scans every object): no name rule applies. */
const ANY_FILE_READERS = new Set(['object_storage']);

/** Names of repository and documentation files, by stem. */
const DOC_STEM = /^(licen[cs]e|copying|notice|readme|sources?|authors|contributors|changelog|changes|samples)$/i;
/** Source code, images, office documents and archives no collector reads. */
const NOT_FEED_EXT = /\.(ts|tsx|mts|js|mjs|cjs|py|go|rs|java|rb|php|c|h|cc|cpp|hpp|sh|bash|ps1|html?|css|svg|png|jpe?g|gif|ico|webp|pdf|docx?|xlsx?|pptx?|odt|zip|tar|tgz|bz2|xz|7z|rar|exe|dll|so|dylib|class|jar)$/i;
/** Extensions under which even a LICENSE-like stem could be a feed. */
const FEED_EXT = /\.(json|jsonl|ndjson|ya?ml|template|log|csv|gz|parquet)$/i;

/** Why a file found in a directory walk is not a feed by its name, or null when it may be one. */
export function notAFeedReason(path: string, collectorType: string): string | null {
  if (ANY_FILE_READERS.has(collectorType)) return null;
  const name = basename(path);
  if (/\.(md|markdown|rst|adoc)$/i.test(name)) return 'documentation (by extension)';
  const ext = NOT_FEED_EXT.exec(name);
  if (ext) return `a .${ext[1]!.toLowerCase()} file (source code, image, document or archive)`;
  const stem = name.replace(/[-_.].*$/, '');
  if (DOC_STEM.test(stem) && !FEED_EXT.test(name)) return `repository file (${stem.toUpperCase()})`;
  if (/\.txt$/i.test(name) && !TEXT_READERS.has(collectorType)) return `plain text, which the ${collectorType} collector does not read`;
  return null;
}

function matcher(globs: readonly string[] | undefined): ((path: string) => boolean) | undefined {
  if (!globs || globs.length === 0) return undefined;
  for (const g of globs) if (!g.trim()) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'an empty --include/--exclude glob');
  // A glob without a slash matches the base name; with one, the path relative to the input directory.
  const byName = globs.filter((g) => !g.includes('/'));
  const byPath = globs.filter((g) => g.includes('/'));
  const name = byName.length ? picomatch(byName, { dot: true }) : () => false;
  const path = byPath.length ? picomatch(byPath, { dot: true }) : () => false;
  return (rel) => name(basename(rel)) || path(rel);
}

/**
 * Expands the inputs (files and directories, see listInputFiles) and splits them into the files
 * to read and the ones skipped with the reason. Files named by the caller are always read.
 */
export async function selectInputFiles(paths: readonly string[], collectorType: string, filter: InputFilter = {}): Promise<SelectedInputs> {
  const include = matcher(filter.include);
  const exclude = matcher(filter.exclude);
  const visited = new Set<string>();
  const files: string[] = [];
  const skipped: SkippedInput[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      // listInputFiles reports a missing input.
    }
    const listed = await listInputFiles([p], false, visited);
    if (!isDir) {
      files.push(...listed);
      continue;
    }
    for (const file of listed) {
      const rel = relative(p, file).split('\\').join('/');
      if (exclude?.(rel)) skipped.push({ path: file, reason: 'excluded by --exclude' });
      else if (include && !include(rel)) skipped.push({ path: file, reason: 'not matched by --include' });
      else {
        const why = include ? null : notAFeedReason(file, collectorType);
        if (why) skipped.push({ path: file, reason: `not a feed: ${why}` });
        else files.push(file);
      }
    }
  }
  return { files, skipped };
}

/** `3 file(s) skipped (LICENSE, README.md, notes.txt)`; empty when none. */
export function describeSkipped(skipped: readonly SkippedInput[], max = 4): string {
  if (skipped.length === 0) return '';
  const names = skipped.slice(0, max).map((s) => basename(s.path));
  return `${skipped.length} file(s) skipped (${names.join(', ')}${skipped.length > max ? ', …' : ''})`;
}
