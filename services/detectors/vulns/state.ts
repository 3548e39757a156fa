import type { HeldAdvisory } from './advisories.ts';
import type { InstalledPackage } from './match.ts';

/** A finding currently open for an image: when first seen, and what it said (to report only changes). */
export interface OpenVuln {
  first: number;
  sig: string;
}

/** An image holding the package: its installed versions and the vulnerabilities open for it. */
export interface HeldImage {
  digest: string | null;
  repository: string | null;
  tags: string[];
  /** The distribution release (image.os.version), for distribution advisories. */
  osVersion: string | null;
  packages: InstalledPackage[];
  inventoryUid: string;
  /** Open findings by vulnerability (alias group) id. */
  open: Record<string, OpenVuln>;
}

/**
 * The state of one package (key `<ecosystem>/<name>`): the advisories affecting it (by
 * `<id>|<ecosystem with release>`; a withdrawn one stays as a marker without ranges, so an older
 * copy replayed later cannot revive it) and the images holding it (by image uid).
 */
export interface VulnsState {
  v: 1;
  advisories: Record<string, HeldAdvisory>;
  images: Record<string, HeldImage>;
}

export function emptyState(): VulnsState {
  return { v: 1, advisories: {}, images: {} };
}

export function advisorySlot(a: Pick<HeldAdvisory, 'id' | 'ecosystem'>): string {
  return `${a.id}|${a.ecosystem}`;
}
