/**
 * `sluice run` on SBOMs plus OSV advisories: the whole pipeline on the embedded log (sbom and osv
 * collectors -> image_inventory and advisory topics -> processor worker threads -> findings),
 * both orders of arrival. The detector's README names the expected findings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { createTelemetry } from '../../core/telemetry.ts';
import { collectorFor } from '../../cli/collectors.ts';
import { resolveConfig } from '../../cli/config.ts';
import { CollectingSink } from '../../cli/output.ts';
import { runPipeline } from '../../cli/pipeline.ts';
import { FIXTURES } from './testing.ts';

const path = (p: string) => fileURLToPath(new URL(p, FIXTURES));

for (const order of ['SBOM first', 'advisories first'] as const) {
  test(`sluice run, ${order}: OCSF 2002 findings, one per (image, package, vulnerability)`, { timeout: 120_000 }, async () => {
    const config = resolveConfig({});
    const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
    const out = new CollectingSink();
    const inputs = [path('sbom/python-go-app.cdx.json'), path('osv/pypi-sample.jsonl'), path('osv/go-sample.jsonl'), path('osv/GHSA-rwv7-3v45-hg29.derived.json')];
    const summary = await runPipeline(ctx, { collector: collectorFor('auto', config), inputs: order === 'SBOM first' ? inputs : [...inputs.slice(1), inputs[0]!], sinks: [out], drainTimeoutMs: 90_000 });
    assert.equal(summary.processor.deadLettered, 0);
    assert.ok(out.findings.every((f) => f.class_uid === 2002 && f.detector === 'vulns'));
    const latest = new Map(out.findings.map((f) => [f.id, f]));
    assert.deepEqual([...latest.values()].map((f) => `${f.rule} ${f.severity}`).sort(), [
      'CVE-2005-4644 Medium',
      'CVE-2019-17545 Critical',
      'CVE-2021-25288 Critical',
      'CVE-2022-0811 Medium',
      'CVE-2022-24302 Medium',
      'CVE-2023-23931 Medium',
    ]);
    assert.equal(summary.topology.detectors.find((d) => d.name === 'vulns')?.alsoReads.join(), 'image_inventory');
    for (const stream of ['image_inventory', 'advisory']) assert.deepEqual(summary.topology.streams.find((s) => s.name === stream)?.consumers, ['vulns'], `${stream} is read by vulns`);
  });
}
