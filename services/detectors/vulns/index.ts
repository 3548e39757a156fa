import { vulnsSpec } from './spec.ts';

/** The vulns detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { vulnsSpec };
await vulnsSpec.load?.();

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
