/**
 * `npm run dashboards`: writes deploy/grafana/dashboards/<uid>.json from dashboards.ts.
 * `--check` exits 1 when a file differs from what would be written (used by the tests).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardFiles } from './dashboards.ts';

export const DASHBOARDS_DIR = fileURLToPath(new URL('./dashboards/', import.meta.url));

/** The names of the files that differ from what dashboards.ts gives, or are extra or missing. */
export function staleDashboards(dir: string = DASHBOARDS_DIR): string[] {
  const want = dashboardFiles();
  const have = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const stale = have.filter((f) => !want.has(f));
  for (const [name, text] of want) {
    let current = '';
    try {
      current = readFileSync(join(dir, name), 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) stale.push(name);
  }
  return stale.sort();
}

function main(): void {
  if (process.argv.includes('--check')) {
    const stale = staleDashboards();
    if (stale.length > 0) {
      process.stderr.write(`stale dashboards: ${stale.join(', ')}; run npm run dashboards\n`);
      process.exit(1);
    }
    return;
  }
  const want = dashboardFiles();
  for (const f of readdirSync(DASHBOARDS_DIR)) if (f.endsWith('.json') && !want.has(f)) rmSync(join(DASHBOARDS_DIR, f));
  for (const [name, text] of want) writeFileSync(join(DASHBOARDS_DIR, name), text);
  process.stdout.write(`wrote ${want.size} dashboards to deploy/grafana/dashboards/\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
