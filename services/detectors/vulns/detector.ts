import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { Advisory } from '../../core/model/advisory.ts';
import type { ImageInventory } from '../../core/model/image-inventory.ts';
import type { KeyedState } from '../../core/state.ts';
import { groupByAlias, holdAdvisory, isNewer } from './advisories.ts';
import type { VulnsConfig } from './config.ts';
import { vulnFinding, type FoundBy, type ImageFacts } from './finding.ts';
import { matchPackage, matchSignature, type SkipCounts } from './match.ts';
import { advisorySlot, emptyState, type HeldImage, type VulnsState } from './state.ts';

/** Counters for tests, the bench and the README. */
export interface VulnsStats {
  /** Per-package image records processed. */
  imageRecords: number;
  /** Whole-image records (keyed by digest) seen and passed over: the join reads the per-package ones. */
  wholeImages: number;
  advisories: number;
  /** Advisory events that changed nothing (same or older `modified`). */
  unchangedAdvisories: number;
  /** Image evaluations: one per image record, one per held image when an advisory changes. */
  evaluations: number;
  findings: number;
  resolved: number;
  /** Images or advisories not kept because a per-package cap was reached. */
  capped: number;
  /** Ranges skipped while matching, by reason (git_range, unordered_ecosystem, ...). */
  skips: SkipCounts;
}

type VulnsEvent = ImageInventory | Advisory;

function isInventory(e: VulnsEvent): e is ImageInventory {
  return (e as ImageInventory).image !== undefined;
}

/**
 * The stateful SBOM x OSV join. Both inputs are keyed by package (`<ecosystem>/<name>`): the sbom
 * collector publishes, besides each image's inventory keyed by digest, one record per (image,
 * package) keyed by package; the osv collector one advisory event per affected package. So the
 * state of a package (its advisories, the images holding it) lives in one thread, and:
 * - an image record is matched against the advisories held for its package;
 * - a new or modified advisory re-evaluates only the images holding its package;
 * - a withdrawn advisory, or an image record whose version is no longer affected, resolves the
 *   open findings. Only changes are reported: a replayed or repeated record emits nothing.
 */
export class VulnsDetector implements Detector<VulnsEvent> {
  readonly name = 'vulns';
  private readonly state: KeyedState<VulnsState>;
  private readonly counters: VulnsStats = { imageRecords: 0, wholeImages: 0, advisories: 0, unchangedAdvisories: 0, evaluations: 0, findings: 0, resolved: 0, capped: 0, skips: {} };

  constructor(
    private readonly config: VulnsConfig,
    private readonly ctx: Pick<DetectorContext<VulnsState>, 'state' | 'clock'>,
  ) {
    this.state = ctx.state;
  }

  stats(): VulnsStats {
    return { ...this.counters, skips: { ...this.counters.skips } };
  }

  process(event: VulnsEvent, meta: EventMeta): Finding[] {
    const out = isInventory(event) ? this.onImage(event, meta) : this.onAdvisory(event, meta);
    for (const f of out) {
      if (f.evidences[0]?.status === 'resolved') this.counters.resolved++;
      else this.counters.findings++;
    }
    return out;
  }

  private onImage(e: ImageInventory, meta: EventMeta): Finding[] {
    if (meta.key === e.image.uid) {
      this.counters.wholeImages++;
      return [];
    }
    this.counters.imageRecords++;
    const ecosystem = e.packages.find((p) => p.ecosystem !== null)?.ecosystem ?? meta.key.slice(0, meta.key.indexOf('/'));
    const installed = e.packages.filter((p) => p.version !== null).map((p) => ({ name: p.name, version: p.version!, purl: p.purl }));
    const state = this.state.get(meta.key) ?? emptyState();
    const prev = state.images[e.image.uid];
    const image: HeldImage = {
      digest: e.image.digest,
      repository: e.image.repository,
      tags: [...e.image.tags],
      osVersion: e.image.os?.version ?? null,
      packages: installed,
      inventoryUid: e.metadata.uid,
      open: { ...(prev?.open ?? {}) },
    };
    const time = e.time ?? this.ctx.clock.now();
    const findings = this.evaluate(meta.key, ecosystem, e.image.uid, image, state, { foundBy: 'image', reason: prev ? 'image inventory updated' : 'new image', resolvedReason: 'fixed version installed', time, triggerUid: e.metadata.uid });
    if (!prev && Object.keys(state.images).length >= this.config.maxImagesPerPackage) {
      this.counters.capped++;
      return findings;
    }
    state.images[e.image.uid] = image;
    this.state.set(meta.key, state);
    return findings;
  }

