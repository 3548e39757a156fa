import type { CollectorSpec } from '../core/components.ts';
import { awsCloudTrailSpec } from './aws_cloudtrail/index.ts';

/** Every collector Sluice ships, by type. `--source <type>` picks one; `--source auto` sniffs per record. */
export const COLLECTOR_SPECS: readonly CollectorSpec[] = [awsCloudTrailSpec];

export function collectorSpec(type: string): CollectorSpec | undefined {
  return COLLECTOR_SPECS.find((s) => s.type === type);
}
