/**
 * The @azure/storage-blob clients of one configured storage account
 * (remediation.executors.azureBlob.accounts.<name>): the endpoint (default
 * https://<account>.blob.core.windows.net) and the credential named by the config, read from the
 * environment when the client is first needed: a SAS token (sasTokenEnv, preferred: scoped and
 * expiring) or the account key (accountKeyEnv). A test can pass a client of its own.
 */
import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { SluiceConfig } from '../../core/config.ts';

export type AzureBlobAccountConfig = SluiceConfig['remediation']['executors']['azureBlob']['accounts'][string];

/** Thrown when an account's credential is not available; the runner records it as a failed action. */
export class AzureCredentialError extends Error {}

/** The service client of a storage account from its config and the environment. */
export function azureBlobServiceClient(account: string, c: AzureBlobAccountConfig, env: NodeJS.ProcessEnv = process.env): BlobServiceClient {
  const endpoint = (c.endpoint ?? `https://${account}.blob.core.windows.net`).replace(/\/+$/, '');
  const retryOptions = { maxTries: 3 };
  if (c.sasTokenEnv) {
    const sas = env[c.sasTokenEnv];
    if (!sas) throw new AzureCredentialError(`environment variable ${c.sasTokenEnv} (remediation.executors.azureBlob.accounts.${account}.sasTokenEnv) is not set`);
    return new BlobServiceClient(`${endpoint}?${sas.replace(/^\?/, '')}`, new AnonymousCredential(), { retryOptions });
  }
  if (c.accountKeyEnv) {
    const key = env[c.accountKeyEnv];
    if (!key) throw new AzureCredentialError(`environment variable ${c.accountKeyEnv} (remediation.executors.azureBlob.accounts.${account}.accountKeyEnv) is not set`);
    return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key), { retryOptions });
  }
  throw new AzureCredentialError(`no credential for storage account ${account}: set remediation.executors.azureBlob.accounts.${account}.sasTokenEnv (or accountKeyEnv)`);
}
