/**
 * `sluice collector azure_activity --follow eventhubs`: the activity log streamed to an event hub by
 * a diagnostic setting, read with @azure/event-hubs' EventHubConsumerClient and a Blob Storage
 * checkpoint store (collectors/azure_activity/eventhubs.ts). Health endpoints on http.port (/readyz
 * once subscribed); SIGTERM/SIGINT: the batches in hand are published and checkpointed, then exit 0.
 */
import { invalidConfigError } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import type { AzureActivityConfigInput } from '../collectors/azure_activity/config.ts';
import {
  EVENTHUBS_CHECKPOINT_CONNECTION_ENV,
  EVENTHUBS_CONNECTION_ENV,
  EventHubsFollowConfigSchema,
  type EventHubsFollowConfig,
} from '../collectors/azure_activity/eventhubs-config.ts';
import { EventHubsFollower, type EventHubsClientLike, type EventHubsFollowStats } from '../collectors/azure_activity/eventhubs.ts';
import { collectorFor } from './collectors.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

export interface EventHubsRoleOptions {
  /** Stops the role like SIGTERM does (tests). */
  stop?: AbortSignal;
  /** Another transport than the configured Kafka (tests: the embedded log). */
  transport?: Transport;
  /** Builds the consumer client instead of the SDK (tests: a fake client over a real checkpoint store). */
  client?: (config: ResolvedEventHubsConfig) => Promise<EventHubsClientLike>;
}

export type ResolvedEventHubsConfig = EventHubsFollowConfig & { connectionString: string; checkpointConnectionString: string };

/** collectors.azure_activity.eventhubs validated, the connection strings from it or the environment. */
export function eventHubsFollowConfig(ctx: AppContext, env: NodeJS.ProcessEnv = process.env): ResolvedEventHubsConfig {
  const section = ((ctx.config.collectors.azure_activity ?? {}) as AzureActivityConfigInput).eventhubs;
  if (!section) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow eventhubs needs collectors.azure_activity.eventhubs in the config (at least checkpoint.containerName)');
  const parsed = EventHubsFollowConfigSchema.safeParse(section);
  if (!parsed.success) throw invalidConfigError('collectors.azure_activity.eventhubs', parsed.error.issues);
  const connectionString = parsed.data.connectionString ?? env[EVENTHUBS_CONNECTION_ENV];
  const checkpointConnectionString = parsed.data.checkpoint.connectionString ?? env[EVENTHUBS_CHECKPOINT_CONNECTION_ENV];
  const missing = [
    ...(connectionString ? [] : [`the Event Hubs connection string (collectors.azure_activity.eventhubs.connectionString or ${EVENTHUBS_CONNECTION_ENV})`]),
    ...(checkpointConnectionString ? [] : [`the checkpoint storage connection string (…eventhubs.checkpoint.connectionString or ${EVENTHUBS_CHECKPOINT_CONNECTION_ENV})`]),
  ];
  if (missing.length) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--follow eventhubs needs ${missing.join(' and ')}`);
  if (!parsed.data.eventHubName && !/;\s*EntityPath=/i.test(connectionString!)) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow eventhubs needs the hub: collectors.azure_activity.eventhubs.eventHubName, or EntityPath in the connection string');
  }
  return { ...parsed.data, connectionString: connectionString!, checkpointConnectionString: checkpointConnectionString! };
}

/** The SDK's consumer client with the Blob checkpoint store (loaded on use). */
export async function sdkClient(config: ResolvedEventHubsConfig): Promise<EventHubsClientLike> {
  const [{ EventHubConsumerClient }, { BlobCheckpointStore }, { ContainerClient }] = await Promise.all([
    import('@azure/event-hubs'),
    import('@azure/eventhubs-checkpointstore-blob'),
    import('@azure/storage-blob'),
  ]);
  const container = new ContainerClient(config.checkpointConnectionString, config.checkpoint.containerName);
  const store = new BlobCheckpointStore(container);
  const client = config.eventHubName
    ? new EventHubConsumerClient(config.consumerGroup, config.connectionString, config.eventHubName, store)
    : new EventHubConsumerClient(config.consumerGroup, config.connectionString, store);
  // The SDK's handler and event types are wider than what the follower reads.
  return client as unknown as EventHubsClientLike;
}

export async function runEventHubsFollowRole(ctx: AppContext, options: EventHubsRoleOptions = {}): Promise<EventHubsFollowStats> {
  requireFollowKafka(ctx, options.transport);
  const config = eventHubsFollowConfig(ctx);
  const collector = collectorFor('azure_activity', ctx.config);
  const client = await (options.client ?? sdkClient)(config);
  const { earliestEventPosition, latestEventPosition } = await import('@azure/event-hubs');
  return runFollowRole(ctx, {
    source: 'azure_activity',
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    follower: (publisher) =>
      new EventHubsFollower({
        client,
        collector,
        publisher,
        subscribeOptions: {
          maxBatchSize: config.maxBatchSize,
          maxWaitTimeInSeconds: config.maxWaitTimeSeconds,
          startPosition: config.startPosition === 'earliest' ? earliestEventPosition : latestEventPosition,
        },
        logger: ctx.logger,
        telemetry: ctx.telemetry,
      }),
    started: [{ eventHub: config.eventHubName ?? '(EntityPath)', consumerGroup: config.consumerGroup, checkpoints: config.checkpoint.containerName }, 'collector following Event Hubs'],
    expired: 'shutdown grace period expired; exiting with batches not checkpointed (they are read again)',
    close: () => client.close().catch(() => undefined),
  });
}

export function renderEventHubsCounts(stats: EventHubsFollowStats): string {
  return (
    `eventhubs events ${stats.events} in ${stats.batches} batch(es), checkpoints ${stats.checkpoints} (failed ${stats.checkpointFailures}), receive errors ${stats.receiveErrors}, ` +
    `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
