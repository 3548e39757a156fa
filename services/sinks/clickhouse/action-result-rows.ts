/**
 * ActionResult -> one row of `{db}.action_results` (schemas/clickhouse/003_action_results.sql).
 * Absent values are empty strings; DateTimes are `YYYY-MM-DD hh:mm:ss` UTC text and booleans 0/1,
 * which every server version parses in JSONEachRow (18.16 included).
 */
import { actionResultProblem, type ActionResult } from '../../core/actions.ts';
import { formatDate, formatDateTime, stringifyWellFormed, toWellFormed } from './sql.ts';

/** Column order of the INSERT. */
export const ACTION_RESULT_COLUMNS = ['action_id', 'executor', 'outcome', 'dry_run', 'time', 'date', 'account', 'region', 'target', 'reason', 'steps', 'finding_id', 'detector', 'result_json', 'version', 'ingested_at'] as const;

/** A result that cannot be stored (not an ActionResult, or a time outside DateTime's range). */
export class ActionResultRowError extends Error {}

const s = (v: string | null | undefined): string => (v == null ? '' : toWellFormed(v));

/**
 * The row of one result. `version` is the result's time in ms: the same result written twice is
 * one row; of two results of one (action, executor, outcome), the later one is kept.
 */
export function toActionResultRow(r: ActionResult, ingestedAt: number): Record<(typeof ACTION_RESULT_COLUMNS)[number], unknown> {
  const problem = actionResultProblem(r);
  if (problem !== null) throw new ActionResultRowError(`action result ${JSON.stringify(String((r as { action_id?: unknown }).action_id ?? ''))}: ${problem}`);
  const time = Math.floor(r.time);
  return {
    action_id: s(r.action_id),
    executor: s(r.executor),
    outcome: r.outcome,
    dry_run: r.dry_run ? 1 : 0,
    time: formatDateTime(time),
    date: formatDate(time),
    account: s(r.account),
    region: s(r.region),
    target: stringifyWellFormed(r.target ?? {}),
    reason: s(r.reason),
    steps: (r.steps ?? []).map((x) => s(x)),
    finding_id: s(r.finding_id),
    detector: s(r.detector),
    result_json: stringifyWellFormed(r),
    version: time,
    ingested_at: formatDateTime(Math.min(4_294_967_295_000, Math.max(0, Math.floor(ingestedAt)))),
  };
}
