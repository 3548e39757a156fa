import type { Collector } from '../core/components.ts';
import { SluiceError } from '../core/errors.ts';
import { awsCloudTrailCollector } from '../collectors/aws_cloudtrail/index.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FEED_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/;

/** The sample feed files of a collector's samples/ folder (its licence and notes files are not feeds). */
export function sampleFeeds(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => FEED_FILE.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Collector types the CLI can run, with their bundled sample feeds. */
export const COLLECTORS: Record<string, { create(): Collector; samples: () => string[] }> = {
  aws_cloudtrail: {
    create: () => awsCloudTrailCollector({}),
    samples: () => sampleFeeds(fileURLToPath(new URL('../collectors/aws_cloudtrail/samples/', import.meta.url))),
  },
};

export function collectorFor(type: string): Collector {
  const spec = COLLECTORS[type];
  if (!spec) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown source "${type}"; known: ${Object.keys(COLLECTORS).join(', ')}`);
  }
  return spec.create();
}
