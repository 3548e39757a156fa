import { collectorSpec } from '../collectors/registry.ts';
import { apiActivityHeader, type ApiActivity } from '../core/events.ts';
import type { CompiledRule } from './compile.ts';
import { durationMs, type RuleTestCase } from './schema.ts';
import { ActivityRuleSet } from './ruleset.ts';
import { applyWindows, emptyWindowState } from './windows.ts';
import { ResourceRuleSet } from './resource-ruleset.ts';
import { resourceView } from './resource-view.ts';

/**
 * The inline-test runner: each test of a rule is replayed through the same code the detector
 * runs (condition, then threshold and dedup windows on a fresh state), and passes when the
 * number of findings agrees with `expect` (and `findings` when given). A condition that fails to
 * evaluate on a test event (a missing field read without has()/get()) fails the test too.
 */

/** Time of test events that do not set one: 2024-01-02T03:04:05Z. */
export const TEST_TIME = Date.UTC(2024, 0, 2, 3, 4, 5);

type Json = Record<string, unknown>;

const BASES: Record<string, () => ApiActivity> = {
  aws_cloudtrail: () =>
    base('aws_cloudtrail', 'CloudTrail', 'AWS', 'AwsApiCall', {
      user: { uid: 'arn:aws:iam::111122223333:user/test-user', name: 'test-user', type: 'IAMUser', account_uid: '111122223333', credential_uid: 'AKIAEXAMPLEEXAMPLE01' },
      cloud: { provider: 'AWS', region: 'us-east-1', account_uid: '111122223333' },
      userAgent: 'aws-cli/2.15.0 Python/3.11.6',
    }),
  azure_activity: () =>
    base('azure_activity', 'Azure Activity Log', 'Microsoft', 'Administrative', {
      user: { uid: '00000000-0000-0000-0000-0000000000aa', name: 'test.user@example.com', type: 'User', account_uid: '00000000-0000-0000-0000-0000000000bb', credential_uid: null },
      cloud: { provider: 'Azure', region: 'westeurope', account_uid: '00000000-0000-0000-0000-0000000000cc' },
      userAgent: null,
    }),
  k8s_audit: () =>
    base('k8s_audit', 'Kubernetes Audit', 'Kubernetes', null, {
      user: { uid: 'test-user@example.com', name: 'test-user@example.com', type: 'User', account_uid: null, credential_uid: null },
      cloud: { provider: 'Kubernetes', region: null, account_uid: null },
      userAgent: 'kubectl/v1.29.0 (linux/amd64) kubernetes/abcdef',
    }),
  gcp_audit: () =>
    base('gcp_audit', 'Cloud Audit Logs', 'Google', 'cloudaudit.googleapis.com/activity', {
      user: { uid: 'test.user@example.com', name: 'test.user@example.com', type: 'User', account_uid: 'example.com', credential_uid: null },
      cloud: { provider: 'GCP', region: 'global', account_uid: 'example-project' },
      userAgent: 'google-cloud-sdk gcloud/470.0.0',
    }),
};

function base(
  source: string,
  product: string,
  vendor: string,
  logName: string | null,
  o: { user: ApiActivity['actor']['user']; cloud: ApiActivity['cloud']; userAgent: string | null },
): ApiActivity {
  return {
    ...apiActivityHeader(99, TEST_TIME, 'Success', source === 'k8s_audit' ? '200' : null, null),
    metadata: { uid: 'test-event', version: '1.8.0', product_name: product, vendor_name: vendor, log_name: logName, original_time: '2024-01-02T03:04:05Z', source },
    actor: { user: o.user, session: null, invoked_by: null },
    api: { operation: 'unknown', service_name: 'unknown', request_uid: null, version: null },
    cloud: o.cloud,
    src_endpoint: { ip: '198.51.100.23', domain: null },
    user_agent: o.userAgent,
    resources: [],
    unmapped: '{}',
    raw_data: null,
  };
}

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const FREE_FORM = new Set(['unmapped', 'raw_data']);

