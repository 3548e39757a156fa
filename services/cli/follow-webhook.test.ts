/**
 * `sluice collector k8s_audit --follow webhook` (runWebhookFollowRole, what the CLI calls): real HTTP
 * on port 0, the events on the embedded log (acknowledged on append), or on a producer held back to
 * play a slow Kafka. Stopped through its stop signal as SIGTERM would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import type { Producer, Transport } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { EVENTLIST_FILE, readBytes } from '../../test/fixtures/k8s_audit/load.ts';
import { resolveConfig } from './config.ts';
import { renderWebhookCounts, runWebhookFollowRole, type WebhookFollowStats } from './follow-webhook.ts';
import type { AppContext } from './wiring.ts';

const TOKEN = 'role-token-0123456789abcdef';
const eventList = readBytes(EVENTLIST_FILE);

function context(webhook: Record<string, unknown> | undefined): AppContext {
  const config = resolveConfig({
    log: { level: 'warn' },
    http: { port: 0 },
    collectors: { k8s_audit: { provider: 'EKS', cluster: 'prod-eu-1', ...(webhook ? { webhook } : {}) } },
  });
  return { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
}

const post = async (url: string): Promise<{ status: number; retryAfter: string | null }> => {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: eventList });
  await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
};

/** Starts the role; resolves with its URL, a stop function and the run's result. */
async function start(ctx: AppContext, transport: Transport): Promise<{ url: string; stop: () => Promise<WebhookFollowStats> }> {
  const stop = new AbortController();
  let url = '';
  const running = runWebhookFollowRole(ctx, { stop: stop.signal, transport, onListening: (u) => (url = u) });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  for (let i = 0; i < 500 && url === '' && failed === undefined; i++) await sleep(10);
  if (failed !== undefined) throw failed;
  return {
    url,
    stop: async () => {
      stop.abort();
      return running;
    },
  };
}

describe('k8s_audit webhook role', () => {
  it('publishes each EventList before answering 200; stops on the signal with its counts', async () => {
    const ctx = context({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    const role = await start(ctx, log);
    assert.equal((await post(role.url)).status, 200);
    const published = log.readAll(ctx.config.topics.activity);
    assert.equal(published.length, 4, 'the fixture EventList has 4 events, all on the topic when 200 came back');
    assert.equal((await post(role.url)).status, 200);
    const stats = await role.stop();
    assert.equal(stats.accepted, 2);
    assert.equal(stats.normalized, 8);
    assert.equal(log.readAll(ctx.config.topics.activity).length, 8);
    assert.match(renderWebhookCounts(stats), /webhook requests 2 \(accepted 2, unauthorized 0, overloaded 0/);
  });

  it('a slow Kafka: batches beyond maxInFlightRequests get 503 with Retry-After; all are published once Kafka acknowledges', async () => {
    const ctx = context({ host: '127.0.0.1', port: 0, tokens: [TOKEN], maxInFlightRequests: 1, retryAfterSeconds: 3 });
    const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow: Transport = Object.create(log, {
      producer: {
        value: async (): Promise<Producer> => {
          const inner = await log.producer();
          return { send: async (topic, messages) => (await gate, inner.send(topic, messages)), close: () => inner.close() };
        },
      },
    }) as Transport;
    const role = await start(ctx, slow);
    const first = post(role.url);
    await sleep(100);
    const second = await post(role.url);
    assert.deepEqual(second, { status: 503, retryAfter: '3' });
    open();
    assert.equal((await first).status, 200);
    assert.equal((await post(role.url)).status, 200, 'the retry goes through once Kafka keeps up');
    const stats = await role.stop();
    assert.equal(stats.overloaded, 1);
    assert.equal(log.readAll(ctx.config.topics.activity).length, 8);
  });

  it('needs collectors.k8s_audit.webhook, and Kafka (or a given transport)', async () => {
    await assert.rejects(runWebhookFollowRole(context(undefined), { transport: new EmbeddedLog({ partitions: 1, maxBatchSize: 1, clock: new ManualClock(0) }) }), (e: unknown) => e instanceof SluiceError && /collectors\.k8s_audit\.webhook/.test(e.message));
    await assert.rejects(runWebhookFollowRole(context({ tokens: [TOKEN] })), (e: unknown) => e instanceof SluiceError && /KAFKA_BROKERS/.test(e.message));
  });
});
