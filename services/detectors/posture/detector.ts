import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { SluiceError } from '../../core/errors.ts';
import type { KeyedState } from '../../core/state.ts';
import { configStateView, loadRulePacks, ResourceRuleSet, type CompiledRule } from '../../rules/index.ts';
import { remediationAction } from '../../core/actions.ts';
import type { PostureConfig } from './config.ts';
import { DETECTOR_NAME, postureFinding } from './finding.ts';

/** Per-resource state: the ids of the rules the resource fails now. */
export interface PostureState {
  v: 1;
  /** Sorted rule ids, at most maxRulesPerResource. */
  failing: string[];
}

/** Counters for tests and benchmarks. */
export interface PostureStats {
  events: number;
  evaluated: number;
  errors: number;
  skipped: number;
}

/** Loads the posture rules of the configured packs (resource rules only, disabled ones left out). */
export function loadPostureRules(config: Pick<PostureConfig, 'packs' | 'disabledRules'>): CompiledRule[] {
  const all = loadRulePacks(config.packs).filter((r) => r.input === 'resource');
  const ids = new Set(all.map((r) => r.id));
  const unknown = config.disabledRules.filter((id) => !ids.has(id));
  if (unknown.length > 0) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `detectors.posture.disabledRules names unknown rules: ${unknown.join(', ')}`);
  const off = new Set(config.disabledRules);
  return all.filter((r) => !off.has(r.id));
}

/**
 * Evaluates the posture rules on each configuration change and reports only transitions: a rule
 * the resource starts failing (a Compliance finding with status fail, plus a remediation action
 * when the rule has a remediation) and a failure that is resolved (status pass: the rule passes,
 * or the resource is deleted). A rule whose condition errors keeps its previous status.
 */
export class PostureDetector implements Detector<ConfigState> {
  readonly name = DETECTOR_NAME;
  private readonly rules: ResourceRuleSet;
  private readonly byId: Map<string, CompiledRule>;
  private readonly state: KeyedState<PostureState>;
  private readonly counters: PostureStats = { events: 0, evaluated: 0, errors: 0, skipped: 0 };

  constructor(
    private readonly config: PostureConfig,
    private readonly ctx: Pick<DetectorContext<PostureState>, 'state' | 'emit'>,
    rules?: readonly CompiledRule[],
  ) {
    this.rules = new ResourceRuleSet(rules ?? loadPostureRules(config));
    this.byId = new Map(this.rules.rules.map((r) => [r.id, r]));
    this.state = ctx.state;
  }

  stats(): PostureStats {
    return { ...this.counters };
  }

  process(e: ConfigState, meta: EventMeta): Finding[] {
    this.counters.events++;
    const prev = this.state.get(meta.key);
    const before = new Set(prev?.failing ?? []);
    if (e.change_type === 'delete') {
      const out = [...before].flatMap((id) => {
        const r = this.byId.get(id);
        return r ? [postureFinding(r, 'pass', e, meta, 'resource deleted')] : [];
      });
      if (prev) this.state.delete(meta.key);
      return out;
    }
    if (e.configuration === null) {
      // Oversized or over the cap: the configuration is unknown, statuses stay as they were.
      this.counters.skipped++;
      return [];
    }
    const ev = this.rules.evaluate(configStateView(e));
    this.counters.evaluated += ev.failed.length + ev.passed.length + ev.errors.length;
    this.counters.errors += ev.errors.length;
    const findings: Finding[] = [];
    const after = new Set(before);
    for (const r of ev.failed) {
      if (before.has(r.id)) continue;
      const f = postureFinding(r, 'fail', e, meta, 'configuration fails the rule');
      findings.push(f);
      after.add(r.id);
      if (this.config.remediationActions && r.remediation) {
        this.ctx.emit(
          remediationAction({
            detector: DETECTOR_NAME,
            rule: r.id,
            title: r.title,
            severity: r.severity,
            resourceUid: e.resource.uid,
            resourceType: e.resource.type,
            remediation: r.remediation,
            findingId: f.id,
            eventUid: e.metadata.uid,
            time: e.time,
          }),
        );
      }
    }
    for (const r of ev.passed) {
      if (!before.has(r.id)) continue;
      findings.push(postureFinding(r, 'pass', e, meta, 'configuration now passes'));
      after.delete(r.id);
    }
    // Rules that no longer apply (the kind changed, the rule was removed): dropped silently.
    for (const id of after) if (!this.byId.has(id)) after.delete(id);
    const failing = [...after].sort().slice(0, this.config.maxRulesPerResource);
    if (failing.length === 0) {
      if (prev) this.state.delete(meta.key);
    } else if (!prev || failing.join('\n') !== prev.failing.join('\n')) {
      this.state.set(meta.key, { v: 1, failing });
    }
    return findings;
  }
}
