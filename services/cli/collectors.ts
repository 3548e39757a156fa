import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Collector } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import { autoCollector } from '../collectors/auto.ts';
import { withFieldCaps } from '../collectors/fields.ts';
import { COLLECTOR_SPECS, collectorSpec } from '../collectors/registry.ts';

const FEED_FILE = /\.(json|jsonl|ndjson|ya?ml|template)(\.gz)?$/;

/** The sample feed files of a samples/ folder (its licence and notes files are not feeds). */
export function sampleFeeds(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => FEED_FILE.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** What `sluice run` replays when no --input is given. */
export function bundledSamples(): string[] {
  return sampleFeeds(fileURLToPath(new URL('../collectors/aws_cloudtrail/samples/', import.meta.url)));
}

export const SOURCE_TYPES: readonly string[] = ['auto', ...COLLECTOR_SPECS.map((s) => s.type)];

/**
 * A collector by type, built from its `collectors.<type>` section of the config (defaults when no
 * config is given); `auto` sniffs each record and picks the collector that recognises it.
 */
export function collectorFor(type: string, app?: SluiceConfig): Collector {
  const configs = app?.collectors ?? {};
  // Every mapped string field is capped (collectors/fields.ts MAX_FIELD_CHARS), truncations counted.
  if (type === 'auto') return withFieldCaps(autoCollector(COLLECTOR_SPECS, configs));
  const spec = collectorSpec(type);
  if (!spec) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown source "${type}"; known: ${SOURCE_TYPES.join(', ')}`);
  }
  return withFieldCaps(spec.create({ ...(configs[type] ?? {}) }));
}
