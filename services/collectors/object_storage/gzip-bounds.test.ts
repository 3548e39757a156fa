import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBounded } from '../../../test/support/bounded.ts';

interface Outcome {
  ms: number;
  rssGrowthMb: number;
  chunks: number;
  decoded: number;
  rejects: string[];
}

/**
 * Feeds a corrupt 1 MB gzip to collect() in a worker killed after 20 s, with the collector's default
 * maxObjectBytes, and measures time and the growth of the resident set. `kind` picks the file:
 * 'bomb' (1 GiB of zeros, damaged near the end), 'text' (4.6 MB of log lines, damaged in the
 * middle) or 'cut' (the log lines, truncated).
 */
function corruptGzipRun(kind: 'bomb' | 'text' | 'cut'): Promise<Outcome> {
  return runBounded<Outcome>(
    import.meta.url,
    { collector: './index.ts', clock: '../../core/clock.ts', zlib: 'node:zlib', crypto: 'node:crypto' },
    `async (m) => {
      let gz;
      if ('${kind}' === 'bomb') {
        // 16 gzip members of 64 MiB of zeros each: 1 GiB decoded from about 1 MB.
        const member = m.zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
        gz = Buffer.concat(Array.from({ length: 16 }, () => member));
      } else {
        const lines = [];
        for (let i = 0; lines.length < 60000; i++) lines.push(i + ' ' + m.crypto.createHash('sha1').update(String(i)).digest('hex') + ' GET /api/v1/items?id=' + (i * 7919 % 100003) + ' 200\\n');
        gz = m.zlib.gzipSync(Buffer.from(lines.join('')), { level: 9 });
      }
      if ('${kind}' !== 'bomb') gz = gz.subarray(0, 1024 * 1024);
      if ('${kind}' !== 'cut') {
        const at = '${kind}' === 'bomb' ? gz.length - 64 : Math.floor(gz.length / 2);
        for (let i = at; i < at + 32; i++) gz[i] ^= 0x5a;
      }
      const collector = m.collector.objectStorageCollector({}, { clock: new m.clock.ManualClock(0) });
      globalThis.gc?.();
      const base = process.memoryUsage().rss;
      let peak = 0, chunks = 0, decoded = 0;
      const rejects = [];
      const t0 = performance.now();
      for (const out of collector.collect({ name: 'corrupt.gz', bytes: gz })) {
        const now = process.memoryUsage().rss - base;
        if (now > peak) peak = now;
        if (out.kind === 'event') { chunks++; decoded += out.event.content.length; }
        else rejects.push(out.reason);
      }
      const ms = performance.now() - t0;
      const after = process.memoryUsage().rss - base;
      return { ms, rssGrowthMb: Math.max(peak, after) / 1048576, chunks, decoded, rejects };
    }`,
    { timeoutMs: 20_000, maxHeapMb: 256 },
  );
}

test('a corrupt 1 MB gzip bomb is inflated once and stops at the default maxObjectBytes (bounded time and memory)', async () => {
  const r = await corruptGzipRun('bomb');
  assert.equal(r.rejects.length, 1);
  assert.match(r.rejects[0]!, /^decoded content exceeds maxObjectBytes \(268435456\); gzip inflates past the limit/);
  assert.equal(r.chunks, 0);
  assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
  assert.ok(r.rssGrowthMb < 700, `RSS grew by ${r.rssGrowthMb.toFixed(0)} MiB`);
  console.log(`# corrupt 1 MB gzip bomb (1 GiB of zeros, damaged near the end), default maxObjectBytes: ${r.ms.toFixed(0)} ms, RSS growth ${r.rssGrowthMb.toFixed(0)} MiB, one reject`);
});

test('a 1 MB gzip corrupt in the middle: at most two inflates, then one reject naming the corruption', async () => {
  const r = await corruptGzipRun('text');
  assert.equal(r.rejects.length, 1);
  assert.match(r.rejects[0]!, /^gzip content is corrupt: /);
  assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`);
  assert.ok(r.rssGrowthMb < 200, `RSS grew by ${r.rssGrowthMb.toFixed(0)} MiB`);
  console.log(`# 1 MB gzip corrupt in the middle: ${r.ms.toFixed(0)} ms, RSS growth ${r.rssGrowthMb.toFixed(0)} MiB, ${r.decoded} bytes chunked before the damage`);
});

test('a truncated 1 MB gzip: the whole prefix is chunked (two inflates at most), then one reject', async () => {
  const r = await corruptGzipRun('cut');
  assert.equal(r.rejects.length, 1);
  assert.match(r.rejects[0]!, /^gzip content is corrupt: unexpected end of file/);
  assert.ok(r.decoded > 2 * 1024 * 1024, `${r.decoded} bytes before the cut`);
  assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`);
  console.log(`# truncated 1 MB gzip: ${r.ms.toFixed(0)} ms, ${r.decoded} bytes chunked before the cut`);
});
