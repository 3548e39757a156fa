// Sluice test runner.
//   node --import tsx test/run.ts [--unit] [filter...] [--node-test-flag...]
// Finds *.test.ts under services/, test/, loadtest/. Integration tests are named *.int.test.ts.
//   --unit       only the other (unit) tests; starts no services.
//   filter       keep files whose repo-relative path contains any of the given substrings.
//   --other      any other --flag is passed to `node --test` (e.g. --test-name-pattern=foo).
// Without --unit, when an integration test is selected, Kafka + ClickHouse are started once
// (test/support/services.ts) and passed to the test processes as KAFKA_BROKERS / CLICKHOUSE_URL.
// Unit files run two at a time (SLUICE_TEST_CONCURRENCY), then integration files one at a time (--test-concurrency=1). Node's default reporter is kept: spec on a TTY,
// TAP otherwise (ending with `# pass N` / `# fail N`). Exit code = that of `node --test`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
  const unitFiles = files.filter((f) => !isIntegration(f));
  const integrationFiles = files.filter(isIntegration);
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    child?.kill(sig);
    void stopServices().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runFiles = (list: string[], concurrency: number): Promise<number> => {
    child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...nodeFlags, ...list], { cwd: ROOT, env, stdio: 'inherit' });
    const running = child;
    return new Promise<number>((resolve) => {
      running.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
      running.on('error', (e) => {
        console.error(e);
        resolve(1);
      });
    });
  };

  let code = 0;
  // Unit tests start no shared services and use their own temporary folders and ports: two files
  // at a time (SLUICE_TEST_CONCURRENCY), which halves their part of the run on a 2-core machine.
  if (unitFiles.length) {
    const concurrency = Math.max(1, Number(process.env.SLUICE_TEST_CONCURRENCY ?? Math.min(2, availableParallelism())));
    console.log(`# running ${unitFiles.length} unit test file(s), ${concurrency} at a time`);
    code = await runFiles(unitFiles, concurrency);
  }
  // Integration and fault tests share Kafka and ClickHouse (and measure time and memory): one file at a time.
  if (integrationFiles.length) {
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
    console.log(`# running ${integrationFiles.length} integration test file(s), one at a time`);
    const integrationCode = await runFiles(integrationFiles, 1);
    code = code || integrationCode;
  } else {
    console.log('# test services: none (no integration test selected)');
  }
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
