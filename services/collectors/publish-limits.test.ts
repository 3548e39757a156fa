import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { silentLogger } from '../core/logger.ts';
import { inMemoryTelemetry } from '../core/telemetry-testing.ts';
import type { Producer } from '../core/transport.ts';
import { resolveConfig } from '../cli/config.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { classifyProduceError } from '../transports/kafka/transport.ts';
import { awsCloudTrailSpec } from './aws_cloudtrail/index.ts';
import { collectFiles } from './service.ts';

const { KafkaJSProtocolError } = kafkajs as unknown as { KafkaJSProtocolError: new (e: { type: string; code: number; retriable: boolean; message: string }) => Error };

test('kafkajs MESSAGE_TOO_LARGE (also wrapped in retries) is classified as a non-retriable record-too-large error', () => {
  const tooLarge = new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' });
  for (const cause of [tooLarge, Object.assign(new Error('retries exceeded'), { cause: tooLarge })]) {
    const e = classifyProduceError('sluice.activity.v1', cause);
    assert.equal(e.code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
    assert.equal(e.retriable, false);
  }
  const other = classifyProduceError('t', new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'x' }));
  assert.equal(other.code, 'SLUICE_ERR_TRANSPORT_UNAVAILABLE');
  assert.equal(other.retriable, true);
});

test('a record the broker refuses for its size is dead-lettered with the reason, the others published, nothing retried forever', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const real = await log.producer();
  let attempts = 0;
  // A broker whose max.message.bytes is 4 KB.
  const producer: Producer = {
    send: async (topic, messages) => {
      attempts++;
      if (messages.some((m) => (m.value?.length ?? 0) > 4096)) {
        throw classifyProduceError(topic, new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'message too large' }));
      }
      await real.send(topic, messages);
    },
    close: async () => {},
  };
  const sample = JSON.parse(readFileSync(new URL('./aws_cloudtrail/samples/panther-console-logins.json', import.meta.url), 'utf8')) as { Records: Array<Record<string, unknown>> };
  const records = [sample.Records[0]!, { ...sample.Records[0]!, eventID: 'big-one', requestParameters: { blob: 'x'.repeat(20_000) } }, sample.Records[1] ?? sample.Records[0]!];
  const dir = mkdtempSync(join(tmpdir(), 'sluice-too-large-'));
  const file = join(dir, 'ct.json');
  writeFileSync(file, JSON.stringify({ Records: records }));
  const stats = await collectFiles(
    {
      collector: awsCloudTrailSpec.create({ rawCapBytes: 65536 }),
      producer,
      codec,
      deadLetters: new DeadLetterWriter(real, codec, config.topics.deadLetter, clock),
      topics: config.topics,
      logger: silentLogger(),
      telemetry: inMemoryTelemetry().telemetry,
    },
    [file],
  );
  assert.ok(attempts < 10, `${attempts} produce attempts`);
  assert.equal(stats.normalized, 2);
  assert.equal(stats.deadLettered, 1);
  assert.equal(log.readAll(config.topics.activity).length, 2);
  const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.reason_code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
  assert.match(dead[0]!.reason, /bytes encoded: producing to sluice\.activity\.v1 refused: MESSAGE_TOO_LARGE/);
  assert.match(dead[0]!.position, /ct\.json#1$/);
  assert.ok(new SluiceError('SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE').retriable === false);
});