function merge(into: Json, partial: Json, path: string): Json {
  for (const [k, v] of Object.entries(partial)) {
    const here = path ? `${path}.${k}` : k;
    if (!Object.hasOwn(into, k) && !FREE_FORM.has(path.split('.')[0]!)) throw new Error(`the event has no field ${here}`);
    if (isObj(v) && isObj(into[k]) && !FREE_FORM.has(k)) into[k] = merge({ ...(into[k] as Json) }, v, here);
    else into[k] = v;
  }
  return into;
}

/**
 * A full ApiActivity from a partial one: the partial is deep-merged over the source's defaults
 * (objects merged, arrays and scalars replaced; a field the event does not have is an error); `unmapped` and `raw_data` may be written as
 * objects (they are serialized); `status` alone sets `status_id` (Success 1, Failure 2, Unknown 0)
 * and `status_id` alone sets `status`; `activity_id` sets `type_uid`.
 */
export function buildTestEvent(partial: Json, source: string): ApiActivity {
  const make = BASES[source];
  if (!make) throw new Error(`no test defaults for source ${source}`);
  const e = merge(make() as unknown as Json, partial, '') as unknown as ApiActivity & { unmapped: unknown; raw_data: unknown };
  if (isObj(e.unmapped)) e.unmapped = JSON.stringify(e.unmapped);
  if (isObj(e.raw_data)) e.raw_data = JSON.stringify(e.raw_data);
  const statusIds = { Success: 1, Failure: 2, Unknown: 0 } as const;
  if (partial.status !== undefined && partial.status_id === undefined) e.status_id = statusIds[e.status] ?? 0;
  if (partial.status_id !== undefined && partial.status === undefined) e.status = e.status_id === 1 ? 'Success' : e.status_id === 2 ? 'Failure' : 'Unknown';
  if (partial.activity_id !== undefined && partial.type_uid === undefined) e.type_uid = 600300 + e.activity_id;
  return e as ApiActivity;
}

/** Normalizes one native record with the source's collector (a record without a time gets TEST_TIME). */
export function normalizeTestRecord(record: Json, source: string): ApiActivity {
  const spec = collectorSpec(source);
  if (!spec) throw new Error(`unknown source ${source}`);
  const outs = [...spec.create().collect({ name: 'rule-test', bytes: Buffer.from(JSON.stringify(record)) })];
  const events = outs.filter((o) => o.kind === 'event');
  if (outs.length !== 1 || events.length !== 1 || events[0]!.stream !== 'activity') {
    const why = outs.map((o) => (o.kind === 'dead_letter' ? o.reason : `${o.stream} event`)).join('; ');
    throw new Error(`the ${source} collector did not make exactly one activity event of the record: ${why || 'no output'}`);
  }
  const e = events[0]!.event as ApiActivity;
  const fallbacks = (JSON.parse(e.unmapped) as { _sluice?: { fallbacks?: string[] } })._sluice?.fallbacks ?? [];
  return fallbacks.includes('time') ? { ...e, time: TEST_TIME } : e;
}

/** A deep copy with `{i}` in every string replaced by the copy number. */
function numbered(v: unknown, i: string): unknown {
  if (typeof v === 'string') return v.includes('{i}') ? v.replaceAll('{i}', i) : v;
  if (Array.isArray(v)) return v.map((x) => numbered(x, i));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbered(x, i)]));
  return v;
}

/** The events of one test case, in order (repeats expanded; `{i}` in strings becomes the copy number). */
export function testEvents(rule: CompiledRule, t: RuleTestCase): ApiActivity[] {
  const source = t.source ?? rule.sources?.[0] ?? 'aws_cloudtrail';
  const one: ApiActivity[] = t.event
    ? [buildTestEvent(t.event, source)]
    : t.events
      ? t.events.map((e) => buildTestEvent(e, source))
      : t.record
        ? [normalizeTestRecord(t.record, source)]
        : (t.records ?? []).map((r) => normalizeTestRecord(r, source));
  // Distinct uids unless the test sets them, so findings stay distinct.
  one.forEach((e, i) => {
    if (e.metadata.uid === 'test-event') e.metadata = { ...e.metadata, uid: `test-event-${i}` };
  });
  const repeat = t.repeat ?? 1;
  if (repeat === 1) return one;
  const step = t.interval ? durationMs(t.interval) : 1000;
  const span = one.length > 0 ? Math.max(...one.map((e) => e.time)) - Math.min(...one.map((e) => e.time)) : 0;
  const out: ApiActivity[] = [];
  for (let i = 0; i < repeat; i++) {
    for (const e of one) {
      const copy = numbered(e, String(i)) as ApiActivity;
      out.push({ ...copy, time: e.time + i * (span + step), metadata: { ...copy.metadata, uid: `${e.metadata.uid}#${i}` } });
    }
  }
  return out;
}

