/**
 * Runs every test/shared-data/check-*.ts: the larger checks of the collectors on the whole public
 * sample set in ../shared/data (not shipped with the repository; each check exits 0 with a note
 * when it is absent). `npm run check:shared-data [-- DATA_DIR]`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const checks = readdirSync(dir).filter((f) => /^check-.*\.ts$/.test(f)).sort();
const failed: string[] = [];
for (const check of checks) {
  process.stdout.write(`\n== ${check}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${check}`, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(check);
}
process.stdout.write(`\nshared-data checks: ${checks.length - failed.length} passed, ${failed.length} failed\n`);
process.exit(failed.length ? 1 : 0);
