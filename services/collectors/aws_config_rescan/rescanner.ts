import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Collector, CollectorOutput } from '../../core/components.ts';
import type { RescanRequest } from '../../core/model/rescan-request.ts';
import { awsConfigCollector } from '../aws_config/index.ts';
import type { AwsConfigRescanConfig } from './config.ts';
import { applyPatches } from './patch.ts';
import type { BaseItem, ConfigItemReader, ResourceKey } from './reader.ts';

/** What the reader did with the requests, by outcome. */
export interface RescanCounts {
  requests: number;
  /** Dropped: the same event again, or a resource published within dedupWindowMs whose item covers the request. */
  duplicates: number;
  /** Requests about another account than `account`. */
  other_account: number;
  /** Items published as AWS Config recorded them (the change was already recorded). */
  published: number;
  /** Items published with the event's stated state applied (AWS Config had not recorded the change yet). */
  derived: number;
  /** Resources AWS Config does not record (not found by id or name): nothing published. */
  not_recorded: number;
  /** Reads postponed because the item predates the change and the event does not state it. */
  stale_retried: number;
  /** Resources given up after maxWaitMs with an item that still predates the change. */
  stale_gave_up: number;
  /** AWS Config calls that failed (retried after staleRetryMs, until maxWaitMs). */
  errors: number;
  /** Requests whose stated change was ignored (a plain re-read instead) because their signature did not verify. */
  unsigned_derived: number;
}

interface Pending {
  key: string;
  requests: RescanRequest[];
  firstSeen: number;
  dueAt: number;
}

const BATCH_LIMIT = 100;

