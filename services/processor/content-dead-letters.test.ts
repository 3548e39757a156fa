import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { isCaughtUp } from '../core/transport.ts';
import type { ObjectChunk } from '../core/model/object-chunk.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { objectStorageCollector } from '../collectors/object_storage/index.ts';
import { assembleProcessor } from './assemble.ts';

const SECRET = 'AKIAZ7SECRETSENTINEL1 aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETSENTINEL';

test('a detect-stage dead letter of an object_chunk keeps position and reason, never the content', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 1 }, topics: { partitions: 1 }, detectors: { dlp: { enabled: true } } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [], logger: silentLogger(), telemetry: createTelemetry(), clock });
  try {
    const [out] = [...objectStorageCollector({}, { clock }).collect({ name: 'creds.txt', bytes: Buffer.from(`config\n${SECRET}\n`) })];
    assert.ok(out && out.kind === 'event');
    // A chunk the dlp detector refuses (it throws on a negative chunk index): a detect-stage dead letter.
    const broken = { ...(out.event as ObjectChunk), chunk_index: -1 };
    const topic = config.topics.objectChunk;
    await producer.send(topic, [{ key: out.key, value: await codec.encode(topic, SCHEMA_NAMES.objectChunk, broken) }]);
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
    await service.stop();
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.stage, 'detect');
    assert.equal(dead[0]!.reason_code, 'SLUICE_ERR_DETECTOR_FAILED');
    assert.match(dead[0]!.position, /@0$/);
    const raw = dead[0]!.raw.toString('latin1');
    assert.ok(!raw.includes('SECRETSENTINEL'), 'the raw field holds no content');
    assert.ok(!raw.includes(Buffer.from(`config\n${SECRET}\n`).toString('base64')), 'nor its base64');
    assert.match(raw, /"omitted":"content is never dead-lettered","size":\d+/);
    assert.ok(!dead[0]!.reason.includes('SECRETSENTINEL'));
  } finally {
    await pool.close();
  }
});
