import { readFileSync } from 'node:fs';
import type { EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { Advisory } from '../../core/model/advisory.ts';
import type { ImageInventory } from '../../core/model/image-inventory.ts';
import { ManualClock } from '../../core/clock.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { osvCollector } from '../../collectors/osv/index.ts';
import { sbomCollector } from '../../collectors/sbom/index.ts';
import { VulnsConfig } from './config.ts';
import { VulnsDetector } from './detector.ts';
import type { VulnsState } from './state.ts';

/** Test support: fixtures through the real collectors, and a detector on in-memory state. */
export const FIXTURES = new URL('./fixtures/', import.meta.url);
export const SBOM_FIXTURES = new URL('../../../test/fixtures/sbom/', import.meta.url);

export type Keyed<T> = { key: string; event: T };

export function inventories(url: URL): Array<Keyed<ImageInventory>> {
  const out: Array<Keyed<ImageInventory>> = [];
  for (const o of sbomCollector().collect({ name: url.pathname, bytes: readFileSync(url) })) {
    if (o.kind !== 'event' || o.stream !== 'image_inventory') throw new Error(`fixture ${url.pathname} rejected: ${o.kind === 'dead_letter' ? o.reason : o.stream}`);
    out.push({ key: o.key, event: o.event });
  }
  return out;
}

export function advisories(url: URL | Buffer, name = 'inline.json'): Array<Keyed<Advisory>> {
  const bytes = Buffer.isBuffer(url) ? url : readFileSync(url);
  const out: Array<Keyed<Advisory>> = [];
  for (const o of osvCollector().collect({ name: Buffer.isBuffer(url) ? name : url.pathname, bytes })) {
    if (o.kind !== 'event' || o.stream !== 'advisory') throw new Error(`advisory rejected: ${o.kind === 'dead_letter' ? o.reason : o.stream}`);
    out.push({ key: o.key, event: o.event });
  }
  return out;
}

/** One OSV record of a fixture file, by id, as parsed JSON (to derive variants in a test). */
export function osvRecord(file: string, id: string): Record<string, unknown> {
  for (const line of readFileSync(new URL(`osv/${file}`, FIXTURES), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.id === id) return r;
  }
  throw new Error(`no ${id} in ${file}`);
}

export class Harness {
  readonly clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
  readonly state = new MemoryKeyedState<VulnsState>();
  readonly detector: VulnsDetector;
  private offset = 0;

  constructor(config: Partial<VulnsConfig> = {}) {
    this.detector = new VulnsDetector(VulnsConfig.parse(config), { state: this.state, clock: this.clock });
  }

  feed(records: ReadonlyArray<Keyed<ImageInventory | Advisory>>): Finding[] {
    return records.flatMap(({ key, event }) => {
      const meta: EventMeta = { key, topic: 'image' in event ? 'sluice.image_inventory.v1' : 'sluice.advisory.v1', partition: 0, offset: String(this.offset++) };
      return this.detector.process(event, meta);
    });
  }
}
