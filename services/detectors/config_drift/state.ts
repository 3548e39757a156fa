/** Per-resource state of config_drift: one JSON value per resource uid. */
export interface DriftState {
  v: 1;
  /** Canonical configuration text now, or null when over maxStoredConfigBytes (hash only) or deleted. */
  current: string | null;
  currentHash: string | null;
  /** The approved (or first seen) configuration, same cap. */
  baseline: string | null;
  baselineHash: string | null;
  baselineSource: 'first_seen' | 'approved';
  /** When and by whom the baseline was approved (approved only). */
  approvedAt: number | null;
  approvedBy: string | null;
  /** The resource was deleted: its last configuration stays in `current` (for a re-creation diff). */
  deleted: boolean;
  /** Event time and uid of the last change seen. */
  lastTime: number;
  lastUid: string;
}

/** An approval of a resource's configuration as its new baseline (from the approval topic or `sluice baseline approve`). */
export interface BaselineApproval {
  /** Resource uid (the state key). */
  resource: string;
  /** Approve only if the current configuration still has this hash (protects against approving a newer change unseen); omit to approve whatever is current. */
  hash?: string;
  /** Who approved it, e.g. an e-mail or a ticket id (kept as given, at most 200 characters). */
  by: string;
  /** Epoch ms. */
  time: number;
}

/** The outcome of applyApproval: the new state (unchanged when not applied) and why. */
export interface ApprovalResult {
  state: DriftState | undefined;
  applied: boolean;
  reason: string;
}

/**
 * Applies an approval to a resource's state (pure: the input is not changed): the current
 * configuration becomes the baseline. Refused when the resource is unknown or deleted, or when
 * `hash` is given and differs from the current configuration's.
 */
export function applyApproval(state: DriftState | undefined, approval: BaselineApproval): ApprovalResult {
  if (!state) return { state, applied: false, reason: `resource ${approval.resource} has no tracked configuration` };
  if (state.deleted) return { state, applied: false, reason: 'the resource is deleted' };
  if (approval.hash !== undefined && approval.hash !== state.currentHash) {
    return { state, applied: false, reason: `the current configuration hash is ${state.currentHash ?? 'unknown'}, not the approved ${approval.hash}` };
  }
  return {
    state: { ...state, baseline: state.current, baselineHash: state.currentHash, baselineSource: 'approved', approvedAt: approval.time, approvedBy: approval.by.slice(0, 200) },
    applied: true,
    reason: 'approved',
  };
}