/** The outcome of one inline test. */
export interface RuleTestResult {
  rule: string;
  test: string;
  ok: boolean;
  expected: boolean;
  findings: number;
  /** Why it failed: evaluation errors, a build problem, or the mismatch. */
  message: string;
}

/** Runs one test case of a posture rule: the resource's view, then the condition (true = a violation). */
function runResourceRuleTest(rule: CompiledRule, t: RuleTestCase, result: (ok: boolean, findings: number, message: string) => RuleTestResult): RuleTestResult {
  if (!t.resource) return result(false, 0, 'a resource rule test needs `resource` (type, format, configuration)');
  const view = resourceView({ uid: `test:${t.resource.type}/test-resource`, type: t.resource.type, name: t.resource.name ?? 'test-resource', format: t.resource.format, configuration: t.resource.configuration });
  if (rule.kinds !== null && !rule.kinds.includes(view.kind)) return result(false, 0, `the test resource is of kind ${view.kind}, not one of the rule's kinds (${(rule.kinds ?? []).join(', ')})`);
  const ev = new ResourceRuleSet([{ ...rule, enabled: true }]).evaluate(view);
  if (ev.errors.length > 0) return result(false, 0, `the condition failed to evaluate: ${ev.errors[0]!.error}`);
  const findings = ev.failed.length;
  const ok = (findings > 0) === t.expect;
  return result(ok, findings, ok ? '' : `expected ${t.expect ? 'a violation' : 'no violation'}, got ${findings > 0 ? 'one' : 'none'}`);
}

/**
 * The findings one activity rule emits over events in order, dedup and threshold windows applied on
 * a fresh state (what the signatures detector does for one principal), and the condition errors
 * (`<event uid>: <error>`).
 */
export function activityFindings(rule: CompiledRule, events: readonly ApiActivity[]): { findings: number; errors: string[] } {
  const set = new ActivityRuleSet([{ ...rule, enabled: true }]);
  const state = emptyWindowState();
  let findings = 0;
  const errors: string[] = [];
  for (const e of events) {
    const ev = set.evaluate(e);
    for (const x of ev.errors) errors.push(`${e.metadata.uid}: ${x.error}`);
    for (const r of ev.matches) if (applyWindows(r, ev.bindings!, { time: e.time, uid: e.metadata.uid }, state).emit) findings++;
  }
  return { findings, errors };
}

/** Runs one test case of a rule. */
export function runRuleTest(rule: CompiledRule, t: RuleTestCase): RuleTestResult {
  const result = (ok: boolean, findings: number, message: string): RuleTestResult => ({ rule: rule.id, test: t.name, ok, expected: t.expect, findings, message });
  if (rule.input === 'resource') return runResourceRuleTest(rule, t, result);
  let events: ApiActivity[];
  try {
    events = testEvents(rule, t);
  } catch (err) {
    return result(false, 0, `could not build the test events: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { findings, errors } = activityFindings(rule, events);
  if (errors.length > 0) return result(false, findings, `the condition failed to evaluate: ${[...new Set(errors)].slice(0, 3).join('; ')}`);
  const countOk = t.findings === undefined || t.findings === findings;
  const ok = (findings > 0) === t.expect && countOk;
  const want = t.findings !== undefined ? `${t.findings} finding(s)` : t.expect ? 'a finding' : 'no finding';
  return result(ok, findings, ok ? '' : `expected ${want}, got ${findings} over ${events.length} event(s)`);
}

/** Runs every inline test of a rule. */
export function runRuleTests(rule: CompiledRule): RuleTestResult[] {
  return rule.tests.map((t) => runRuleTest(rule, t));
}
