/**
 * The application's configuration schema, assembled from the registered components: the base
 * sections of services/core/config.ts plus `collectors.<type>`, `detectors.<name>` and
 * `sinks.<name>` from each spec's config schema. Core knows no component; this is where they meet.
 */
import type { z } from 'zod';
import { COLLECTOR_SPECS } from '../collectors/registry.ts';
import { buildConfigSchema, loadConfigWith, resolveConfigWith, type LoadConfigOptions, type SluiceConfig } from '../core/config.ts';
import { buildTopology, type ComponentRegistries, type Topology } from '../core/topology.ts';
import { DETECTOR_SPECS } from '../detectors/registry.ts';
import { SINK_SPECS } from '../sinks/registry.ts';

export * from '../core/config.ts';

const byName = <T>(specs: readonly T[], name: (s: T) => string, schema: (s: T) => z.ZodType): Record<string, z.ZodType> =>
  Object.fromEntries(specs.map((s) => [name(s), schema(s)]));

/** The whole config schema of this build of Sluice. */
export const SluiceConfigSchema = buildConfigSchema({
  collectors: byName(COLLECTOR_SPECS, (s) => s.type, (s) => s.configSchema),
  detectors: byName(DETECTOR_SPECS, (s) => s.name, (s) => s.configSchema),
  sinks: byName(SINK_SPECS, (s) => s.name, (s) => s.configSchema),
});

/** Validates merged config layers (defaults < ... < overrides); throws one error listing every problem. */
export function resolveConfig(...layers: Array<Record<string, unknown>>): SluiceConfig {
  return resolveConfigWith(SluiceConfigSchema, ...layers);
}

/** defaults < file < environment < overrides. */
export function loadConfig(opts: LoadConfigOptions = {}): SluiceConfig {
  return loadConfigWith(SluiceConfigSchema, opts);
}

/** The registered components, for the topology. */
export const REGISTRIES: ComponentRegistries = { collectors: COLLECTOR_SPECS, detectors: DETECTOR_SPECS, sinks: SINK_SPECS };

/** The checked topology of this config (throws SLUICE_ERR_CONFIG_INVALID listing every problem). */
export function appTopology(config: SluiceConfig): Topology {
  return buildTopology(config, REGISTRIES);
}
