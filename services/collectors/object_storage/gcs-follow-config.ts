/**
 * `collectors.object_storage.gcs`: the bucket `sluice collector object_storage --follow gcs` polls,
 * and the file of object generations it has published (gcs-follow.ts).
 */
import { z } from 'zod';

export const GcsFollowConfigSchema = z.strictObject({
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a GCS bucket name')
    .describe('Bucket to scan.')
    .meta({ examples: ['acme-exports'] }),
  prefix: z.string().optional().describe('Only objects whose names start with this prefix.').meta({ examples: ['customers/'] }),
  projectId: z.string().min(1).optional().describe('Project billed for the requests. Default: the credentials\u2019 project.'),
  keyFilename: z
    .string()
    .min(1)
    .optional()
    .describe('Service-account key file. Default: Application Default Credentials (workload identity, GOOGLE_APPLICATION_CREDENTIALS).'),
  apiEndpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another JSON API endpoint (a private endpoint, an emulator). Absent: Google.'),
  pollIntervalMs: z.number().int().min(1000).default(60_000).describe('Pause between two listings of the bucket.'),
  stateFile: z
    .string()
    .min(1)
    .default('.sluice/checkpoints/gcs.json')
    .describe('JSON file of the generation of every object published (written after Kafka acknowledged); an object is read again only when its generation changes. One role per file.'),
  objectsPerCommit: z.number().int().min(1).max(10_000).default(20).describe('Objects published between two state-file writes.'),
  shutdownGraceMs: z.number().int().min(0).default(30_000).describe('On SIGTERM: time to finish the object in hand and write the state before exiting anyway.'),
});

export type GcsFollowConfig = Readonly<z.output<typeof GcsFollowConfigSchema>>;

export function gcsSection() {
  return GcsFollowConfigSchema.optional().describe(
    'Follow mode on Google Cloud Storage (`sluice collector object_storage --follow gcs`): the bucket is listed every pollIntervalMs and ' +
      'new or changed objects (by generation) are chunked and published. See services/collectors/object_storage/README.md.',
  );
}
