import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { RemediatorService } from './service.ts';
import type { ActionResult } from './results.ts';
import { ACTION_SIGNATURE_HEADER, signActionRecord } from '../core/action-signing.ts';
import { startActionReceiver } from '../../test/support/action-receiver.ts';

const ACTIONS_KEY = 'actions-key-0123456789abcdef-0123456789';
/** A record as the processor writes it: signed with the shared actions key. */
const signed = (topic: string, key: string, value: Buffer) => ({ key, value, headers: { [ACTION_SIGNATURE_HEADER]: signActionRecord(ACTIONS_KEY, topic, key, value) } });

test('the remediator POSTs signed actions once, records skips, and dead-letters what is not an action', async () => {
  const receiver = await startActionReceiver();
  const { received, url } = receiver;
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const config = resolveConfig({ remediation: { webhookUrl: url, secret: 'a-test-secret-of-16+', dryRun: false, actionsKey: ACTIONS_KEY }, topics: { partitions: 2 } });
    const log = new EmbeddedLog({ partitions: 2, clock });
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const producer = await log.producer();
    const action = (id: string) => signed(config.topics.actions, 'obj', Buffer.from(JSON.stringify({ id, action: 'quarantine' })));
    await producer.send(config.topics.actions, [action('a-1'), action('a-2'), action('a-1'), signed(config.topics.actions, 'obj', Buffer.from('not json'))]);
    const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock), config, logger: silentLogger() });
    await service.start();
    while (!(await isCaughtUp(log, config.remediation.groupId, config.topics.actions))) await log.waitForChange(20);
    await service.stop();
    assert.deepEqual(received.map((r) => r.id), ['a-1', 'a-2'], 'each action id is sent once');
    assert.ok(received.every((r) => /^sha256=[0-9a-f]{64}$/.test(r.signature ?? '')), 'requests are signed');
    // The actions name `quarantine` without an object: the webhook gets them, the executors refuse them.
    assert.deepEqual(service.stats, { sent: 2, skipped: 1, failed: 0, malformed: 1, unsigned: 0, executors: { done: 0, dry_run: 0, refused: 3, already_done: 0, failed: 0 } });
    const results = log.readAll(config.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
    // Keyed by action id: the results of one action are in order on one partition.
    assert.deepEqual(
      results.map((r) => `${r.action_id} ${r.executor} ${r.outcome}`).sort(),
      ['a-1 s3.quarantine refused', 'a-1 s3.quarantine refused', 'a-1 webhook already_done', 'a-1 webhook done', 'a-2 s3.quarantine refused', 'a-2 webhook done'],
    );
    assert.match(results.find((r) => r.executor === 's3.quarantine')!.reason, /object store null has no executor/);
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.reason_code, 'SLUICE_ERR_INPUT_MALFORMED');
  } finally {
    receiver.close();
  }
});

test('dry-run (the default) calls nothing and records every action as skipped', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ remediation: { webhookUrl: 'http://127.0.0.1:9/never' }, topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  await producer.send(config.topics.actions, [{ key: 'k', value: Buffer.from(JSON.stringify({ id: 'x-1', action: 'delete' })) }]);
  const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock), config, logger: silentLogger() });
  await service.start();
  while (!(await isCaughtUp(log, config.remediation.groupId, config.topics.actions))) await log.waitForChange(20);
  await service.stop();
  assert.deepEqual(service.stats, { sent: 0, skipped: 1, failed: 0, malformed: 0, unsigned: 0, executors: { done: 0, dry_run: 0, refused: 1, already_done: 0, failed: 0 } });
  const results = log.readAll(config.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
  assert.deepEqual(results.map((r) => [r.executor, r.outcome, r.dry_run]), [['webhook', 'dry_run', true], ['s3.delete', 'refused', true]]);
});

test('the remediator acts only on action records signed with the actions key: unsigned and forged ones are dead-lettered, the webhook never called', async () => {
  const receiver = await startActionReceiver();
  const { url } = receiver;
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const config = resolveConfig({ remediation: { webhookUrl: url, secret: 'a-test-secret-of-16+', dryRun: false, actionsKey: ACTIONS_KEY }, topics: { partitions: 1 } });
    const log = new EmbeddedLog({ partitions: 1, clock });
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const producer = await log.producer();
    const body = (id: string) => Buffer.from(JSON.stringify({ id, action: 'delete-bucket' }));
    const topic = config.topics.actions;
    await producer.send(topic, [
      { key: 'obj', value: body('unsigned-1') },
      { key: 'obj', value: body('forged-1'), headers: { [ACTION_SIGNATURE_HEADER]: signActionRecord('an-attacker-key-0123456789abcdef-xyz', topic, 'obj', body('forged-1')) } },
      { key: 'obj', value: body('tampered-1'), headers: { [ACTION_SIGNATURE_HEADER]: signActionRecord(ACTIONS_KEY, topic, 'obj', body('legit-1')) } },
      signed(topic, 'obj', body('legit-1')),
    ]);
    const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock), config, logger: silentLogger() });
    await service.start();
    while (!(await isCaughtUp(log, config.remediation.groupId, topic))) await log.waitForChange(20);
    await service.stop();
    assert.deepEqual(receiver.ids(), ['legit-1'], 'only the signed action reached the webhook');
    assert.equal(service.stats.unsigned, 3);
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.deepEqual(dead.map((d) => d.reason_code), ['SLUICE_ERR_ACTION_SIGNATURE', 'SLUICE_ERR_ACTION_SIGNATURE', 'SLUICE_ERR_ACTION_SIGNATURE']);
    assert.match(dead[0]!.reason, /^unsigned action record/);
    assert.match(dead[1]!.reason, /does not verify/);
    const results = log.readAll(config.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
    assert.deepEqual(results.filter((r) => r.executor === 'none').map((r) => [r.action_id, r.outcome]), [['unsigned-1', 'refused'], ['forged-1', 'refused'], ['tampered-1', 'refused']], 'each unverified record gets a refused result');
  } finally {
    receiver.close();
  }
});

test('acting (dryRun false) needs the actions key', () => {
  assert.throws(() => resolveConfig({ remediation: { webhookUrl: 'http://127.0.0.1:9/x', secret: 'a-test-secret-of-16+', dryRun: false } }), /remediation\.actionsKey: required when dryRun is false/);
});
