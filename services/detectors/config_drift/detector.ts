import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { findingId, findingHeader } from '../../core/finding-id.ts';
import type { KeyedState } from '../../core/state.ts';
import { FINDING_SEVERITY, parseConfiguration } from '../../rules/index.ts';
import type { ConfigDriftConfig } from './config.ts';
import { diffConfigurations, type ConfigDiff } from './diff.ts';
import { riskSignalsOf, type RiskSignal } from './risks.ts';
import { applyApproval, type BaselineApproval, type DriftState } from './state.ts';
import { z } from 'zod';

/** A baseline approval on the control topic. */
export const ApprovalMessage = z.strictObject({
  detector: z.literal('config_drift'),
  type: z.literal('approve'),
  resource: z.string().min(1).max(2048),
  hash: z.string().min(1).max(256).optional(),
  by: z.string().min(1).max(200),
  time: z.number().int().nonnegative(),
});

export const DETECTOR_NAME = 'config_drift';

/**
 * Keeps per resource its current configuration and a baseline (the first seen, or an approved
 * one), diffs every change, and raises a drift finding for each risky property a change
 * introduces (a port opened to the world, a public access block removed, encryption or logging
 * turned off, a public bucket policy, a privileged pod, a cluster-admin binding...). Deletions and
 * re-creations are tracked; an unchanged configuration (same hash) is ignored.
 */
export class ConfigDriftDetector implements Detector<ConfigState> {
  readonly name = DETECTOR_NAME;
  private readonly state: KeyedState<DriftState>;

  constructor(
    private readonly config: ConfigDriftConfig,
    ctx: Pick<DetectorContext<DriftState>, 'state'>,
  ) {
    this.state = ctx.state;
  }

  private stored(text: string | null): string | null {
    return text !== null && Buffer.byteLength(text) <= this.config.maxStoredConfigBytes ? text : null;
  }

  /** Baseline approvals from the control topic, latest per resource. */
  private approvals = new Map<string, BaselineApproval>();
  /** Control messages that failed validation (ignored). */
  controlsRejected = 0;

  /**
   * The runtime hands over the current control messages: `{ detector: 'config_drift', type:
   * 'approve', resource, hash?, by, time }`. An approval takes effect when the resource is next
   * processed (its next configuration event), if it is newer than the resource's last approval.
   */
  control(messages: readonly unknown[]): void {
    const next = new Map<string, BaselineApproval>();
    for (const m of messages) {
      const parsed = ApprovalMessage.safeParse(m);
      if (!parsed.success) {
        this.controlsRejected++;
        continue;
      }
      const { resource, hash, by, time } = parsed.data;
      const prev = next.get(resource);
      if (!prev || prev.time <= time) next.set(resource, { resource, by, time, ...(hash === undefined ? {} : { hash }) });
    }
    this.approvals = next;
  }

  process(e: ConfigState, meta: EventMeta): Finding[] {
    let prev = this.state.get(meta.key);
    const approval = this.approvals.get(meta.key);
    if (prev && approval && (prev.approvedAt ?? -Infinity) < approval.time) {
      const result = applyApproval(prev, approval);
      if (result.applied && result.state) {
        prev = result.state;
        this.state.set(meta.key, prev);
      }
    }
    if (e.change_type === 'delete') {
      if (!prev || prev.deleted) return [];
      this.state.set(meta.key, { ...prev, deleted: true, lastTime: e.time, lastUid: e.metadata.uid });
      return this.config.reportDeletions ? [this.finding(e, meta, { key: 'deleted', rule: 'deleted', severity: 'low', title: 'Tracked resource deleted' }, null, prev)] : [];
    }
    if (e.configuration === null && e.configuration_hash === null) return []; // oversized notification: nothing to compare
    const text = this.stored(e.configuration);
    if (!prev) {
      this.state.set(meta.key, {
        v: 1, current: text, currentHash: e.configuration_hash, baseline: text, baselineHash: e.configuration_hash, baselineSource: 'first_seen',
        approvedAt: null, approvedBy: null, deleted: false, lastTime: e.time, lastUid: e.metadata.uid,
      });
      return [];
    }
    const recreated = prev.deleted;
    if (!recreated && prev.currentHash === e.configuration_hash) return [];
    if (!recreated && e.time < prev.lastTime) return []; // an older version arriving late: state keeps the newest
    const diff = prev.current !== null && text !== null
      ? diffConfigurations(parseConfiguration(prev.current), parseConfiguration(text), { maxPaths: this.config.maxDiffPaths, maxValueChars: this.config.maxValueChars })
      : null;
    const before = new Set(riskSignalsOf(e, prev.current).map((s) => s.key));
    const introduced = riskSignalsOf(e, e.configuration).filter((s) => !before.has(s.key));
    this.state.set(meta.key, { ...prev, current: text, currentHash: e.configuration_hash, deleted: false, lastTime: e.time, lastUid: e.metadata.uid });
    const out = introduced.map((s) => this.finding(e, meta, s, diff, prev));
    if (recreated && this.config.reportDeletions) out.push(this.finding(e, meta, { key: 'recreated', rule: 'recreated', severity: 'low', title: 'Deleted resource re-created' }, diff, prev));
    else if (out.length === 0 && this.config.reportAllChanges) out.push(this.finding(e, meta, { key: 'changed', rule: 'changed', severity: 'informational', title: 'Configuration changed' }, diff, prev));
    return out;
  }

  private finding(e: ConfigState, meta: EventMeta, s: RiskSignal, diff: ConfigDiff | null, prev: DriftState): Finding {
    const rule = `config_drift.${s.rule}`;
    const id = findingId(DETECTOR_NAME, rule, meta.key, [e.metadata.uid, s.key]);
    const sev = FINDING_SEVERITY[s.severity];
    const baselineDiffers = e.change_type === 'delete' ? true : prev.baselineHash !== e.configuration_hash;
    return {
      ...findingHeader(id, 2004, e.time, sev, `${s.title}: ${e.resource.type} ${e.resource.uid} (${e.change_type}${diff ? `, ${diff.total} path${diff.total === 1 ? '' : 's'} changed` : ''})`),
      finding_info: {
        uid: id,
        title: s.title,
        desc: 'A configuration change introduced a risky property the previous configuration did not have.',
        analytic: { uid: rule, name: s.title, type: 'Behavioral' },
        attacks: [],
        first_seen_time: prev.lastTime,
        last_seen_time: e.time,
        related_events: [{ uid: prev.lastUid }, { uid: e.metadata.uid }],
      },
      detector: DETECTOR_NAME,
      rule,
      entity: { kind: 'resource', key: meta.key },
      count: 1,
      evidences: [
        {
          signal: s.key,
          change_type: prev.deleted ? 'recreate' : e.change_type,
          resource_uid: e.resource.uid,
          resource_type: e.resource.type,
          source: e.source,
          previous_hash: prev.currentHash,
          new_hash: e.configuration_hash,
          baseline_hash: prev.baselineHash,
          baseline_source: prev.baselineSource,
          differs_from_baseline: baselineDiffers,
          paths_changed: diff?.total ?? null,
          // Secret-looking values are masked (diff.ts); long values are cut.
          diff: diff ? JSON.stringify(diff.entries) : null,
        },
      ],
      cloud: { provider: e.source === 'aws_config' || e.resource.type.startsWith('AWS::') ? 'AWS' : 'Kubernetes', region: e.resource.region, account_uid: e.resource.account_uid },
    };
  }
}
