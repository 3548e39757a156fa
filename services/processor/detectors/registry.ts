import type { Detector } from '../../core/components.ts';
import type { SluiceConfig } from '../../core/config.ts';
import type { ApiActivity } from '../../core/events.ts';
import { SensitiveOperationDetector } from './sensitive_operation/index.ts';
import { EventCountDetector } from './event_count/index.ts';

/** Builds the enabled detectors from config. New detectors register here. */
export function buildDetectors(config: SluiceConfig['detectors']): Detector<ApiActivity>[] {
  const out: Detector<ApiActivity>[] = [];
  if (config.sensitive_operation.enabled) out.push(new SensitiveOperationDetector(config.sensitive_operation));
  if (config.event_count.enabled) out.push(new EventCountDetector(config.event_count));
  return out;
}
