/** Mode resolution and the end of discovery. Pure functions over the config and a workload's state. */
import type { FlowBaselineSettings, FlowMode } from './config.ts';
import type { DiscoveryEndReason, FlowBaselineState } from './state.ts';

type Identity = FlowBaselineState['identity'];

function ruleMatchesWorkload(rule: string, id: Identity): boolean {
  return rule.includes('/') ? rule === `${id.kind}/${id.name}` : rule === id.name;
}

/**
 * The configured mode of a workload: the first matching workload rule, else the first matching
 * namespace rule, else `config.mode`.
 */
export function configuredMode(config: Pick<FlowBaselineSettings, 'mode' | 'modes'>, id: Identity): FlowMode {
  let nsMode: FlowMode | null = null;
  for (const r of config.modes) {
    if (r.namespace !== id.namespace) continue;
    if (r.cluster !== undefined && r.cluster !== id.cluster) continue;
    if (r.workload !== undefined) {
      if (ruleMatchesWorkload(r.workload, id)) return r.mode;
    } else if (nsMode === null) {
      nsMode = r.mode;
    }
  }
  return nsMode ?? config.mode;
}

/** The mode in force: a control message's override, else the configured mode. */
export function effectiveMode(config: Pick<FlowBaselineSettings, 'mode' | 'modes'>, s: FlowBaselineState): FlowMode {
  return s.modeOverride ?? configuredMode(config, s.identity);
}

/**
 * Why discovery should end at event time `now`, or null to keep learning. It never ends while the
 * mode in force is `discover`. It ends at `discovery.maxMs` after its start, or once no new edge
 * was learned for `discovery.stableMs` (and at least `discovery.minMs` has passed).
 */
export function discoveryEndReason(
  discovery: FlowBaselineSettings['discovery'],
  s: FlowBaselineState,
  mode: FlowMode,
  now: number,
): DiscoveryEndReason | null {
  if (s.phase !== 'discover' || mode === 'discover') return null;
  if (now - s.discovery.start >= discovery.maxMs) return 'duration';
  if (discovery.stableMs > 0 && now - s.discovery.lastNew >= discovery.stableMs && now - s.discovery.start >= discovery.minMs) return 'stable';
  return null;
}

/** Ends discovery at `time`, recording why (the informational finding is raised by the detector). */
export function endDiscovery(s: FlowBaselineState, time: number, reason: DiscoveryEndReason): void {
  s.phase = 'active';
  s.discovery.end = time;
  s.discovery.reason = reason;
  s.discovery.reported = false;
  s.burst = [time, 0, 0];
}
