import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Collector } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { collectorByType, SOURCE_TYPES } from '../collectors/by-type.ts';
import type { CollectorServiceDeps } from '../collectors/service.ts';

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

export { SOURCE_TYPES };

/**
 * A collector by type, built from its `collectors.<type>` section of the config (defaults when no
 * config is given); `auto` sniffs each record and picks the collector that recognises it.
 */
export function collectorFor(type: string, app?: SluiceConfig): Collector {
  return collectorByType(type, app?.collectors ?? {});
}

/** The collector thread's settings for collectFiles: the collector is rebuilt there from `type` and the config. */
export function offThreadFor(type: string, ctx: { config: SluiceConfig }): NonNullable<CollectorServiceDeps['offThread']> {
  return { type, configs: ctx.config.collectors ?? {}, ...ctx.config.collectorThread };
}
