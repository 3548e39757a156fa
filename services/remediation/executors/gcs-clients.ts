/**
 * The @google-cloud/storage client of one configured project (remediation.executors.gcs.projects.<id>):
 * Application Default Credentials (workload identity, GOOGLE_APPLICATION_CREDENTIALS) or the key
 * file named by the config, and optionally another API endpoint; adapted to GcsStorageLike, the
 * calls the executors make. The SDK is imported when first needed.
 */
import type { File, Storage } from '@google-cloud/storage';
import type { SluiceConfig } from '../../core/config.ts';
import type { GcsBucketLike, GcsFileLike, GcsObjectMetadata, GcsStorageLike } from './gcs.ts';

export type GcsProjectConfig = SluiceConfig['remediation']['executors']['gcs']['projects'][string];

class FileAdapter implements GcsFileLike {
  constructor(readonly file: File) {}
  get name(): string {
    return this.file.name;
  }
  async getMetadata(): Promise<[GcsObjectMetadata]> {
    const [m] = await this.file.getMetadata();
    return [m as GcsObjectMetadata];
  }
  copy(destination: GcsFileLike, options: { metadata: Record<string, string>; preconditionOpts: { ifGenerationMatch: number } }): Promise<unknown> {
    if (!(destination instanceof FileAdapter)) throw new TypeError('the destination is not a file of this client');
    return this.file.copy(destination.file, options);
  }
  delete(options: { ifGenerationMatch: string | number }): Promise<unknown> {
    return this.file.delete(options);
  }
  setMetadata(metadata: { temporaryHold?: boolean; eventBasedHold?: boolean }): Promise<unknown> {
    return this.file.setMetadata(metadata);
  }
}

/** The SDK's Storage seen through the executors' interface. */
export function adaptStorage(storage: Storage): GcsStorageLike {
  return {
    bucket(name: string): GcsBucketLike {
      const b = storage.bucket(name);
      return { name, file: (file, options) => new FileAdapter(b.file(file, options)) };
    },
  };
}

export async function gcsStorage(project: string, c: GcsProjectConfig): Promise<GcsStorageLike> {
  const { Storage } = await import('@google-cloud/storage');
  return adaptStorage(new Storage({ projectId: project, ...(c.keyFilename ? { keyFilename: c.keyFilename } : {}), ...(c.apiEndpoint ? { apiEndpoint: c.apiEndpoint } : {}), retryOptions: { autoRetry: true, maxRetries: 2 } }));
}
