import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SCHEMA_NAMES } from '../core/events.ts';
import { isCaughtUp } from '../core/transport.ts';
import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../core/action-signing.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { objectStorageCollector } from '../collectors/object_storage/index.ts';
import { RemediatorService } from '../remediation/service.ts';
import { assembleProcessor } from './assemble.ts';
import { startActionReceiver } from '../../test/support/action-receiver.ts';

const ACTIONS_KEY = 'actions-key-0123456789abcdef-0123456789';

test('the processor signs every action record with the actions key; the remediator verifies and acts on it', async () => {
  const receiver = await startActionReceiver();
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({
    processor: { workers: 1 },
    topics: { partitions: 1 },
    detectors: { dlp: { enabled: true, policies: [{ name: 'cards', action: 'quarantine', dataTypes: ['payment_card'], minCount: 1 }] } },
    remediation: { webhookUrl: receiver.url, secret: 'webhook-secret-0123456789', dryRun: false, actionsKey: ACTIONS_KEY },
  });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [], logger: silentLogger(), telemetry: createTelemetry(), clock });
  try {
    const topic = config.topics.objectChunk;
    const outs = [...objectStorageCollector({}, { clock }).collect({ name: 'orders.txt', bytes: Buffer.from('order 1, payment card: 4556737586899855 expires 12/29\n') })];
    for (const o of outs) if (o.kind === 'event') await producer.send(topic, [{ key: o.key, value: await codec.encode(topic, SCHEMA_NAMES.objectChunk, o.event) }]);
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
    await service.stop();
    const actions = log.readAll(config.topics.actions);
    assert.ok(actions.length >= 1, 'the policy produced an action');
    for (const a of actions) {
      assert.match(a.headers[ACTION_SIGNATURE_HEADER] ?? '', /^v1=[0-9a-f]{64}$/);
      assert.equal(actionSignatureProblem(ACTIONS_KEY, config.topics.actions, a.key ?? null, a.value, a.headers[ACTION_SIGNATURE_HEADER]), null);
    }
    const remediator = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock), config, logger: silentLogger() });
    await remediator.start();
    while (!(await isCaughtUp(log, config.remediation.groupId, config.topics.actions))) await log.waitForChange(20);
    await remediator.stop();
    assert.equal(remediator.stats.unsigned, 0);
    assert.equal(receiver.ids().length, actions.length, 'every signed action reached the webhook');
  } finally {
    await pool.close();
    receiver.close();
  }
});
