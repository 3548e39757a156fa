import type { SluiceConfig } from '../core/config.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { DetectorPoolOptions } from './runtime/pool.ts';

/**
 * The options of the processor's detector pool, from the config; with telemetry, the pool reports
 * its gauges. A module of its own so that `sluice run` can start the pool's threads before it
 * loads the rest of the processor (services/cli/early-pool.ts).
 */
export function detectorPoolOptions(config: SluiceConfig, telemetry?: Telemetry): DetectorPoolOptions {
  return {
    threads: config.processor.workers,
    init: { detectors: config.detectors, stateShards: config.processor.stateShards },
    maxInFlight: config.processor.maxInFlight,
    ...(telemetry ? { telemetry } : {}),
  };
}
