import type { Clock } from '../core/clock.ts';
import type { Detector, DetectorSpec, SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { KeyedState } from '../core/state.ts';
import type { StreamEvents, StreamName } from '../core/streams.ts';
import { eventCountSpec } from './event_count/spec.ts';
import { sensitiveOperationSpec } from './sensitive_operation/spec.ts';
import { signaturesSpec } from './signatures/spec.ts';
import { flowBaselineSpec } from './flow_baseline/spec.ts';
import { dlpSpec } from './dlp/spec.ts';
import { principalAnomalySpec } from './principal_anomaly/spec.ts';
import { postureSpec } from './posture/spec.ts';
import { configDriftSpec } from './config_drift/spec.ts';
import { vulnsSpec } from './vulns/spec.ts';
import { processBaselineSpec } from './process_baseline/spec.ts';
import { configRescanSpec } from './config_rescan/spec.ts';

/**
 * Every detector Sluice ships, by name (`detectors.<name>` in the config, assembled from each spec).
 * The specs come from each folder's spec.ts: reading them loads no detector implementation (the
 * CEL runtime, the rule packs, semver...); loadDetectors() imports those of the enabled detectors.
 */
export const DETECTOR_SPECS = [sensitiveOperationSpec, eventCountSpec, signaturesSpec, flowBaselineSpec, dlpSpec, principalAnomalySpec, postureSpec, configDriftSpec, vulnsSpec, processBaselineSpec, configRescanSpec] as const satisfies readonly DetectorSpec[];

export type DetectorName = keyof SluiceConfig['detectors'];

export interface BuiltDetector {
  spec: DetectorSpec;
  detector: Detector<StreamEvents[StreamName]>;
}

export interface DetectorHost {
  clock: Clock;
  /** The state a detector is given; inside the processor, backed by the changelog. */
  stateFor(detector: string): KeyedState<unknown>;
  emit(output: SideOutput): void;
  /** The state shard of a key (inside the processor); see DetectorContext.shardOf. */
  shardOf?(key: string): number;
}

/** Specs of the detectors enabled in config, in registry order. */
export function enabledSpecs(config: SluiceConfig['detectors']): DetectorSpec[] {
  return (DETECTOR_SPECS as readonly DetectorSpec[]).filter((spec) => (config[spec.name as DetectorName] as { enabled: boolean }).enabled);
}

/**
 * Builds the enabled detectors from config, each with its state and emitter from the host. An
 * implementation not loaded yet is required synchronously (the processor's worker threads,
 * processor/runtime/worker.ts, build theirs while piscina require()s them, where a top-level await
 * is not allowed); loadDetectors imports them first.
 */
export function buildDetectors(config: SluiceConfig['detectors'], host: DetectorHost): BuiltDetector[] {
  return enabledSpecs(config).map((spec) => ({
    spec,
    detector: spec.create(config[spec.name as DetectorName], { clock: host.clock, state: host.stateFor(spec.name), emit: (o) => host.emit(o), ...(host.shardOf ? { shardOf: (key: string) => host.shardOf!(key) } : {}) }),
  }));
}

/** Imports the implementations of the detectors enabled in config, then builds them (buildDetectors). */
export async function loadDetectors(config: SluiceConfig['detectors'], host: DetectorHost): Promise<BuiltDetector[]> {
  await Promise.all(enabledSpecs(config).map((spec) => spec.load?.()));
  return buildDetectors(config, host);
}