  private onAdvisory(e: Advisory, meta: EventMeta): Finding[] {
    this.counters.advisories++;
    const held = holdAdvisory(e, this.config.defaultSeverity, this.config.maxReferences);
    const state = this.state.get(meta.key) ?? emptyState();
    const slot = advisorySlot(held);
    const prev = state.advisories[slot];
    if (!isNewer(held, prev)) {
      this.counters.unchangedAdvisories++;
      return [];
    }
    // The groups this advisory belonged to before and belongs to now: only they are re-evaluated.
    const touched = new Set<string>();
    const groupOf = (all: VulnsState['advisories']) => {
      for (const [id, members] of groupByAlias(Object.values(all).filter((a) => a.withdrawn === null))) if (members.some((m) => m.id === held.id)) touched.add(id);
    };
    if (prev) groupOf(state.advisories);
    const kept = prev !== undefined || Object.keys(state.advisories).length < this.config.maxAdvisoriesPerPackage;
    if (!kept) this.counters.capped++;
    const advisories = { ...state.advisories, [slot]: held };
    groupOf(advisories);
    // A withdrawn advisory is in no group any more: the groups it was in are re-evaluated (resolved).
    const next: VulnsState = { v: 1, advisories, images: { ...state.images } };
    const time = this.ctx.clock.now();
    const reason = held.withdrawn !== null ? 'advisory withdrawn' : prev ? 'advisory modified' : 'new advisory';
    const findings: Finding[] = [];
    const ecosystem = e.package.ecosystem.split(':')[0]!;
    for (const [uid, image] of Object.entries(state.images)) {
      const updated: HeldImage = { ...image, open: { ...image.open } };
      findings.push(...this.evaluate(meta.key, ecosystem, uid, updated, next, { foundBy: 'rescan', reason, resolvedReason: held.withdrawn !== null ? 'advisory withdrawn' : 'advisory no longer affects the installed version', time, triggerUid: e.metadata.uid }, touched));
      next.images[uid] = updated;
    }
    if (kept) this.state.set(meta.key, next);
    else if (findings.length > 0) this.state.set(meta.key, { ...state, images: next.images });
    return findings;
  }

  /**
   * Matches one image against the package's advisories (all, or the `only` groups), updates its
   * open findings in place, and returns the findings that changed: new or different ones open,
   * open ones no longer matched resolved.
   */
  private evaluate(
    packageKey: string,
    ecosystem: string,
    imageUid: string,
    image: HeldImage,
    state: VulnsState,
    how: { foundBy: FoundBy; reason: string; resolvedReason: string; time: number; triggerUid: string },
    only?: ReadonlySet<string>,
  ): Finding[] {
    this.counters.evaluations++;
    const matches = matchPackage(image.packages, Object.values(state.advisories), image.osVersion, this.counters.skips, only);
    const facts: ImageFacts = { uid: imageUid, digest: image.digest, repository: image.repository, tags: image.tags, inventoryUid: image.inventoryUid };
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const match of matches) {
      seen.add(match.id);
      const sig = matchSignature(match);
      const open = image.open[match.id];
      if (open?.sig === sig) continue;
      const first = open?.first ?? how.time;
      image.open[match.id] = { first, sig };
      out.push(vulnFinding({ status: 'open', foundBy: how.foundBy, reason: how.reason, packageKey, ecosystem, image: facts, match, time: how.time, firstSeen: first, triggerUid: how.triggerUid }));
    }
    for (const [id, open] of Object.entries(image.open)) {
      if (seen.has(id) || (only && !only.has(id))) continue;
      delete image.open[id];
      // The last known match, rebuilt from the held advisories when possible, names what is resolved.
      const last = matchPackage(image.packages, Object.values(state.advisories).map((a) => ({ ...a, withdrawn: null })), null, {}, new Set([id]))[0];
      const match = last ?? { id, advisories: [], related: [], affected: image.packages.map((pkg) => ({ pkg, fixedIn: null })), severity: 'Informational' as const, rated: placeholder(id) };
      out.push(vulnFinding({ status: 'resolved', foundBy: how.foundBy, reason: how.resolvedReason, packageKey, ecosystem, image: facts, match: { ...match, affected: match.affected.length ? match.affected : image.packages.map((pkg) => ({ pkg, fixedIn: null })) }, time: how.time, firstSeen: open.first, triggerUid: how.triggerUid }));
    }
    return out;
  }
}

function placeholder(id: string): ReturnType<typeof holdAdvisory> {
  return { id, ecosystem: '', modified: '', published: null, withdrawn: null, aliases: [], summary: null, rating: { severity: 'Informational', source: 'none', cvss: null }, entries: [], fixed: [], references: [], uid: id };
}