function captureTime(item: BaseItem): number | null {
  const t = item.configurationItemCaptureTime;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Answers re-scan requests: coalesces the requests of one resource, reads its current item from
 * AWS Config (`BatchGetResourceConfig`, names resolved with `ListDiscoveredResources`), and returns
 * it normalized exactly as the aws_config collector does. An item captured before the request's
 * event does not show the change yet: when every newer request states its change (`derived`),
 * those changes are applied to it; otherwise it is read again after staleRetryMs, until maxWaitMs.
 */
export class Rescanner {
  readonly counts: RescanCounts = { requests: 0, duplicates: 0, other_account: 0, published: 0, derived: 0, not_recorded: 0, stale_retried: 0, stale_gave_up: 0, errors: 0, unsigned_derived: 0 };
  private readonly pending = new Map<string, Pending>();
  /** resourceKey -> when it was last published and the latest event time that item covers. */
  private readonly recent = new Map<string, { at: number; covers: number; ids: Set<string> }>();
  private readonly collector: Collector;
  private readonly defaultRegion: string;

  constructor(
    private readonly config: AwsConfigRescanConfig,
    private readonly readerFor: (region: string) => ConfigItemReader,
    private readonly clock: Clock = systemClock,
  ) {
    this.collector = awsConfigCollector({ maxConfigurationBytes: config.maxConfigurationBytes });
    this.defaultRegion = config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  }

  /** Resources waiting for a read (due now or postponed). */
  get waiting(): number {
    return this.pending.size;
  }

  /** The earliest time a postponed read is due, or null. */
  nextDue(): number | null {
    let next: number | null = null;
    for (const p of this.pending.values()) if (next === null || p.dueAt < next) next = p.dueAt;
    return next;
  }

  /** Takes requests (a consumed batch) and reads every resource that is due; returns the outputs to publish. */
  async handle(requests: readonly RescanRequest[]): Promise<CollectorOutput[]> {
    const now = this.clock.now();
    for (const r of requests) this.add(r, now);
    return this.readDue();
  }

  private add(r: RescanRequest, now: number): void {
    this.counts.requests++;
    if (this.config.account && r.account && r.account !== this.config.account) {
      this.counts.other_account++;
      return;
    }
    const recent = this.recent.get(r.resourceKey);
    if (recent && (recent.ids.has(r.id) || (now - recent.at <= this.config.dedupWindowMs && recent.covers >= r.time))) {
      this.counts.duplicates++;
      return;
    }
    const p = this.pending.get(r.resourceKey);
    if (!p) {
      this.pending.set(r.resourceKey, { key: r.resourceKey, requests: [r], firstSeen: now, dueAt: now });
    } else if (p.requests.some((q) => q.id === r.id)) {
      this.counts.duplicates++;
    } else {
      p.requests.push(r);
    }
  }

  /** Reads every resource whose read is due (the role calls it on a timer for postponed ones). */
  async readDue(): Promise<CollectorOutput[]> {
    const now = this.clock.now();
    for (const [k, r] of this.recent) if (now - r.at > this.config.dedupWindowMs) this.recent.delete(k);
    const due = [...this.pending.values()].filter((p) => p.dueAt <= now);
    const byRegion = new Map<string, Pending[]>();
    for (const p of due) {
      const region = p.requests[0]!.region ?? this.defaultRegion;
      byRegion.set(region, [...(byRegion.get(region) ?? []), p]);
    }
    const outputs: CollectorOutput[] = [];
    for (const [region, list] of byRegion) {
      try {
        outputs.push(...(await this.readRegion(this.readerFor(region), list, now)));
      } catch {
        // AWS Config unreachable or refusing: every resource of the region is tried again later.
        this.counts.errors++;
        for (const p of list) this.postpone(p, now, false);
      }
    }
    return outputs;
  }

  private async readRegion(reader: ConfigItemReader, list: Pending[], now: number): Promise<CollectorOutput[]> {
    const idsOf = new Map<Pending, ResourceKey[]>();
    for (const p of list) {
      const r = p.requests[0]!;
      const ids = r.resourceId !== null ? [r.resourceId] : await reader.idsByName(r.resourceType, r.resourceName!);
      idsOf.set(p, ids.map((resourceId) => ({ resourceType: r.resourceType, resourceId })));
    }
    const keys = [...idsOf.values()].flat();
    const items: BaseItem[] = [];
    for (let i = 0; i < keys.length; i += BATCH_LIMIT) items.push(...(await reader.batchGet(keys.slice(i, i + BATCH_LIMIT))));
    const byKey = new Map(items.map((it) => [`${it.resourceType}\u0000${it.resourceId}`, it]));
    // By name too: an emulator (moto) may answer a key by id with an item whose resourceId is the name.
    const byName = new Map(items.filter((it) => typeof it.resourceName === 'string').map((it) => [`${it.resourceType}\u0000${String(it.resourceName)}`, it]));
    const outputs: CollectorOutput[] = [];
    for (const p of list) {
      const r0 = p.requests[0]!;
      const found = [...new Set(idsOf.get(p)!.map((k) => byKey.get(`${k.resourceType}\u0000${k.resourceId}`) ?? (r0.resourceName !== null ? byName.get(`${k.resourceType}\u0000${r0.resourceName}`) : undefined)))].filter(
        (it): it is BaseItem => it !== undefined,
      );
      if (found.length === 0) {
        this.counts.not_recorded++;
        this.pending.delete(p.key);
        continue;
      }
      const answers = found.map((item) => this.answer(item, p.requests));
      if (answers.some((a) => a === null)) {
        this.postpone(p, now, true);
        continue;
      }
      this.pending.delete(p.key);
      const latest = Math.max(...p.requests.map((r) => r.time));
      this.recent.set(p.key, { at: now, covers: latest, ids: new Set(p.requests.map((r) => r.id)) });
      for (const a of answers) {
        if (a!.derived) this.counts.derived++;
        else this.counts.published++;
        outputs.push(...this.collector.collect({ name: `rescan ${p.key}`, bytes: Buffer.from(JSON.stringify({ baseConfigurationItems: [a!.item] })) }));
      }
    }
    return outputs;
  }

  /**
   * The item to publish for these requests: as recorded when it was captured at or after every
   * request's event; with the stated changes of the newer requests applied when all of them state
   * one; null when a newer request states nothing (read again later).
   */
  private answer(item: BaseItem, requests: readonly RescanRequest[]): { item: BaseItem; derived: boolean } | null {
    const captured = captureTime(item) ?? 0;
    const newer = requests.filter((r) => r.time > captured).sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
    if (newer.length === 0) return { item, derived: false };
    if (newer.some((r) => r.derived.length === 0)) return null;
    const patched = applyPatches(item, newer.flatMap((r) => r.derived)) as BaseItem;
    const latest = newer[newer.length - 1]!;
    const marker = createHash('sha256').update(newer.map((r) => r.id).join('\n')).digest('hex').slice(0, 16);
    return {
      derived: true,
      item: {
        ...patched,
        configurationItemCaptureTime: new Date(latest.time).toISOString(),
        configurationStateId: `${String(item.configurationStateId ?? '0')}+${marker}`,
        configurationItemStatus: 'OK',
        sluiceRescan: { derivedFrom: newer.map((r) => ({ operation: r.cause.operation, eventUid: r.cause.eventUid, time: r.time })), recordedCaptureTime: item.configurationItemCaptureTime ?? null },
      },
    };
  }

  private postpone(p: Pending, now: number, stale: boolean): void {
    if (now + this.config.staleRetryMs - p.firstSeen > this.config.maxWaitMs) {
      if (stale) this.counts.stale_gave_up++;
      this.pending.delete(p.key);
      return;
    }
    if (stale) this.counts.stale_retried++;
    p.dueAt = now + this.config.staleRetryMs;
  }
}
