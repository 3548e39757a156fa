/**
 * The loop of an object-store follow mode that polls a listing (GCS, gcs-follow.ts; Azure Blob,
 * azure-blob-follow.ts): list every pollIntervalMs,
 * chunk and publish the objects that are new or whose version token (GCS generation, an etag)
 * changed since they were last published. The tokens live in a JSON state file
 * `{"version":1,"source":"<store>://<bucket>","objects":{name: token}}`, written (atomically: temp
 * file, rename) only after the publisher's flush resolved, i.e. after Kafka acknowledged every chunk
 * of those objects. A restart reads only what changed; a crash between the flush and the state
 * write reads at most objectsPerCommit objects again, whose chunks keep their ids. Objects gone
 * from the listing are dropped from the state. Listing or download failures are retried at the
 * next poll; Kafka and state-file failures are thrown (the role exits 1).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter } from '@opentelemetry/api';
import type { CollectorOutput } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';

export interface ListingFollowStats extends PublishCounts {
  polls: number;
  /** Objects read (new or changed version token). */
  objects: number;
  /** Objects listed with the token already published. */
  unchanged: number;
  /** Objects dropped from the state because they left the listing. */
  removed: number;
  listFailures: number;
}

/** One object of a listing page. */
export interface ListedEntry {
  name: string;
  /** What changes when the content changes (GCS generation, an etag). */
  token: string;
  size: number;
}

/** The store-specific half of a follower. */
export interface ListingSource {
  /** `<store>://<bucket>`: recorded in the state file, which belongs to one source. */
  readonly id: string;
  /** Store name in messages ("GCS"). */
  readonly label: string;
  /** The listing under `prefix`, page by page. */
  list(prefix: string | undefined): AsyncIterable<ListedEntry[]>;
  /** The chunks (or reject) of one object at the listed token. */
  read(entry: ListedEntry): AsyncIterable<CollectorOutput>;
  /**
   * An older state file of this store in the current form, or undefined when `parsed` is not one
   * (the Azure Blob follower wrote `{"version":1,"container":…,"blobs":{…}}` before it used this loop).
   */
  migrate?(parsed: Record<string, unknown>): { source: string; objects: unknown } | undefined;
}

export interface ListingFollowSettings {
  prefix?: string | undefined;
  pollIntervalMs: number;
  stateFile: string;
  objectsPerCommit: number;
}

export interface ListingFollowerDeps {
  source: ListingSource;
  publisher: EventPublisher;
  settings: ListingFollowSettings;
  logger: Logger;
  telemetry: Telemetry;
  /** Counter of objects by outcome (read, unchanged, removed), e.g. sluice_gcs_objects_total. */
  metric: { name: string; description: string };
}

interface StateFile {
  version: 1;
  source: string;
  objects: Record<string, string>;
}

class FatalError extends Error {
  constructor(readonly inner: unknown) {
    super('fatal');
  }
}

export class ListingFollower {
  readonly stats: ListingFollowStats;
  private readonly labels: ComponentLabels;
  private readonly counter: Counter;
  private state: StateFile | undefined;
  /** Published but not yet in the state file. */
  private pending = new Map<string, string>();
  private listedOnce = false;

  constructor(private readonly deps: ListingFollowerDeps) {
    this.stats = Object.assign(deps.publisher.counts as ListingFollowStats, { polls: 0, objects: 0, unchanged: 0, removed: 0, listFailures: 0 });
    this.labels = componentLabels('collector', 'object_storage');
    this.counter = deps.telemetry.meter.createCounter(deps.metric.name, { description: deps.metric.description });
  }

  get ready(): boolean {
    return this.listedOnce;
  }

  async run(stop: AbortSignal): Promise<ListingFollowStats> {
    try {
      this.state = await this.load();
      while (!stop.aborted) {
        await this.poll(stop);
        await pause(this.deps.settings.pollIntervalMs, stop);
      }
      await this.commit();
    } catch (err) {
      throw err instanceof FatalError ? err.inner : err;
    }
    return this.stats;
  }

