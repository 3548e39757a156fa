/**
 * `sluice collector azure_activity --follow eventhubs` (runEventHubsFollowRole).
 *
 * Said plainly: no local Event Hubs peer runs here (the Event Hubs emulator is a Docker image, not
 * an npm package), so the consumer client is a FAKE (FakeEventHub below) that behaves as
 * EventHubConsumerClient does for this role: per partition, it starts after the checkpoint the
 * store lists (sequenceNumber + 1), hands batches of at most maxBatchSize events to processEvents,
 * and fetches the next batch only after processEvents resolved. The checkpoint store is the REAL
 * BlobCheckpointStore of @azure/eventhubs-checkpointstore-blob on a REAL local Blob service,
 * **Azurite**, through the storage connection string the role is configured with. The events go to
 * the embedded log (acknowledged on append).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerClient } from '@azure/storage-blob';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import type { Producer, Transport } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { EVENTHUBS_FILE, readBytes } from '../../test/fixtures/azure_activity/load.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzuriteBlob, type AzuriteBlob } from '../../test/support/azurite.ts';
import type { EventHubsClientLike, EventHubsEvent, EventHubsHandlers } from '../collectors/azure_activity/eventhubs.ts';
import { resolveConfig } from './config.ts';
import { eventHubsFollowConfig, renderEventHubsCounts, runEventHubsFollowRole, type ResolvedEventHubsConfig } from './follow-eventhubs.ts';
import type { AppContext } from './wiring.ts';

const NAMESPACE = 'sluice-test.servicebus.windows.net';
const HUB = 'insights-activity-logs';
const RECORDS = (JSON.parse(readBytes(EVENTHUBS_FILE).toString('utf8')) as { records: unknown[] }).records; // 5 records

/** Fake EventHubConsumerClient (see the file comment): partitions of events, a real checkpoint store. */
class FakeEventHub implements EventHubsClientLike {
  readonly partitions = new Map<string, EventHubsEvent[]>();
  constructor(
    private readonly store: BlobCheckpointStore,
    private readonly consumerGroup: string,
  ) {}

  send(partitionId: string, body: unknown): void {
    const list = this.partitions.get(partitionId) ?? [];
    list.push({ body, sequenceNumber: list.length });
    this.partitions.set(partitionId, list);
  }

  subscribe(handlers: EventHubsHandlers, options: Record<string, unknown> = {}): { close(): Promise<void> } {
    let closed = false;
    const max = Number(options.maxBatchSize ?? 10);
    const loop = async (partitionId: string): Promise<void> => {
      const checkpoints = await this.store.listCheckpoints(NAMESPACE, HUB, this.consumerGroup);
      let next = (checkpoints.find((c) => c.partitionId === partitionId)?.sequenceNumber ?? -1) + 1;
      const context = {
        eventHubName: HUB,
        partitionId,
        updateCheckpoint: (e: EventHubsEvent) =>
          this.store.updateCheckpoint({ fullyQualifiedNamespace: NAMESPACE, eventHubName: HUB, consumerGroup: this.consumerGroup, partitionId, sequenceNumber: e.sequenceNumber, offset: String(e.sequenceNumber) }),
      };
      while (!closed) {
        const batch = (this.partitions.get(partitionId) ?? []).slice(next, next + max);
        if (batch.length === 0) {
          await sleep(10);
          continue;
        }
        try {
          await handlers.processEvents(batch, context);
          next += batch.length;
        } catch (err) {
          await handlers.processError(err as Error, context);
          return;
        }
      }
    };
    const loops = [...this.partitions.keys()].map(loop);
    return {
      close: async () => {
        closed = true;
        await Promise.all(loops);
      },
    };
  }

  async close(): Promise<void> {}
}

let azurite: AzuriteBlob;
let storageConnection: string;
before(async () => {
  azurite = await startAzuriteBlob();
  storageConnection = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azurite.endpoint};`;
});
after(async () => {
  await azurite?.close();
});

let n = 0;
async function setup(): Promise<{ ctx: AppContext; log: EmbeddedLog; container: string }> {
  n++;
  const container = `checkpoints-${n}`;
  await azurite.service.getContainerClient(container).createIfNotExists();
  const config = resolveConfig({
    log: { level: 'warn' },
    http: { port: 0 },
    collectors: {
      azure_activity: {
        eventhubs: { connectionString: `Endpoint=sb://${NAMESPACE}/;SharedAccessKeyName=listen;SharedAccessKey=not-a-real-key;EntityPath=${HUB}`, consumerGroup: 'sluice', checkpoint: { connectionString: storageConnection, containerName: container }, maxBatchSize: 2 },
      },
    },
  });
  const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(0) });
  return { ctx: { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) }, log, container };
}

/** The fake hub whose checkpoint store is the real BlobCheckpointStore on the container the role is configured with. */
function fakeFor(hub: { current?: FakeEventHub }, fill: (h: FakeEventHub) => void) {
  return async (config: ResolvedEventHubsConfig): Promise<EventHubsClientLike> => {
    const store = new BlobCheckpointStore(new ContainerClient(config.checkpointConnectionString, config.checkpoint.containerName));
    const h = new FakeEventHub(store, config.consumerGroup);
    fill(h);
    hub.current = h;
    return h;
  };
}

async function runUntil(s: Awaited<ReturnType<typeof setup>>, transport: Transport, client: ReturnType<typeof fakeFor>, done: () => boolean) {
  const stop = new AbortController();
  const running = runEventHubsFollowRole(s.ctx, { stop: stop.signal, transport, client });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  const deadline = Date.now() + 20_000;
  while (!done() && failed === undefined && Date.now() < deadline) await sleep(20);
  stop.abort();
  return running;
}

