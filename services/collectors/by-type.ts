import type { Collector } from '../core/components.ts';
import type { ComponentConfig } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import { autoCollector } from './auto.ts';
import { withFieldCaps } from './fields.ts';
import { COLLECTOR_SPECS, collectorSpec } from './registry.ts';

/** Every source type a collector can be built for: `auto` and each registered collector. */
export const SOURCE_TYPES: readonly string[] = ['auto', ...COLLECTOR_SPECS.map((s) => s.type)];

/**
 * A collector by type, built from the `collectors` section of the config (its defaults when the
 * section has no entry for the type); `auto` sniffs each record and picks the collector that
 * recognises it. Every mapped string field is capped (fields.ts MAX_FIELD_CHARS), truncations counted.
 */
export function collectorByType(type: string, configs: Readonly<Record<string, ComponentConfig>> = {}): Collector {
  if (type === 'auto') return withFieldCaps(autoCollector(COLLECTOR_SPECS, configs));
  const spec = collectorSpec(type);
  if (!spec) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown source "${type}"; known: ${SOURCE_TYPES.join(', ')}`);
  }
  return withFieldCaps(spec.create({ ...(configs[type] ?? {}) }));
}
