/**
 * Control messages for flow_baseline: set the mode of a namespace or workload, or reset its
 * baseline. `parseFlowControl` validates one message from the control topic (external input);
 * `applyFlowControl` is the pure function applying it to one workload's state.
 */
import { z } from 'zod';
import { SluiceError } from '../../core/errors.ts';
import { FlowMode } from './config.ts';
import { endDiscovery } from './modes.ts';
import { resetBaseline, type FlowBaselineState } from './state.ts';

const name = z.string().min(1).max(253);

/** Which workloads a control message is about. */
export const FlowControlScopeSchema = z.strictObject({
  cluster: name.optional(),
  namespace: name,
  /** `<kind>/<name>` or a bare name; absent: every workload of the namespace. */
  workload: z.string().min(1).max(300).optional(),
});

/** A control message, as read from the control topic (JSON). */
export const FlowControlSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('set_mode'),
    scope: FlowControlScopeSchema,
    mode: FlowMode,
    /** Event time the change takes effect (epoch ms). */
    time: z.number().int().min(0),
    id: z.string().min(1).max(200).optional(),
  }),
  z.strictObject({
    type: z.literal('reset_baseline'),
    scope: FlowControlScopeSchema,
    time: z.number().int().min(0),
    id: z.string().min(1).max(200).optional(),
  }),
]);

/** Which workloads a control message applies to. */
export interface FlowControlScope {
  cluster?: string | undefined;
  namespace: string;
  workload?: string | undefined;
}

/**
 * A control message: `set_mode` sets the mode of the scope's workloads (`discover` restarts
 * learning and keeps it on; `monitor`/`protect` end a running discovery now); `reset_baseline`
 * forgets what was learned and restarts discovery at `time`.
 */
export type FlowControl =
  | { type: 'set_mode'; scope: FlowControlScope; mode: 'discover' | 'monitor' | 'protect'; time: number; id?: string | undefined }
  | { type: 'reset_baseline'; scope: FlowControlScope; time: number; id?: string | undefined };

/** Validates a control message; throws SLUICE_ERR_INPUT_MALFORMED listing every problem. */
export function parseFlowControl(value: unknown): FlowControl {
  const r = FlowControlSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
    throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `flow_baseline control message is invalid: ${problems}`);
  }
  return r.data;
}

/** True when the control message is about the workload with this key (`<cluster>/<namespace>/<kind>/<name>`). */
export function controlApplies(control: FlowControl, workloadKey: string): boolean {
  const parts = workloadKey.split('/');
  if (parts.length < 4) return false;
  const [cluster, namespace, kind, ...rest] = parts as [string, string, string, ...string[]];
  const nameOf = rest.join('/');
  const { scope } = control;
  if (scope.namespace !== namespace) return false;
  if (scope.cluster !== undefined && scope.cluster !== cluster) return false;
  if (scope.workload === undefined) return true;
  return scope.workload.includes('/') ? scope.workload === `${kind}/${nameOf}` : scope.workload === nameOf;
}

/**
 * Applies a control message to one workload's state and returns the new state (the input is not
 * modified). Returns the state unchanged when the message is not about this workload, and
 * undefined when there is no state (the config's `modes` cover workloads not seen yet).
 */
export function applyFlowControl(
  state: FlowBaselineState | undefined,
  control: FlowControl,
  workloadKey: string,
): FlowBaselineState | undefined {
  if (state === undefined || !controlApplies(control, workloadKey)) return state;
  const s = structuredClone(state);
  s.control = { id: control.id ?? null, type: control.type, time: control.time };
  if (control.type === 'reset_baseline') {
    resetBaseline(s, control.time);
    return s;
  }
  s.modeOverride = control.mode;
  if (control.mode === 'discover') {
    if (s.phase === 'active') {
      s.phase = 'discover';
      s.discovery = { start: control.time, lastNew: control.time, end: null, reason: null, reported: false };
    }
  } else if (s.phase === 'discover') {
    endDiscovery(s, control.time, 'control');
  }
  return s;
}
