/**
 * The object verdict: counts per data type, highest severity, a 0-100 risk score, and the policies
 * it triggers, each an action event (alert, quarantine, delete) for a remediation function.
 */
import { SEVERITY, type SeverityName } from '../../core/events.ts';
import { findingId } from '../../core/finding-id.ts';
import type { SideOutput } from '../../core/components.ts';
import type { StoredObject } from '../../core/model/object-chunk.ts';
import type { PolicyConfig } from './config.ts';
import { DETECTOR_NAME, versionTag, type VerdictSummary } from './findings.ts';
import { gapChunks, type DlpObjectState } from './state.ts';
import type { DataCategory } from './types.ts';

const NAMES: readonly SeverityName[] = ['Informational', 'Informational', 'Low', 'Medium', 'High', 'Critical'];

/** Severity name of an OCSF severity_id (1..5). */
export function severityName(id: number): SeverityName {
  return NAMES[Math.max(1, Math.min(5, id))]!;
}

/** Weight of the highest severity in the risk score. */
export const RISK_WEIGHTS: Readonly<Record<SeverityName, number>> = { Informational: 0, Low: 15, Medium: 35, High: 60, Critical: 80 };

/**
 * Risk score 0-100: the weight of the highest severity (Low 15, Medium 35, High 60, Critical 80),
 * plus volume (5 x log10(1 + matches), at most 15), plus diversity (3 per further data type, at most 10).
 * 0 when nothing was found.
 */
export function riskScore(counts: Readonly<Record<string, number>>, severity: Readonly<Record<string, number>>): number {
  const types = Object.keys(counts).filter((t) => (counts[t] ?? 0) > 0);
  if (types.length === 0) return 0;
  const total = types.reduce((n, t) => n + counts[t]!, 0);
  const top = Math.max(...types.map((t) => severity[t] ?? 1));
  const score = RISK_WEIGHTS[severityName(top)] + Math.min(15, 5 * Math.log10(1 + total)) + Math.min(10, 3 * (types.length - 1));
  return Math.round(Math.min(100, score));
}

/** Policies whose conditions the object meets, in config order. */
export function matchPolicies(policies: readonly PolicyConfig[], counts: Readonly<Record<string, number>>, severity: Readonly<Record<string, number>>, risk: number): PolicyConfig[] {
  return policies.filter((p) => {
    const types = p.dataTypes.length > 0 ? p.dataTypes : Object.keys(counts);
    const n = types.reduce((sum, t) => sum + (counts[t] ?? 0), 0);
    const top = types.reduce((m, t) => ((counts[t] ?? 0) > 0 ? Math.max(m, severity[t] ?? 1) : m), 0);
    return n >= p.minCount && top >= SEVERITY[p.minSeverity] && risk >= p.minRiskScore;
  });
}

/** Builds the verdict summary of a finished object from its state. */
export function summarize(st: DlpObjectState, policies: readonly PolicyConfig[], categories: ReadonlyMap<string, DataCategory>, lastUid: string): VerdictSummary {
  const counts = { ...st.counts };
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const topId = Object.values(st.severity).reduce((a, b) => Math.max(a, b), 1);
  const risk = riskScore(counts, st.severity);
  const severityByType: Record<string, SeverityName> = {};
  for (const [t, s] of Object.entries(st.severity)) severityByType[t] = severityName(s);
  // The category of the most severe type (ties: the most frequent).
  let category: DataCategory = 'Other';
  let best = -1;
  for (const t of Object.keys(counts)) {
    const score = (st.severity[t] ?? 1) * 1e9 + counts[t]!;
    if (score > best) {
      best = score;
      category = categories.get(t) ?? 'Other';
    }
  }
  const notes: VerdictSummary['notes'] = [];
  if (st.skip !== null) notes.push({ skipped: st.skip, bytes_not_scanned: st.bytesSkipped });
  const missing = gapChunks(st.gaps);
  if (st.counters.skippedChunks > 0 || missing > 0) {
    notes.push({ incomplete: true, chunks_skipped: st.counters.skippedChunks, chunks_still_missing: missing, late_chunks_scanned: st.counters.lateChunks });
  }
  if (st.unemitted > 0) notes.push({ findings_not_emitted: st.unemitted, reason: 'maxFindingsPerObject' });
  if (st.counters.carryLost > 0) notes.push({ carry_lost: st.counters.carryLost });
  notes.push({ bytes_scanned: st.bytesScanned, chunks: st.chunks, encoding: st.encoding });
  const actions = matchPolicies(policies, counts, st.severity, risk).map((p) => ({ policy: p.name, action: p.action }));
  const related = [...new Set([st.firstUid, lastUid].filter((u): u is string => typeof u === 'string' && u !== ''))];
  return { counts, severityByType, total, highest: severityName(total > 0 ? topId : 1), risk, category, notes, actions, related, firstTime: st.firstTime ?? 0 };
}

/** True when the configured `verdicts` setting wants a verdict for this object. */
export function wantsVerdict(mode: 'all' | 'findings' | 'findings_or_skipped', v: VerdictSummary): boolean {
  if (mode === 'all' || v.total > 0) return true;
  return mode === 'findings_or_skipped' && v.notes.some((n) => 'skipped' in n || 'incomplete' in n);
}

/** The action events of a verdict, one per matched policy, with deterministic ids. */
export function actionEvents(v: VerdictSummary, policies: readonly PolicyConfig[], o: StoredObject, key: string, verdictId: string, time: number): SideOutput[] {
  return v.actions.map(({ policy, action }) => {
    const p = policies.find((x) => x.name === policy)!;
    const types = p.dataTypes.length > 0 ? p.dataTypes : Object.keys(v.counts);
    const counted: Record<string, number> = {};
    for (const t of types) if ((v.counts[t] ?? 0) > 0) counted[t] = v.counts[t]!;
    const n = Object.values(counted).reduce((a, b) => a + b, 0);
    const reason =
      `policy ${policy}: ${n} finding${n === 1 ? '' : 's'} of ${Object.keys(counted).join(', ')}` +
      ` (highest ${v.highest}, risk ${v.risk}) meet minCount ${p.minCount}, minSeverity ${p.minSeverity}, minRiskScore ${p.minRiskScore}`;
    return {
      stream: 'actions' as const,
      key,
      value: {
        id: findingId(DETECTOR_NAME, `action:${policy}`, key, [versionTag(o)]),
        action,
        object: { ref: key, store: o.store, bucket: o.bucket, key: o.key, version_id: o.version_id, etag: o.etag },
        reason,
        policy,
        data_types: counted,
        severity: v.highest,
        risk_score: v.risk,
        finding_id: verdictId,
        detector: DETECTOR_NAME,
        time,
      },
    };
  });
}
