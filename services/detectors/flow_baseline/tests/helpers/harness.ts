/** Test helpers: a flow_baseline detector over an in-memory state, with its side outputs collected. */
import type { SideOutput } from '../../../../core/components.ts';
import type { Finding } from '../../../../core/events.ts';
import { MemoryKeyedState } from '../../../../core/state.ts';
import { FlowBaselineConfig, type FlowBaselineConfigInput } from '../../config.ts';
import { FlowBaselineDetector } from '../../detector.ts';
import type { FlowBaselineState } from '../../state.ts';
import { metaFor, type KeyedFlow } from './flows.ts';

/** A detector, its state and what it emitted. */
export interface Harness {
  detector: FlowBaselineDetector;
  state: MemoryKeyedState<FlowBaselineState>;
  emitted: SideOutput[];
  /** Processes the flows in order and returns every finding. */
  run(flows: readonly KeyedFlow[]): Finding[];
}

/** Builds an enabled detector with the config given (validated by the schema). */
export function harness(config: FlowBaselineConfigInput = {}, state = new MemoryKeyedState<FlowBaselineState>()): Harness {
  const emitted: SideOutput[] = [];
  const detector = new FlowBaselineDetector(FlowBaselineConfig.parse({ enabled: true, ...config }), { state, emit: (o) => emitted.push(o) });
  return {
    detector,
    state,
    emitted,
    run(flows) {
      const out: Finding[] = [];
      for (const f of flows) out.push(...detector.process(f.event, metaFor(f.key)));
      return out;
    },
  };
}

/** Findings other than the informational ones (discovery ended, edges removed): the alerts. */
export function alerts(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity !== 'Informational');
}
