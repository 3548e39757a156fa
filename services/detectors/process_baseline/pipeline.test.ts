/**
 * `sluice run` on Tetragon events with process_baseline on: the whole pipeline on the embedded log
 * (tetragon collector -> process and flow topics, Avro -> processor worker threads -> findings).
 * Input: the real process events of test/fixtures/tetragon/ plus one shell started by the real
 * nginx process (built from real events: tests/fixtures.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { createTelemetry } from '../../core/telemetry.ts';
import { collectorFor } from '../../cli/collectors.ts';
import { resolveConfig } from '../../cli/config.ts';
import { CollectingSink } from '../../cli/output.ts';
import { runPipeline } from '../../cli/pipeline.ts';
import { processOf, REAL, variant } from './tests/fixtures.ts';

const fixture = (f: string): string => fileURLToPath(new URL(`../../../test/fixtures/tetragon/${f}`, import.meta.url));

test('sluice run: tetragon process events reach process_baseline through the process topic; flows go to the flow topic', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-process-'));
  try {
    const shell = variant(REAL.bashFromRunc, { binary: '/bin/sh', args: '-c "id"', parent: processOf(REAL.nginxExec), time: '2022-01-19T11:20:00.000Z' });
    const injected = join(dir, 'nginx-shell.jsonl');
    writeFileSync(injected, `${JSON.stringify(shell)}\n`);
    const config = resolveConfig({ detectors: { process_baseline: { enabled: true } } });
    const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
    const out = new CollectingSink();
    const summary = await runPipeline(ctx, {
      collector: collectorFor('tetragon', config),
      inputs: [fixture('security-observability-process.jsonl'), fixture('security-observability-selected.jsonl'), injected],
      sinks: [out],
      drainTimeoutMs: 90_000,
    });
    assert.equal(summary.deadLettered, 0);
    assert.deepEqual(summary.collector.byStream, { process: 30, flow: 6 });
    assert.deepEqual(summary.topology.streams.find((s) => s.name === 'process')?.consumers, ['process_baseline']);
    const got = [...new Map(out.findings.map((f) => [f.id, f])).values()].map((f) => `${f.rule} ${f.severity} ${f.entity.key} ${String(f.evidences[0]?.binary ?? '')}`).sort();
    assert.deepEqual(got, [
      'process_baseline.discovery_ended Informational minikube/tenant-jobs/app/elasticsearch ',
      'process_baseline.new_binary Medium minikube/tenant-jobs/app/elasticsearch /usr/bin/cat',
      'process_baseline.new_binary Medium minikube/tenant-jobs/app/elasticsearch /usr/bin/nc',
      'process_baseline.new_binary Medium minikube/tenant-jobs/app/elasticsearch /usr/bin/sh',
      'process_baseline.shell_from_server High minikube/default/app/privileged-pod /bin/sh',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
