import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { MemoryKeyedState } from '../core/state.ts';
import { resolveConfig } from '../cli/config.ts';
import { DETECTOR_SPECS, enabledSpecs, loadDetectors } from './registry.ts';

const DIR = new URL('./', import.meta.url);

test('every detector folder has its spec in the registry, named after the folder and its implementation', async () => {
  const folders = readdirSync(DIR).filter((f) => statSync(new URL(`./${f}`, DIR)).isDirectory() && readdirSync(new URL(`./${f}`, DIR)).includes('spec.ts'));
  assert.deepEqual(DETECTOR_SPECS.map((s) => s.name).sort(), folders.sort());
  for (const spec of DETECTOR_SPECS) {
    const full = (await import(`./${spec.name}/index.ts`)) as Record<string, unknown>;
    // index.ts re-exports the very spec the registry lists, and the name its findings carry.
    assert.equal(Object.values(full).find((v) => v === spec), spec, `${spec.name}/index.ts exports the registry's spec`);
    assert.equal(full.DETECTOR_NAME, spec.name);
  }
});

test('loadDetectors builds the enabled detectors, in registry order', async () => {
  const config = resolveConfig({ detectors: { event_count: { enabled: true }, vulns: { enabled: false } } }).detectors;
  const built = await loadDetectors(config, { clock: { now: () => 0 }, stateFor: () => new MemoryKeyedState(), emit: () => undefined });
  assert.deepEqual(
    built.map((b) => b.spec.name),
    enabledSpecs(config).map((s) => s.name),
  );
  assert.ok(built.some((b) => b.spec.name === 'event_count') && !built.some((b) => b.spec.name === 'vulns'));
  for (const b of built) assert.equal(b.detector.name, b.spec.name);
});
