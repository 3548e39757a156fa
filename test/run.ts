// Sluice test runner.
//   node --import tsx test/run.ts [--unit] [filter...] [--node-test-flag...]
// Finds *.test.ts under services/, test/, loadtest/. Integration tests are named *.int.test.ts.
//   --unit       only the other (unit) tests; starts no services.
//   filter       keep files whose repo-relative path contains any of the given substrings.
//   --other      any other --flag is passed to `node --test` (e.g. --test-name-pattern=foo).
// Without --unit, when an integration test is selected, Kafka + ClickHouse are started once
// (test/support/services.ts) and passed to the test processes as KAFKA_BROKERS / CLICKHOUSE_URL.
// Files run one at a time (--test-concurrency=1). Node's default reporter is kept: spec on a TTY,
// TAP otherwise (ending with `# pass N` / `# fail N`). Exit code = that of `node --test`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServices, type TestServices } from './support/services.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEARCH_DIRS = ['services', 'test', 'loadtest'];
const SKIP_DIRS = new Set(['node_modules', '.sluice', '.git', 'dist']);

function findTests(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) findTests(path, out);
    } else if (e.isFile() && e.name.endsWith('.test.ts')) {
      out.push(relative(ROOT, path).split(sep).join('/'));
    }
  }
}

const isIntegration = (file: string): boolean => file.endsWith('.int.test.ts');

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unit = args.includes('--unit');
  const nodeFlags = args.filter((a) => a.startsWith('--') && a !== '--unit');
  const filters = args.filter((a) => !a.startsWith('--'));

  const all: string[] = [];
  for (const d of SEARCH_DIRS) findTests(join(ROOT, d), all);
  all.sort();
  const files = all
    .filter((f) => !unit || !isIntegration(f))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
  if (files.length === 0) {
    console.error(`# no ${unit ? 'unit ' : ''}test files${filters.length ? ` match ${filters.join(', ')}` : ''}`);
    return filters.length ? 1 : 0;
  }

  let services: TestServices | null = null;
  let stopping: Promise<void> | null = null;
  const stopServices = (): Promise<void> => (stopping ??= services ? services.stop() : Promise.resolve());
  // Every finding and event rendered to OCSF during the tests is validated against the official schema.
  // Tests run the sources (a stale dist/ from an earlier `npm run build` must not be what they test).
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_OCSF_ASSERT: '1', SLUICE_FROM_SOURCE: '1' };
  if (files.some(isIntegration)) {
    const t0 = Date.now();
    services = await startTestServices();
    console.log(
      `# test services: provider=${services.provider} kafka=${services.kafkaFlavor} ` +
        `KAFKA_BROKERS=${services.kafkaBrokers.join(',')} CLICKHOUSE_URL=${services.clickhouseUrl} ` +
        `(started in ${Date.now() - t0} ms)`,
    );
    console.log(`# kafka: ${services.kafkaDescription}`);
    if (services.fallbackReason) console.log(`# kafka: fallback to the librdkafka mock because ${services.fallbackReason}`);
    Object.assign(env, services.env, {
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      CLICKHOUSE_URL: services.clickhouseUrl,
    });
  } else {
    console.log('# test services: none (no integration test selected)');
  }
  console.log(`# running ${files.length} test file(s)`);

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', ...nodeFlags, ...files],
    { cwd: ROOT, env, stdio: 'inherit' },
  );
  const onSignal = (sig: NodeJS.Signals): void => {
    child.kill(sig);
    void stopServices().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    child.on('error', (e) => {
      console.error(e);
      resolve(1);
    });
  });
  await stopServices();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
