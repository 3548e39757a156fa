import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import {
  ActivityRuleSet,
  applyWindows,
  emptyWindowState,
  isEmptyState,
  isStateful,
  loadRulePacks,
  type CompiledRule,
  type RuleSeverity,
  type WindowLimits,
  type WindowState,
} from '../../rules/index.ts';
import type { SignaturesConfig } from './config.ts';
import { DETECTOR_NAME, toFinding } from './finding.ts';
import { deactivateKeyAction } from './key-actions.ts';

/** Counters of a detector instance (per worker thread). */
export interface SignaturesStats {
  events: number;
  /** Conditions evaluated (after the source/operation index). */
  evaluated: number;
  matches: number;
  findings: number;
  /** Matches held back by a threshold not yet reached or a dedup period. */
  suppressed: number;
  /** Conditions that failed to evaluate, per rule id (a missing field read without has()/get()). */
  errors: Record<string, number>;
  /** Executor actions requested (config `actions`). */
  actions: number;
  /** Findings of a rule listed in `actions` that could name no key, per reason. */
  actionsSkipped: Record<string, number>;
}

/** Reads a stored state back, or a fresh one when it is absent or not of this version. */
function readState(v: unknown): WindowState {
  if (v !== null && typeof v === 'object' && (v as { v?: unknown }).v === 1 && typeof (v as { slots?: unknown }).slots === 'object' && (v as { slots?: unknown }).slots !== null) {
    return v as WindowState;
  }
  return emptyWindowState();
}

/**
 * Runs the rule packs on the activity stream: one finding per emitted match. Rules are loaded and
 * compiled once, in the constructor (a bad pack throws SLUICE_ERR_CONFIG_INVALID). State, for
 * rules with dedup or threshold, is one WindowState per principal (meta.key) in ctx.state.
 */
export class SignaturesDetector implements Detector<ApiActivity> {
  readonly name = DETECTOR_NAME;
  readonly rules: readonly CompiledRule[];
  private readonly set: ActivityRuleSet;
  private readonly severity = new Map<string, RuleSeverity>();
  private readonly limits: WindowLimits;
  private readonly counters: SignaturesStats = { events: 0, evaluated: 0, matches: 0, findings: 0, suppressed: 0, errors: {}, actions: 0, actionsSkipped: {} };
  private readonly deactivateKeyRules: ReadonlySet<string>;

  constructor(
    config: SignaturesConfig,
    private readonly ctx: DetectorContext<WindowState>,
    preloaded?: readonly CompiledRule[],
  ) {
    this.limits = { maxSlots: config.maxWindowsPerPrincipal, maxRelated: config.maxRelatedEvents };
    this.deactivateKeyRules = new Set(config.actions.deactivateAccessKey);
    if (!config.enabled) {
      this.rules = [];
      this.set = new ActivityRuleSet([]);
      return;
    }
    const all = preloaded ?? loadRulePacks(config.packs);
    const ids = new Set(all.map((r) => r.id));
    const unknown = [
      ...config.disabledRules.filter((id) => !ids.has(id)).map((id) => `disabledRules: no rule "${id}" in the packs`),
      ...Object.keys(config.severityOverrides).filter((id) => !ids.has(id)).map((id) => `severityOverrides: no rule "${id}" in the packs`),
      ...config.actions.deactivateAccessKey.filter((id) => !ids.has(id)).map((id) => `actions.deactivateAccessKey: no rule "${id}" in the packs`),
    ];
    if (unknown.length > 0) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `detectors.signatures: ${unknown.join('; ')}`, { details: { problems: unknown } });
    }
    const disabled = new Set(config.disabledRules);
    this.rules = all.filter((r) => r.input === 'activity' && !disabled.has(r.id));
    for (const r of this.rules) this.severity.set(r.id, config.severityOverrides[r.id] ?? r.severity);
    this.set = new ActivityRuleSet(this.rules);
  }

  process(event: ApiActivity, meta: EventMeta): Finding[] {
    this.counters.events++;
    const ev = this.set.evaluate(event);
    this.counters.evaluated += ev.evaluated;
    for (const { rule } of ev.errors) this.counters.errors[rule.id] = (this.counters.errors[rule.id] ?? 0) + 1;
    if (ev.matches.length === 0) return [];
    const out: Finding[] = [];
    let state: WindowState | null = null;
    for (const rule of ev.matches) {
      this.counters.matches++;
      const sev = this.severity.get(rule.id) ?? rule.severity;
      if (!isStateful(rule)) {
        out.push(toFinding(rule, sev, event, meta, { emit: true, idParts: [event.metadata.uid], count: 1, firstSeen: event.time, lastSeen: event.time, related: [event.metadata.uid], thresholdKey: null, dedupKey: null }));
        continue;
      }
      state ??= readState(this.ctx.state.get(meta.key));
      const d = applyWindows(rule, ev.bindings!, { time: event.time, uid: event.metadata.uid }, state, this.limits);
      if (d.emit) out.push(toFinding(rule, sev, event, meta, d));
      else this.counters.suppressed++;
    }
    if (state) {
      if (isEmptyState(state)) {
        if (this.ctx.state.has(meta.key)) this.ctx.state.delete(meta.key);
      } else this.ctx.state.set(meta.key, state);
    }
    this.counters.findings += out.length;
    if (this.deactivateKeyRules.size > 0) this.requestActions(event, out);
    return out;
  }

  /** deactivate_access_key actions for the findings of the rules listed in `actions.deactivateAccessKey`. */
  private requestActions(event: ApiActivity, findings: readonly Finding[]): void {
    for (const f of findings) {
      if (!this.deactivateKeyRules.has(f.rule)) continue;
      const rule = this.rules.find((r) => r.id === f.rule)!;
      const r = deactivateKeyAction(rule, event, f);
      if ('action' in r) {
        this.ctx.emit(r.action);
        this.counters.actions++;
      } else this.counters.actionsSkipped[r.skip] = (this.counters.actionsSkipped[r.skip] ?? 0) + 1;
    }
  }

  /** A copy of the counters. */
  stats(): SignaturesStats {
    return { ...this.counters, errors: { ...this.counters.errors }, actionsSkipped: { ...this.counters.actionsSkipped } };
  }
}
