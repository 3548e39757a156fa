/**
 * `sluice collector object_storage --follow azure-blob`: lists a container every pollIntervalMs and
 * chunks and publishes the blobs that are new or whose etag changed since they were last published.
 * The etags live in a JSON state file `{"version":1,"container":"<account>/<container>","blobs":{name: etag}}`,
 * written (atomically: temp file, rename) only after the publisher's flush resolved, i.e. after
 * Kafka acknowledged every chunk of those blobs. A restart reads only what changed; a crash between
 * the flush and the state write reads at most blobsPerCommit blobs again, whose chunks keep their
 * ids (uid from bucket, key, etag and offset). Blobs gone from the listing are dropped from the
 * state. Listing or download failures are retried at the next poll; Kafka and state-file failures
 * are thrown (the role exits 1).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerClient } from '@azure/storage-blob';
import type { Counter } from '@opentelemetry/api';
import type { Clock } from '../../core/clock.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';
import { azureBucket, readAzureBlob } from './azure-blob.ts';
import type { AzureBlobFollowConfig } from './azure-blob-follow-config.ts';
import { unquoteEtag } from './chunker.ts';
import type { ObjectStorageConfigInput } from './config.ts';

export interface AzureBlobFollowStats extends PublishCounts {
  polls: number;
  /** Blobs read (new or changed etag). */
  blobs: number;
  /** Blobs listed with the etag already published. */
  unchanged: number;
  /** Blobs dropped from the state because they left the container. */
  removed: number;
  listFailures: number;
}

interface StateFile {
  version: 1;
  container: string;
  blobs: Record<string, string>;
}

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

class FatalError extends Error {
  constructor(readonly inner: unknown) {
    super('fatal');
  }
}

export class AzureBlobFollower {
  readonly stats: AzureBlobFollowStats;
  private readonly labels: ComponentLabels;
  private readonly blobsCounter: Counter;
  private state: StateFile | undefined;
  /** Published but not yet in the state file. */
  private pending = new Map<string, string>();
  private listedOnce = false;

  constructor(private readonly deps: AzureBlobFollowerDeps) {
    this.stats = Object.assign(deps.publisher.counts as AzureBlobFollowStats, { polls: 0, blobs: 0, unchanged: 0, removed: 0, listFailures: 0 });
    this.labels = componentLabels('collector', 'object_storage');
    this.blobsCounter = deps.telemetry.meter.createCounter('sluice_azure_blob_objects_total', {
      description: 'Blobs seen by the Azure Blob follow mode, by outcome: read (new or changed etag), unchanged, removed (gone from the container).',
    });
  }

  get ready(): boolean {
    return this.listedOnce;
  }

  async run(stop: AbortSignal): Promise<AzureBlobFollowStats> {
    try {
      this.state = await this.load();
      while (!stop.aborted) {
        await this.poll(stop);
        await pause(this.deps.config.pollIntervalMs, stop);
      }
      await this.commit();
    } catch (err) {
      throw err instanceof FatalError ? err.inner : err;
    }
    return this.stats;
  }

  private async poll(stop: AbortSignal): Promise<void> {
    const { client, config, logger } = this.deps;
    const state = this.state!;
    const seen = new Set<string>();
    this.stats.polls++;
    try {
      const pages = client.listBlobsFlat({ ...(config.prefix ? { prefix: config.prefix } : {}), includeMetadata: true }).byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        this.listedOnce = true;
        for (const item of page.segment.blobItems) {
          if (stop.aborted) return;
          const size = item.properties.contentLength ?? 0;
          if ((item.name.endsWith('/') && size === 0) || item.metadata?.hdi_isfolder === 'true') continue;
          seen.add(item.name);
          const etag = unquoteEtag(item.properties.etag) ?? '';
          if (state.blobs[item.name] === etag || this.pending.get(item.name) === etag) {
            this.stats.unchanged++;
            this.blobsCounter.add(1, { ...this.labels, outcome: 'unchanged' });
            continue;
          }
          await this.read(item.name, etag);
          if (this.pending.size >= config.blobsPerCommit) await this.commit();
        }
      }
    } catch (err) {
      if (err instanceof FatalError) throw err;
      if (stop.aborted) return;
      this.stats.listFailures++;
      this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
      logger.warn({ err, container: azureBucket(client) }, 'listing or reading Azure blobs failed; retrying at the next poll');
      await this.commit();
      return;
    }
    await this.commit();
    // Blobs gone from the container: forget them (a blob written again later is read again).
    const gone = Object.keys(state.blobs).filter((name) => !seen.has(name) && (!config.prefix || name.startsWith(config.prefix)));
    if (gone.length > 0) {
      for (const name of gone) delete state.blobs[name];
      this.stats.removed += gone.length;
      this.blobsCounter.add(gone.length, { ...this.labels, outcome: 'removed' });
      await this.save();
    }
  }

  /** Publishes one blob's chunks (download failures propagate to the poll, Kafka failures are fatal). */
  private async read(name: string, etag: string): Promise<void> {
    const { client, objectStorage, publisher } = this.deps;
    for await (const out of readAzureBlob({ client, name, config: objectStorage, ...(this.deps.clock ? { clock: this.deps.clock } : {}) })) {
      try {
        await publisher.add(out);
      } catch (err) {
        throw new FatalError(err);
      }
    }
    this.pending.set(name, etag);
    this.stats.blobs++;
    this.blobsCounter.add(1, { ...this.labels, outcome: 'read' });
  }

  /** Flush (Kafka acknowledges), then record the blobs' etags. */
  private async commit(): Promise<void> {
    try {
      await this.deps.publisher.flush();
    } catch (err) {
      this.deps.publisher.fail(err);
      throw new FatalError(err);
    }
    if (this.pending.size === 0) return;
    for (const [name, etag] of this.pending) this.state!.blobs[name] = etag;
    this.pending.clear();
    await this.save();
  }

  private async load(): Promise<StateFile> {
    const container = azureBucket(this.deps.client);
    const path = this.deps.config.stateFile;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, container, blobs: {} };
      throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read the Azure Blob state file ${path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: Partial<StateFile>;
    try {
      parsed = JSON.parse(text) as Partial<StateFile>;
    } catch (err) {
      throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `the Azure Blob state file ${path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const blobs = parsed.blobs;
    if (parsed.version !== 1 || typeof blobs !== 'object' || blobs === null || !Object.values(blobs).every((v) => typeof v === 'string')) {
      throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `the Azure Blob state file ${path} is not {"version":1,"container":…,"blobs":{…}}`);
    }
    if (parsed.container !== container) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `the Azure Blob state file ${path} belongs to ${String(parsed.container)}, not ${container}: give each container its own stateFile`);
    }
    return { version: 1, container, blobs };
  }

  private async save(): Promise<void> {
    const path = this.deps.config.stateFile;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, `${JSON.stringify(this.state)}\n`, 'utf8');
      await rename(`${path}.tmp`, path);
    } catch (err) {
      throw new FatalError(new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot write the Azure Blob state file ${path}: ${(err as Error).message}`, { cause: err }));
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted
  }
}
