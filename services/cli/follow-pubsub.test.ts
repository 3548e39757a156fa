/**
 * `sluice collector gcp_audit --follow pubsub` (runPubSubFollowRole).
 *
 * Said plainly: no Pub/Sub emulator runs here (Google's emulator needs the gcloud SDK and a JVM),
 * so the subscription is a MOCK (FakeSubscription below): an EventEmitter that emits 'message' with
 * objects shaped like @google-cloud/pubsub's Message (id, data, deliveryAttempt, ack(), nack()) and
 * records the acks and nacks. What is checked is the role's contract: the messages' LogEntries are
 * published, and a message is acked only after the transport acknowledged its events. The events
 * go to the embedded log, or to a producer held back or failing to play a slow or broken Kafka.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import type { Producer, Transport } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { STORAGE_FILE } from '../../test/fixtures/gcp_audit/load.ts';
import { nonEmptyLines } from '../../test/fixtures/files.ts';
import type { PubSubMessageLike, PubSubSubscriptionLike } from '../collectors/gcp_audit/pubsub.ts';
import { resolveConfig } from './config.ts';
import { pubSubFollowConfig, renderPubSubCounts, runPubSubFollowRole } from './follow-pubsub.ts';
import type { AppContext } from './wiring.ts';

const ENTRIES = nonEmptyLines(STORAGE_FILE); // 16 audit LogEntries, one per message as a Logging sink sends them

class FakeSubscription extends EventEmitter implements PubSubSubscriptionLike {
  readonly acked: string[] = [];
  readonly nacked: string[] = [];
  closed = false;
  send(id: string, data: string): void {
    const message: PubSubMessageLike = { id, data: Buffer.from(data), deliveryAttempt: 1, ack: () => void this.acked.push(id), nack: () => void this.nacked.push(id) };
    this.emit('message', message);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function context(pubsub: Record<string, unknown> = {}): AppContext {
  const config = resolveConfig({ log: { level: 'warn' }, http: { port: 0 }, collectors: { gcp_audit: { pubsub: { subscription: 'projects/example-project/subscriptions/sluice-audit', flushIntervalMs: 20, ...pubsub } } } });
  return { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
}

function gated(log: EmbeddedLog, behaviour: () => Promise<void>): Transport {
  return Object.create(log, {
    producer: {
      value: async (): Promise<Producer> => {
        const inner = await log.producer();
        return { send: async (topic, messages) => (await behaviour(), inner.send(topic, messages)), close: () => inner.close() };
      },
    },
  }) as Transport;
}

async function start(ctx: AppContext, transport: Transport, sub: FakeSubscription) {
  const stop = new AbortController();
  const running = runPubSubFollowRole(ctx, {}, { stop: stop.signal, transport, subscription: async () => sub });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  for (let i = 0; i < 200 && sub.listenerCount('message') === 0 && failed === undefined; i++) await sleep(10);
  return { running, stop: () => stop.abort(), failed: () => failed };
}

describe('Pub/Sub follow role (mocked subscription)', () => {
  it('publishes each LogEntry and acks a message only after its events were acknowledged', async () => {
    const ctx = context({ batchMessages: 5 });
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const sub = new FakeSubscription();
    const role = await start(ctx, gated(log, () => gate), sub);
    ENTRIES.forEach((e, i) => sub.send(`m${i}`, e));
    await sleep(150);
    assert.deepEqual(sub.acked, [], 'Kafka has not acknowledged: nothing acked');
    assert.equal(log.readAll(ctx.config.topics.activity).length, 0);
    open();
    for (let i = 0; i < 100 && sub.acked.length < ENTRIES.length; i++) await sleep(20);
    assert.equal(sub.acked.length, ENTRIES.length);
    const published = log.readAll(ctx.config.topics.activity).length + log.readAll(ctx.config.topics.deadLetter).length;
    assert.ok(published >= ENTRIES.length, `every entry became an event or a dead letter (${published})`);
    role.stop();
    const stats = await role.running;
    assert.equal(stats.acked, ENTRIES.length);
    assert.equal(stats.rounds, Math.ceil(ENTRIES.length / 5));
    assert.ok(sub.closed, 'the subscription was closed (its queued acks sent)');
    assert.match(renderPubSubCounts(stats), /pubsub messages 16 \(acked 16, nacked 0\)/);
  });

  it('on stop, the messages in hand are published and acked; later ones are nacked', async () => {
    const ctx = context({ flushIntervalMs: 60_000 });
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    const sub = new FakeSubscription();
    const role = await start(ctx, log, sub);
    sub.send('a', ENTRIES[0]!);
    sub.send('b', ENTRIES[1]!);
    role.stop();
    const stats = await role.running;
    sub.send('late', ENTRIES[2]!); // listeners are removed on stop: a real client would not deliver it either
    assert.deepEqual(sub.acked.sort(), ['a', 'b']);
    assert.equal(stats.messages, 2);
  });

  it('a Kafka failure nacks the round (redelivered) and stops the role with the error', async () => {
    const ctx = context();
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    const sub = new FakeSubscription();
    const role = await start(ctx, gated(log, () => Promise.reject(new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', 'broker down'))), sub);
    sub.send('x', ENTRIES[0]!);
    await assert.rejects(role.running, (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_TRANSPORT_UNAVAILABLE');
    assert.deepEqual(sub.nacked, ['x']);
    assert.deepEqual(sub.acked, []);
  });

  it('config: a subscription is required; a malformed one is named', () => {
    const bare: AppContext = { ...context(), config: resolveConfig({ collectors: { gcp_audit: {} } }) };
    assert.throws(() => pubSubFollowConfig(bare, {}), (e: unknown) => e instanceof SluiceError && /--pubsub-subscription/.test(e.message));
    assert.equal(pubSubFollowConfig(bare, { pubsubSubscription: 'sluice-audit' }).subscription, 'sluice-audit');
    assert.throws(() => pubSubFollowConfig(bare, { pubsubSubscription: 'projects/x/subscriptions/y z' }), /subscription/);
  });
});

it('the real client library builds the subscription the role uses (no network until it listens)', async () => {
  const { sdkSubscription } = await import('./follow-pubsub.ts');
  const sub = await sdkSubscription({ ...pubSubFollowConfig(context({ projectId: 'example-project', maxMessages: 7 }), {}) });
  const real = sub as unknown as { name: string; on: unknown; close: () => Promise<void>; removeAllListeners: unknown };
  assert.equal(real.name, 'projects/example-project/subscriptions/sluice-audit');
  assert.equal(typeof real.on, 'function');
  assert.equal(typeof real.removeAllListeners, 'function');
  await real.close();
});
