import { BatchGetResourceConfigCommand, ConfigServiceClient, ListDiscoveredResourcesCommand, type ResourceType } from '@aws-sdk/client-config-service';

/** One resource to read: AWS Config type and id. */
export interface ResourceKey {
  resourceType: string;
  resourceId: string;
}

/** An item as BatchGetResourceConfig returns it (BaseConfigurationItem), times as Date or ISO text. */
export type BaseItem = Record<string, unknown> & { resourceType?: string; resourceId?: string; configurationItemCaptureTime?: Date | string };

/** What the re-scan reader needs of AWS Config in one region; tests give a fake or a mocked client. */
export interface ConfigItemReader {
  /** The ids AWS Config knows a resource name by (IAM: AROA…/AIDA…/ANPA…; RDS: db-…). */
  idsByName(resourceType: string, name: string): Promise<string[]>;
  /** The current items of up to 100 resources; resources AWS Config does not record are absent. */
  batchGet(keys: readonly ResourceKey[]): Promise<BaseItem[]>;
}

/** The reader over the AWS SDK v3 client of one region. */
export function awsConfigItemReader(client: ConfigServiceClient): ConfigItemReader {
  return {
    async idsByName(resourceType, name) {
      const out = await client.send(new ListDiscoveredResourcesCommand({ resourceType: resourceType as ResourceType, resourceName: name, limit: 20 }));
      return (out.resourceIdentifiers ?? []).filter((r) => r.resourceName === name && typeof r.resourceId === 'string').map((r) => r.resourceId!);
    },
    async batchGet(keys) {
      if (keys.length === 0) return [];
      const out = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: keys.map((k) => ({ resourceType: k.resourceType as ResourceType, resourceId: k.resourceId })) }));
      return (out.baseConfigurationItems ?? []) as BaseItem[];
    },
  };
}

/** One client per region, built on first use (credentials from the default provider chain). */
export function regionalReaders(options: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): (region: string) => ConfigItemReader {
  const readers = new Map<string, ConfigItemReader>();
  return (region) => {
    let r = readers.get(region);
    if (!r) {
      const client = new ConfigServiceClient({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) });
      readers.set(region, (r = awsConfigItemReader(client)));
    }
    return r;
  };
}
