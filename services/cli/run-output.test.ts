/**
 * `sluice run` as a newcomer meets it: an input folder holding LICENSE and README files besides the
 * feeds, and an alert output that refuses one finding. In process, on the embedded log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { captureServer } from '../sinks/alerting/testing.ts';
import { bundledSamples, collectorFor } from './collectors.ts';
import { resolveConfig } from './config.ts';
import { CollectingSink } from './output.ts';
import { renderRunSummary } from './output-run.ts';
import { runPipeline } from './pipeline.ts';

test('sluice run over a folder: LICENSE/README/notes skipped and reported, not dead-lettered; a finding the webhook refuses (400) is dead-lettered by the processor, the others delivered once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-run-output-'));
  const srv = await captureServer((req, res) => {
    const f = JSON.parse(req.body) as { finding_info: { title: string } };
    res.writeHead(f.finding_info.title === 'GuardDuty detector deleted' ? 400 : 200).end();
  });
  try {
    for (const file of bundledSamples()) copyFileSync(file, join(dir, file.split('/').pop()!));
    writeFileSync(join(dir, 'LICENSE'), 'Apache License\nVersion 2.0, January 2004\n');
    writeFileSync(join(dir, 'README.md'), '# Samples\n\nWhere these came from.\n');
    writeFileSync(join(dir, 'SOURCE'), 'https://example.com/dataset\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a feed\n');
    const config = resolveConfig({
      sinks: { webhook: { enabled: true, url: `${srv.base}/hook`, secret: 'run-output-test-secret-0123', minSeverity: 'Medium', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } },
    });
    const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
    const out = new CollectingSink();
    const summary = await runPipeline(ctx, { collector: collectorFor('auto', config), inputs: [dir], sinks: [out], drainTimeoutMs: 90_000 });

    assert.equal(summary.collector.files, 3, 'the three sample feeds were read');
    assert.deepEqual(summary.collector.skippedFiles.map((s) => s.path.split('/').pop()).sort(), ['LICENSE', 'README.md', 'SOURCE', 'notes.txt']);
    assert.equal(summary.collector.deadLettered, 1, 'only the deliberately malformed sample record is dead-lettered at collect');
    assert.equal(summary.collector.byStream.activity, summary.collector.normalized);

    const atLeastMedium = out.findings.filter((f) => ['Critical', 'High', 'Medium'].includes(f.severity));
    const ids = srv.requests.map((r) => (JSON.parse(r.body) as { finding_info: { uid: string } }).finding_info.uid);
    assert.equal(new Set(ids).size, ids.length, 'each finding POSTed once (the 400 is not retried)');
    assert.deepEqual([...ids].sort(), atLeastMedium.map((f) => f.id).sort());
    assert.equal(summary.processor.deadLettered, 1, 'the refused finding went to the dead-letter topic');

    const text = renderRunSummary(summary, out.bySeverity, false);
    assert.match(text, /3 file\(s\), 4 skipped/);
    assert.match(text, /skipped: +4 file\(s\) skipped \(LICENSE, README\.md, SOURCE, notes\.txt\)/);
    assert.match(text, /dead-lettered: 2 \(collect 1, process 1\)/);
    assert.doesNotMatch(text, /hint:/, 'every stream that got records has a detector');
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
