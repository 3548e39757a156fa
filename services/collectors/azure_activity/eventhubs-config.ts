/**
 * `collectors.azure_activity.eventhubs`: where `sluice collector azure_activity --follow eventhubs`
 * reads the activity log a diagnostic setting streams to an event hub, and where its checkpoints
 * live (a Blob Storage container, through @azure/eventhubs-checkpointstore-blob). See eventhubs.ts.
 */
import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';

/** Environment variables read when the connection strings are not in the config (a Kubernetes Secret as env). */
export const EVENTHUBS_CONNECTION_ENV = 'SLUICE_EVENTHUBS_CONNECTION_STRING';
export const EVENTHUBS_CHECKPOINT_CONNECTION_ENV = 'SLUICE_EVENTHUBS_CHECKPOINT_CONNECTION_STRING';

export const EventHubsFollowConfigSchema = z.strictObject({
  connectionString: z
    .string()
    .min(1)
    .meta(SECRET)
    .optional()
    .describe(`Event Hubs connection string (a shared access policy with Listen on the hub). Default: the ${EVENTHUBS_CONNECTION_ENV} environment variable.`)
    .meta({ examples: ['Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=sluice-listen;SharedAccessKey=…;EntityPath=insights-activity-logs'] }),
  eventHubName: z
    .string()
    .min(1)
    .optional()
    .describe('The event hub; default: the EntityPath of the connection string. Diagnostic settings name it insights-activity-logs unless told otherwise.')
    .meta({ examples: ['insights-activity-logs'] }),
  consumerGroup: z.string().min(1).default('$Default').describe('Consumer group of the role (give Sluice its own).').meta({ examples: ['sluice'] }),
  checkpoint: z
    .strictObject({
      connectionString: z
        .string()
        .min(1)
        .meta(SECRET)
        .optional()
        .describe(`Storage account connection string of the checkpoint container. Default: the ${EVENTHUBS_CHECKPOINT_CONNECTION_ENV} environment variable.`),
      containerName: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, 'a blob container name').describe('Blob container holding the checkpoints and partition ownership.').meta({ examples: ['sluice-eventhubs-checkpoints'] }),
    })
    .describe('Checkpoints (per partition, the last event whose records Kafka acknowledged) and ownership, in Blob Storage, so several replicas share the partitions.'),
  startPosition: z.enum(['earliest', 'latest']).default('earliest').describe('Where a partition without a checkpoint starts: earliest (the retention window) or latest.'),
  maxBatchSize: z.number().int().min(1).max(1000).default(100).describe('Events per processEvents call (per partition); the next batch is fetched after this one is published and checkpointed.'),
  maxWaitTimeSeconds: z.number().int().min(1).max(60).default(5).describe('Longest wait for a batch to fill.'),
  shutdownGraceMs: z.number().int().min(0).default(30_000).describe('On SIGTERM: time to publish and checkpoint the batches in hand before exiting anyway (what is not checkpointed is read again).'),
});

export type EventHubsFollowConfig = Readonly<z.output<typeof EventHubsFollowConfigSchema>>;
export type EventHubsFollowConfigInput = z.input<typeof EventHubsFollowConfigSchema>;

export function eventHubsSection() {
  return EventHubsFollowConfigSchema.optional().describe(
    'Follow mode on Event Hubs (`sluice collector azure_activity --follow eventhubs`): the activity log streamed by a diagnostic setting; ' +
      'checkpoints in Blob Storage written only after Kafka acknowledged. See services/collectors/azure_activity/README.md.',
  );
}
