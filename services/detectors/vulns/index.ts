import type { DetectorSpec } from '../../core/components.ts';
import { VulnsConfig } from './config.ts';
import { VulnsDetector } from './detector.ts';
import { DETECTOR_NAME } from './finding.ts';
import type { VulnsState } from './state.ts';

/** The vulns detector: SBOM packages x OSV advisories, joined by package in keyed state; rescans on new advisories. */
export const vulnsSpec: DetectorSpec<'image_inventory' | 'advisory', VulnsConfig, VulnsState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'advisory',
  alsoReads: ['image_inventory'],
  description:
    'Vulnerable image packages: joins per-package image inventory records with OSV advisories by package identity in keyed state; an OCSF Vulnerability Finding (2002) per (image, package, vulnerability) when an image or an advisory arrives, resolved when the advisory is withdrawn or a fixed version is installed. A new advisory re-evaluates only the images holding its package.',
  configSchema: VulnsConfig,
  create: (config, ctx) => new VulnsDetector(config, ctx),
};

export { VulnsConfig } from './config.ts';
export { VulnsDetector } from './detector.ts';
export type { VulnsStats } from './detector.ts';
export type { VulnsState } from './state.ts';
export { DETECTOR_NAME, vulnFinding, vulnFindingId } from './finding.ts';
export { holdAdvisory, groupByAlias, type HeldAdvisory } from './advisories.ts';
export { matchPackage, type InstalledPackage, type VulnMatch, type SkipCounts } from './match.ts';
export { affectsVersion, type RangeSkip } from './ranges.ts';
export { rateAdvisory, scoreCvss, cvssSeverity } from './severity.ts';
export { orderingFor, baseEcosystem, ORDERED_ECOSYSTEMS, type VersionOrdering } from './versions/ordering.ts';
