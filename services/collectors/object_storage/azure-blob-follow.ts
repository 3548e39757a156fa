/**
 * `sluice collector object_storage --follow azure-blob`: a container (under a prefix) listed every
 * pollIntervalMs; a blob is read again only when its etag changes. The loop, the state file written
 * after Kafka acknowledged (`{"version":1,"source":"azure_blob://<account>/<container>","objects":{name: etag}}`)
 * and the metric are listing-follow.ts's; this file is the Azure half. A crash between the flush
 * and the state write reads at most blobsPerCommit blobs again, whose chunks keep their ids (uid
 * from bucket, key, etag and offset). A state file of the earlier form
 * (`{"version":1,"container":…,"blobs":{…}}`) is read and rewritten in the current one.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher } from '../publisher.ts';
import { azureBucket, readAzureBlob } from './azure-blob.ts';
import type { AzureBlobFollowConfig } from './azure-blob-follow-config.ts';
import { unquoteEtag } from './chunker.ts';
import type { ObjectStorageConfigInput } from './config.ts';
import { ListingFollower, type ListedEntry, type ListingFollowStats, type ListingSource } from './listing-follow.ts';

export type AzureBlobFollowStats = ListingFollowStats;

export interface AzureBlobFollowerDeps {
  client: ContainerClient;
  publisher: EventPublisher;
  config: AzureBlobFollowConfig;
  /** The object_storage collector config (chunkBytes, maxObjectBytes, decodeGzip). */
  objectStorage: ObjectStorageConfigInput;
  logger: Logger;
  telemetry: Telemetry;
  clock?: Clock;
}

/** The Azure half of a listing follower: blobs by etag; folder placeholders of hierarchical namespaces skipped. */
export function azureBlobListingSource(client: ContainerClient, objectStorage: ObjectStorageConfigInput, clock?: Clock): ListingSource {
  const container = azureBucket(client);
  return {
    id: `azure_blob://${container}`,
    label: 'Azure Blob',
    async *list(prefix) {
      const pages = client.listBlobsFlat({ ...(prefix ? { prefix } : {}), includeMetadata: true }).byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        const entries: ListedEntry[] = [];
        for (const item of page.segment.blobItems) {
          const size = item.properties.contentLength ?? 0;
          if ((item.name.endsWith('/') && size === 0) || item.metadata?.hdi_isfolder === 'true') continue;
          entries.push({ name: item.name, token: unquoteEtag(item.properties.etag) ?? '', size });
        }
        yield entries;
      }
    },
    read(entry) {
      return readAzureBlob({ client, name: entry.name, config: objectStorage, ...(clock ? { clock } : {}) });
    },
    migrate(parsed) {
      if (parsed.version !== 1 || typeof parsed.container !== 'string' || parsed.blobs === undefined) return undefined;
      return { source: `azure_blob://${parsed.container}`, objects: parsed.blobs };
    },
  };
}

export function azureBlobFollower(deps: AzureBlobFollowerDeps): ListingFollower {
  return new ListingFollower({
    source: azureBlobListingSource(deps.client, deps.objectStorage, deps.clock),
    publisher: deps.publisher,
    settings: { prefix: deps.config.prefix, pollIntervalMs: deps.config.pollIntervalMs, stateFile: deps.config.stateFile, objectsPerCommit: deps.config.blobsPerCommit },
    logger: deps.logger,
    telemetry: deps.telemetry,
    metric: {
      name: 'sluice_azure_blob_objects_total',
      description: 'Blobs seen by the Azure Blob follow mode, by outcome: read (new or changed etag), unchanged, removed (gone from the container).',
    },
  });
}
