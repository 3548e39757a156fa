import type { ImageInventory } from '../../core/model/image-inventory.ts';
import { imagePackageKey } from './package-key.ts';

/**
 * The repartition of an image by package: one ImageInventory record per package identity the
 * image holds (`packageKey`, e.g. `PyPI/jinja2`, `Debian/openssl`), carrying the image header and
 * only that package's entries (several when the image holds several versions or binaries of it),
 * without raw_data. Published on the image_inventory stream keyed by the package, they meet that
 * package's advisories (keyed the same way) in one processor thread: see services/detectors/vulns.
 * Packages without an OSV ecosystem or without a version are left out. `metadata.uid` is the
 * inventory's uid with `#<package key>`.
 */
export function packageRecords(inv: ImageInventory): Array<{ key: string; event: ImageInventory }> {
  const byKey = new Map<string, ImageInventory['packages']>();
  for (const p of inv.packages) {
    if (p.version === null) continue;
    const key = imagePackageKey(p);
    if (key === null) continue;
    const list = byKey.get(key);
    if (list) list.push(p);
    else byKey.set(key, [p]);
  }
  return [...byKey].map(([key, packages]) => ({
    key,
    event: { ...inv, metadata: { ...inv.metadata, uid: `${inv.metadata.uid}#${key}` }, packages, raw_data: null },
  }));
}