const uids = (s: { log: EmbeddedLog; ctx: AppContext }): string[] => s.log.readAll(s.ctx.config.topics.activity).map((m) => String(m.headers['sluice-event-uid']));

describe('Event Hubs follow role (fake consumer client, real Blob checkpoint store on Azurite)', () => {
  it('publishes the records of every event, checkpoints each partition in Blob Storage after the publish, and a restart neither loses nor re-reads', async () => {
    const s = await setup();
    const hub: { current?: FakeEventHub } = {};
    // Bodies as the SDK hands them: decoded JSON objects, or bytes when it could not decode them.
    const first = await runUntil(s, s.log, fakeFor(hub, (h) => {
      h.send('0', { records: [RECORDS[0], RECORDS[1]] });
      h.send('1', Buffer.from(JSON.stringify({ records: [RECORDS[2]] })));
    }), () => uids(s).length >= 3);
    assert.equal(first.events, 2);
    assert.equal(first.normalized, 3);
    assert.equal(first.checkpoints, 2);

    const store = new BlobCheckpointStore(azurite.service.getContainerClient(s.container));
    const cps = (await store.listCheckpoints(NAMESPACE, HUB, 'sluice')).map((c) => [c.partitionId, c.sequenceNumber]).sort();
    assert.deepEqual(cps, [['0', 0], ['1', 0]], 'one checkpoint blob per partition, at its last published event');

    // Restart: the same partitions with one more event each; only those are read.
    const second = await runUntil(s, s.log, fakeFor(hub, (h) => {
      h.send('0', { records: [RECORDS[0], RECORDS[1]] });
      h.send('0', { records: [RECORDS[3]] });
      h.send('1', Buffer.from(JSON.stringify({ records: [RECORDS[2]] })));
      h.send('1', { records: [RECORDS[4]] });
    }), () => uids(s).length >= 5);
    assert.equal(second.events, 2, 'only the events after the checkpoints');
    const all = uids(s);
    assert.equal(all.length, 5, 'nothing published twice');
    assert.equal(new Set(all).size, 5, 'five distinct records, none lost');
    assert.match(renderEventHubsCounts(second), /eventhubs events 2 in 2 batch\(es\), checkpoints 2 \(failed 0\)/);
  });

  it('a Kafka failure stops the role with the error and leaves the checkpoint where it was', async () => {
    const s = await setup();
    const hub: { current?: FakeEventHub } = {};
    const broken: Transport = Object.create(s.log, {
      producer: { value: async (): Promise<Producer> => ({ send: async () => Promise.reject(new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', 'broker down')), close: async () => {} }) },
    }) as Transport;
    await assert.rejects(
      runUntil(s, broken, fakeFor(hub, (h) => h.send('0', { records: [RECORDS[0]] })), () => false),
      (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_TRANSPORT_UNAVAILABLE',
    );
    const store = new BlobCheckpointStore(azurite.service.getContainerClient(s.container));
    assert.deepEqual(await store.listCheckpoints(NAMESPACE, HUB, 'sluice'), [], 'no checkpoint for an event Kafka did not take');
  });
});

describe('Event Hubs follow config', () => {
  const ctx = (eventhubs: Record<string, unknown> | undefined): AppContext => ({
    config: resolveConfig({ collectors: { azure_activity: eventhubs ? { eventhubs } : {} } }),
    logger: silentLogger(),
    clock: systemClock,
    telemetry: createTelemetry({ serviceName: 'sluice-test' }),
  });
  it('takes the connection strings from the environment when the config has none, and names what is missing', () => {
    assert.throws(() => eventHubsFollowConfig(ctx(undefined), {}), /collectors\.azure_activity\.eventhubs/);
    assert.throws(
      () => eventHubsFollowConfig(ctx({ checkpoint: { containerName: 'sluice-cp' } }), {}),
      (e: unknown) => e instanceof SluiceError && /SLUICE_EVENTHUBS_CONNECTION_STRING/.test(e.message) && /SLUICE_EVENTHUBS_CHECKPOINT_CONNECTION_STRING/.test(e.message),
    );
    const env = { SLUICE_EVENTHUBS_CONNECTION_STRING: 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v;EntityPath=hub', SLUICE_EVENTHUBS_CHECKPOINT_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    const c = eventHubsFollowConfig(ctx({ checkpoint: { containerName: 'sluice-cp' } }), env);
    assert.equal(c.consumerGroup, '$Default');
    assert.equal(c.checkpointConnectionString, 'UseDevelopmentStorage=true');
    assert.throws(() => eventHubsFollowConfig(ctx({ checkpoint: { containerName: 'sluice-cp' } }), { ...env, SLUICE_EVENTHUBS_CONNECTION_STRING: 'Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=v' }), /EntityPath/);
  });
});

it('the real SDK builds the consumer client with the Blob checkpoint store (no network until it subscribes)', async () => {
  const { sdkClient } = await import('./follow-eventhubs.ts');
  const env = { SLUICE_EVENTHUBS_CONNECTION_STRING: `Endpoint=sb://${NAMESPACE}/;SharedAccessKeyName=k;SharedAccessKey=v;EntityPath=${HUB}`, SLUICE_EVENTHUBS_CHECKPOINT_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
  const config = eventHubsFollowConfig({ config: resolveConfig({ collectors: { azure_activity: { eventhubs: { checkpoint: { containerName: 'sluice-cp' } } } } }), logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 't' }) }, env);
  const client = await sdkClient(config);
  assert.equal((client as unknown as { eventHubName: string }).eventHubName, HUB);
  assert.equal(typeof client.subscribe, 'function');
  await client.close();
});
