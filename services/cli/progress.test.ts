// The terminal progress line of `sluice run`: what it says, that it is throttled and erased, that
// it writes nothing when stderr is not a TTY, and that collectFiles reports after every file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { silentLogger } from '../core/logger.ts';
import { inMemoryTelemetry } from '../core/telemetry-testing.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { awsCloudTrailSpec } from '../collectors/aws_cloudtrail/index.ts';
import { collectFiles, type CollectProgress } from '../collectors/service.ts';
import { resolveConfig } from './config.ts';
import { formatProgress, ProgressLine } from './progress.ts';

const P = (over: Partial<CollectProgress> = {}): CollectProgress => ({ filesDone: 3, filesTotal: 10, bytesDone: 1_200_000, bytesTotal: 4_000_000, read: 12_345, normalized: 12_343, deadLettered: 2, ...over });

test('formatProgress: files, bytes, records with dead letters, the rate and the time left', () => {
  assert.equal(formatProgress(P(), 3000), 'files 3/10 · 1.2 MB/4.0 MB · 12.3k records (2 dead-lettered) · 4115 records/s · ETA 7s');
  assert.equal(formatProgress(P({ deadLettered: 0 }), 500), 'files 3/10 · 1.2 MB/4.0 MB · 12.3k records', 'no rate or ETA in the first second');
  assert.equal(formatProgress(P({ bytesDone: 4_000_000, filesDone: 10 }), 60_000), 'files 10/10 · 4.0 MB/4.0 MB · 12.3k records (2 dead-lettered) · 206 records/s', 'no ETA once done');
  assert.match(formatProgress(P({ bytesDone: 10_000, bytesTotal: 4_000_000_000 }), 3_600_000), /ETA \d+h\d\dm$/);
});

test('ProgressLine: rewrites one line in place at most 4 times a second, always shows the last file, erases it at the end; nothing off a TTY', () => {
  const writes: string[] = [];
  let now = 0;
  const line = new ProgressLine({ isTTY: true, columns: 40, write: (s: string) => writes.push(s) }, () => now);
  line.update(P({ filesDone: 1 }));
  now = 100;
  line.update(P({ filesDone: 2 })); // throttled
  now = 300;
  line.update(P({ filesDone: 3 }));
  now = 310;
  line.update(P({ filesDone: 10, bytesDone: 4_000_000 })); // the last file always shows
  line.done();
  assert.equal(writes.length, 4);
  assert.ok(writes.slice(0, 3).every((w) => w.startsWith('\r\x1b[2K') && w.length <= '\r\x1b[2K'.length + 39), 'cut to the terminal width');
  assert.match(writes[2]!, /files 10\/10/);
  assert.equal(writes[3], '\r\x1b[2K', 'erased');
  const piped: string[] = [];
  const off = new ProgressLine({ isTTY: false, write: (s: string) => piped.push(s) });
  assert.equal(off.active, false);
  off.update(P());
  off.done();
  assert.deepEqual(piped, []);
});

test('collectFiles reports after each input file: counts, bytes and totals', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sample = JSON.parse(readFileSync(new URL('../collectors/aws_cloudtrail/samples/panther-console-logins.json', import.meta.url), 'utf8')) as { Records: unknown[] };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-progress-'));
  try {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({ Records: sample.Records.slice(0, 1) }));
    writeFileSync(b, JSON.stringify({ Records: [...sample.Records.slice(0, 1), { not: 'cloudtrail' }] }));
    const seen: CollectProgress[] = [];
    await collectFiles(
      {
        collector: awsCloudTrailSpec.create({}),
        producer,
        codec,
        deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock),
        topics: config.topics,
        logger: silentLogger(),
        telemetry: inMemoryTelemetry().telemetry,
        onProgress: (p) => seen.push(p),
      },
      [dir],
    );
    const total = statSync(a).size + statSync(b).size;
    assert.deepEqual(
      seen.map((p) => [p.filesDone, p.filesTotal, p.bytesTotal]),
      [
        [1, 2, total],
        [2, 2, total],
      ],
    );
    assert.equal(seen[1]!.bytesDone, total);
    assert.deepEqual([seen[0]!.read, seen[1]!.read, seen[1]!.normalized, seen[1]!.deadLettered], [1, 3, 2, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
