/**
 * `collectors.object_storage.azureBlob`: the container `sluice collector object_storage --follow
 * azure-blob` polls, and the file of blob etags it has published (azure-blob-follow.ts).
 */
import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';

/** Read when the connection string is not in the config (a Kubernetes Secret as env). */
export const AZURE_STORAGE_CONNECTION_ENV = 'SLUICE_AZURE_STORAGE_CONNECTION_STRING';

export const AzureBlobFollowConfigSchema = z.strictObject({
  connectionString: z
    .string()
    .min(1)
    .meta(SECRET)
    .optional()
    .describe(`Storage account connection string (account key or SAS with read and list). Default: the ${AZURE_STORAGE_CONNECTION_ENV} environment variable.`),
  containerName: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, 'a blob container name').describe('Container to scan.').meta({ examples: ['exports'] }),
  prefix: z.string().optional().describe('Only blobs whose names start with this prefix.').meta({ examples: ['customers/'] }),
  pollIntervalMs: z.number().int().min(1000).default(60_000).describe('Pause between two listings of the container.'),
  stateFile: z
    .string()
    .min(1)
    .default('.sluice/checkpoints/azure-blob.json')
    .describe('JSON file of the etag of every blob published (written after Kafka acknowledged); a blob is read again only when its etag changes. One role per file.'),
  blobsPerCommit: z.number().int().min(1).max(10_000).default(20).describe('Blobs published between two state-file writes.'),
  shutdownGraceMs: z.number().int().min(0).default(30_000).describe('On SIGTERM: time to finish the blob in hand and write the state before exiting anyway.'),
});

export type AzureBlobFollowConfig = Readonly<z.output<typeof AzureBlobFollowConfigSchema>>;

export function azureBlobSection() {
  return AzureBlobFollowConfigSchema.optional().describe(
    'Follow mode on Azure Blob Storage (`sluice collector object_storage --follow azure-blob`): the container is listed every pollIntervalMs and ' +
      'new or changed blobs (by etag) are chunked and published. See services/collectors/object_storage/README.md.',
  );
}
