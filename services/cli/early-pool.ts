import type { SluiceConfig } from '../core/config.ts';
import type { DetectorPool } from '../processor/runtime/pool.ts';

/**
 * Start-up of `sluice run`: the detector pool is started first, from the config alone, so that its
 * threads load their detectors (the CEL runtime, the precompiled rule packs...) while this thread
 * loads the pipeline, the sinks and telemetry, instead of after them (`npm run bench -- startup`).
 * runPipeline takes it over (PipelineOptions.pool) and observes its gauges once telemetry exists.
 */
export async function startDetectorPool(config: SluiceConfig): Promise<DetectorPool> {
  const [{ DetectorPool }, { detectorPoolOptions }] = await Promise.all([import('../processor/runtime/pool.ts'), import('../processor/pool-options.ts')]);
  return new DetectorPool(detectorPoolOptions(config));
}