  private async poll(stop: AbortSignal): Promise<void> {
    const { source, settings, logger } = this.deps;
    const state = this.state!;
    const seen = new Set<string>();
    this.stats.polls++;
    try {
      for await (const page of source.list(settings.prefix)) {
        this.listedOnce = true;
        for (const entry of page) {
          if (stop.aborted) return;
          seen.add(entry.name);
          if (state.objects[entry.name] === entry.token || this.pending.get(entry.name) === entry.token) {
            this.stats.unchanged++;
            this.counter.add(1, { ...this.labels, outcome: 'unchanged' });
            continue;
          }
          await this.read(entry);
          if (this.pending.size >= settings.objectsPerCommit) await this.commit();
        }
      }
    } catch (err) {
      if (err instanceof FatalError) throw err;
      if (stop.aborted) return;
      this.stats.listFailures++;
      this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
      logger.warn({ err, source: source.id }, `listing or reading ${source.label} objects failed; retrying at the next poll`);
      await this.commit();
      return;
    }
    await this.commit();
    // Objects gone from the listing: forget them (an object written again later is read again).
    const gone = Object.keys(state.objects).filter((name) => !seen.has(name) && (!settings.prefix || name.startsWith(settings.prefix)));
    if (gone.length > 0) {
      for (const name of gone) delete state.objects[name];
      this.stats.removed += gone.length;
      this.counter.add(gone.length, { ...this.labels, outcome: 'removed' });
      await this.save();
    }
  }

  /** Publishes one object's chunks (download failures propagate to the poll, Kafka failures are fatal). */
  private async read(entry: ListedEntry): Promise<void> {
    for await (const out of this.deps.source.read(entry)) {
      try {
        await this.deps.publisher.add(out);
      } catch (err) {
        throw new FatalError(err);
      }
    }
    this.pending.set(entry.name, entry.token);
    this.stats.objects++;
    this.counter.add(1, { ...this.labels, outcome: 'read' });
  }

  /** Flush (Kafka acknowledges), then record the objects' tokens. */
  private async commit(): Promise<void> {
    try {
      await this.deps.publisher.flush();
    } catch (err) {
      this.deps.publisher.fail(err);
      throw new FatalError(err);
    }
    if (this.pending.size === 0) return;
    for (const [name, token] of this.pending) this.state!.objects[name] = token;
    this.pending.clear();
    await this.save();
  }

  private async load(): Promise<StateFile> {
    const { id, label } = this.deps.source;
    const path = this.deps.settings.stateFile;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, source: id, objects: {} };
      throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read the ${label} state file ${path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: Partial<StateFile>;
    try {
      parsed = JSON.parse(text) as Partial<StateFile>;
    } catch (err) {
      throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `the ${label} state file ${path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const older = parsed.objects === undefined && typeof parsed === 'object' && parsed !== null ? this.deps.source.migrate?.(parsed as Record<string, unknown>) : undefined;
    if (older) {
      parsed = { version: 1, ...(older as Partial<StateFile>) };
      this.deps.logger.info({ stateFile: path, source: older.source }, `the ${label} state file is in an older form; it is rewritten in the current one at the next commit`);
    }
    const objects = parsed.objects;
    if (parsed.version !== 1 || typeof objects !== 'object' || objects === null || !Object.values(objects).every((v) => typeof v === 'string')) {
      throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `the ${label} state file ${path} is not {"version":1,"source":…,"objects":{…}}`);
    }
    if (parsed.source !== id) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `the ${label} state file ${path} belongs to ${String(parsed.source)}, not ${id}: give each bucket its own stateFile`);
    }
    return { version: 1, source: id, objects };
  }

  private async save(): Promise<void> {
    const path = this.deps.settings.stateFile;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, `${JSON.stringify(this.state)}\n`, 'utf8');
      await rename(`${path}.tmp`, path);
    } catch (err) {
      throw new FatalError(new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot write the ${this.deps.source.label} state file ${path}: ${(err as Error).message}`, { cause: err }));
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
