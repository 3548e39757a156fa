import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { createTelemetry } from '../../core/telemetry.ts';
import { EmbeddedLog } from '../../transports/embedded/log.ts';
import { resolveConfig } from '../config.ts';
import { createCodec } from '../wiring.ts';
import { loadAdvisories } from './db-load.ts';

const FIX = fileURLToPath(new URL('../../detectors/vulns/fixtures/osv/', import.meta.url));

test('db load publishes every advisory event once, then only what changed by modified or withdrawal', async () => {
  const config = resolveConfig({});
  const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
  const transport = new EmbeddedLog({ partitions: config.topics.partitions, maxBatchSize: 500, clock: systemClock });
  const codec = await createCodec(ctx);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-db-load-'));
  try {
    const first = await loadAdvisories([join(FIX, 'pypi-sample.jsonl'), join(FIX, 'go-sample.jsonl')], { transport, codec, config });
    assert.deepEqual({ ...first, errors: first.errors.length }, { read: 10, published: 10, unchanged: 0, onTopic: 0, errors: 0 });

    const again = await loadAdvisories([join(FIX, 'pypi-sample.jsonl'), join(FIX, 'go-sample.jsonl')], { transport, codec, config });
    assert.deepEqual({ read: again.read, published: again.published, unchanged: again.unchanged, onTopic: again.onTopic }, { read: 10, published: 0, unchanged: 10, onTopic: 10 });

    // A refreshed export: one record modified, one withdrawn, one new package record.
    const lines = readFileSync(join(FIX, 'pypi-sample.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    lines[0]!.modified = '2026-01-01T00:00:00Z';
    lines[1]!.withdrawn = lines[1]!.modified;
    writeFileSync(join(dir, 'refresh.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n${readFileSync(join(FIX, 'GHSA-rwv7-3v45-hg29.derived.json'), 'utf8').replace(/\s*\n\s*/g, '')}\n`);
    const refreshed = await loadAdvisories([join(dir, 'refresh.jsonl')], { transport, codec, config });
    assert.deepEqual({ read: refreshed.read, published: refreshed.published, unchanged: refreshed.unchanged }, { read: 9, published: 3, unchanged: 6 });

    const topic = config.topics.advisory;
    const ids: string[] = [];
    await transport.readPartitions(topic, Array.from({ length: config.topics.partitions }, (_, i) => i), (ms) => {
      for (const m of ms) ids.push(m.key ?? '');
    });
    assert.equal(ids.length, 13);
    assert.equal(ids.filter((k) => k === 'PyPI/pillow').length, 4, 'two pillow records, PYSEC-2016-7 again (withdrawn), then the GHSA one: keyed by package');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await transport.close();
  }
});
