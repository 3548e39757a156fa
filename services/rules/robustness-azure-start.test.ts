/**
 * Azure Resource Manager logs a write's request body on its Start record (resultType `Start`,
 * REST `Started`) and the response on the outcome record. Every Azure rule that judges a change
 * by its request body must fire on the Start record that carries the body, as on a Success record
 * that carries it (the form of exports and peers' test suites); a Start record without a body
 * fires nothing; and rules that read both bodies report one operation once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiActivity, Finding } from '../core/events.ts';
import { ManualClock } from '../core/clock.ts';
import { MemoryKeyedState } from '../core/state.ts';
import { SignaturesConfig, SignaturesDetector } from '../detectors/signatures/index.ts';
import { loadRulePacks } from './loader.ts';
import { runRuleTest, testEvents } from './testing.ts';
import type { RuleTestCase } from './schema.ts';
import type { WindowState } from './windows.ts';

const pack = loadRulePacks(['@builtin/activity']);
const requestRules = pack.filter((r) => r.sources?.includes('azure_activity') && r.condition.includes('azureRequest('));

const hasBody = (t: RuleTestCase): boolean => JSON.stringify(t.event ?? t.events ?? t.record ?? t.records ?? null).toLowerCase().includes('"requestbody"');

/** The same test case as the Start record of the operation. */
function asStart(t: RuleTestCase): RuleTestCase {
  const ev = (e: Record<string, unknown>): Record<string, unknown> => ({ ...e, status: 'Unknown', unmapped: { ...((e.unmapped as Record<string, unknown>) ?? {}), resultType: 'Start' } });
  const rec = (r: Record<string, unknown>): Record<string, unknown> =>
    r.status && typeof r.status === 'object' ? { ...r, status: { value: 'Started', localizedValue: 'Started' } } : { ...r, resultType: 'Start', resultSignature: 'Started.' };
  if (t.event) return { ...t, event: ev(t.event as Record<string, unknown>) as RuleTestCase['event'] };
  if (t.events) return { ...t, events: (t.events as Array<Record<string, unknown>>).map(ev) as RuleTestCase['events'] };
  if (t.record) return { ...t, record: rec(t.record as Record<string, unknown>) as RuleTestCase['record'] };
  return { ...t, records: (t.records as Array<Record<string, unknown>>).map(rec) as RuleTestCase['records'] };
}

test('the Azure rules that read the request body are found (the test can see them)', () => {
  assert.ok(requestRules.length >= 30, `${requestRules.length} rules`);
});

test('a positive test whose body is on a Success record also fires as the Start record of the operation', () => {
  const failures: string[] = [];
  let checked = 0;
  for (const rule of requestRules) {
    for (const t of rule.tests) {
      if (!t.expect || !hasBody(t) || t.repeat) continue;
      const events = testEvents(rule, t);
      if (!events.every((e) => e.status_id === 1)) continue;
      checked++;
      const r = runRuleTest(rule, asStart(t));
      if (!r.ok) failures.push(`${rule.id} / ${t.name}: ${r.message ?? 'did not fire as a Start record'}`);
    }
  }
  assert.ok(checked >= 30, `${checked} positive tests re-run as Start records`);
  assert.deepEqual(failures, []);
});

test('a Start record without a request body fires none of these rules', () => {
  const failures: string[] = [];
  for (const rule of requestRules) {
    for (const t of rule.tests) {
      if (!t.expect || !t.event || !hasBody(t)) continue;
      const e = t.event as Record<string, unknown>;
      const unmapped = { ...((e.unmapped as Record<string, unknown>) ?? {}) };
      const props = { ...((unmapped.properties as Record<string, unknown>) ?? {}) };
      delete props.requestbody;
      delete props.requestBody;
      const r = runRuleTest(rule, { ...t, expect: false, event: { ...e, status: 'Unknown', unmapped: { ...unmapped, properties: props, resultType: 'Start' } } as RuleTestCase['event'] });
      if (!r.ok) failures.push(`${rule.id} / ${t.name}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('a role assignment logged as Start (request) and Success (response) of one operation gives one finding; each alone fires', () => {
  const emitted: Finding[] = [];
  const d = new SignaturesDetector(SignaturesConfig.parse({}), { clock: new ManualClock(0), state: new MemoryKeyedState<WindowState>(), emit: () => undefined }, pack);
  const rule = pack.find((r) => r.id === 'azure.authorization.privileged_role_assigned')!;
  const positive = rule.tests.find((t) => t.expect && hasBody(t) && !t.repeat);
  assert.ok(positive, `${rule.id} has a positive test with a request body`);
  const [success] = testEvents(rule, positive);
  assert.equal(success!.status_id, 1);
  const body = (JSON.parse(success!.unmapped) as { properties: Record<string, unknown> }).properties;
  const request = body.requestbody ?? body.requestBody;
  const parsed = (typeof request === 'string' ? JSON.parse(request) : request) as { properties?: unknown; Properties?: unknown };
  const roleDef = parsed.properties ?? parsed.Properties;
  assert.ok(roleDef, 'the request body has the assignment properties');
  const base = JSON.parse(success!.unmapped) as Record<string, unknown>;
  const start: ApiActivity = { ...success!, status_id: 0, status: 'Unknown', metadata: { ...success!.metadata, uid: 'start-1' }, unmapped: JSON.stringify({ ...base, correlationId: 'c-1', resultType: 'Start' }) };
  const done: ApiActivity = {
    ...success!,
    time: success!.time + 2000,
    metadata: { ...success!.metadata, uid: 'success-1' },
    unmapped: JSON.stringify({ correlationId: 'c-1', resultType: 'Success', properties: { statusCode: 'Created', responseBody: JSON.stringify({ properties: roleDef }) } }),
  };
  const meta = { key: success!.actor.user.uid, topic: 't', partition: 0, offset: '0' };
  for (const e of [start, done]) emitted.push(...d.process(e, meta).filter((f) => f.rule === rule.id));
  assert.equal(emitted.length, 1, 'one finding for the operation');
  // Each record alone is enough (an export may carry only one of them).
  for (const e of [start, done]) {
    const alone = new SignaturesDetector(SignaturesConfig.parse({}), { clock: new ManualClock(0), state: new MemoryKeyedState<WindowState>(), emit: () => undefined }, pack);
    assert.equal(alone.process(e, meta).filter((f) => f.rule === rule.id).length, 1, e.metadata.uid);
  }
});
