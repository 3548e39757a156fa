/**
 * The native evaluator (native.ts) must give CEL's answer whenever it gives one. Checked on every
 * bundled activity rule against the inline test events of every rule of its source that the index
 * hands it (ActivityRuleSet.candidates), plus its own; and on small hand-made cases of the corners
 * where the two could part (missing fields, wrong types, errors absorbed by && and ||).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCelError, plan } from '@bufbuild/cel';
import type { ApiActivity } from '../core/events.ts';
import { parseCondition } from './check.ts';
import { RULE_ENV } from './env.ts';
import { loadRulePacks } from './loader.ts';
import { compileNative, UNKNOWN } from './native.ts';
import { ActivityRuleSet } from './ruleset.ts';
import { buildTestEvent, testEvents } from './testing.ts';
import { activityBindings, nativeInputOf } from './view.ts';

/** CEL's own answer: true/false, 'error' for a CEL error, or the value's text for keys. */
function celOnly(text: string, event: ApiActivity): unknown {
  const p = parseCondition(text);
  if ('error' in p) throw new Error(p.error);
  const fn = plan(RULE_ENV, p.parsed) as unknown as (ctx: unknown) => unknown;
  let v: unknown;
  try {
    v = fn(activityBindings(event));
  } catch {
    return 'error';
  }
  return isCelError(v) ? 'error' : v;
}

function nativeOnly(text: string, event: ApiActivity): unknown {
  const p = parseCondition(text);
  if ('error' in p) throw new Error(p.error);
  const fn = compileNative(p.parsed.expr);
  if (fn === null) return UNKNOWN;
  try {
    return fn(nativeInputOf(activityBindings(event))!);
  } catch {
    return UNKNOWN;
  }
}

const plans = new Map<string, (ctx: unknown) => unknown>();
const natives = new Map<string, ReturnType<typeof compileNative>>();
function compiled(text: string): { cel: (ctx: unknown) => unknown; nat: ReturnType<typeof compileNative> } {
  let cel = plans.get(text);
  if (!cel) {
    const p = parseCondition(text);
    if ('error' in p) throw new Error(p.error);
    cel = plan(RULE_ENV, p.parsed) as unknown as (ctx: unknown) => unknown;
    plans.set(text, cel);
    natives.set(text, compileNative(p.parsed.expr));
  }
  return { cel, nat: natives.get(text)! };
}

test('on the bundled rules and their test events, a native answer is always the CEL answer', () => {
  const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.input === 'activity');
  const set = new ActivityRuleSet(rules);
  const events: ApiActivity[] = [];
  const own = new Map<string, ApiActivity[]>();
  for (const r of rules) {
    const mine: ApiActivity[] = [];
    for (const t of r.tests) mine.push(...testEvents(r, t));
    own.set(r.id, mine);
    events.push(...mine);
  }
  const pairs = new Map<string, Set<ApiActivity>>();
  for (const r of rules) pairs.set(r.id, new Set(own.get(r.id)));
  for (const e of events) for (const r of set.candidates(e)) pairs.get(r.id)!.add(e);

  let decided = 0;
  let total = 0;
  const wrong: string[] = [];
  for (const r of rules) {
    const exprs = [r.condition, r.dedup?.key, r.threshold?.key ?? undefined, r.threshold?.distinct ?? undefined].filter((x): x is string => typeof x === 'string');
    for (const e of pairs.get(r.id)!) {
      const b = activityBindings(e);
      const input = nativeInputOf(b)!;
      for (const text of exprs) {
        const { cel, nat } = compiled(text);
        total++;
        if (nat === null) continue;
        let n: unknown;
        try {
          n = nat(input);
        } catch {
          n = UNKNOWN;
        }
        if (n === UNKNOWN) continue;
        decided++;
        let c: unknown;
        try {
          c = cel(b);
        } catch (err) {
          c = err;
        }
        // Keys compare as values (scalars only are answered natively); CEL errors must stay UNKNOWN.
        if (isCelError(c) || c instanceof Error) wrong.push(`${r.id} on ${e.metadata.uid}: native ${String(n)}, CEL error`);
        else if (c !== n && !(typeof c === 'bigint' && Number(c) === n)) wrong.push(`${r.id} on ${e.metadata.uid} (${text.slice(0, 80)}): native ${String(n)}, CEL ${String(c)}`);
      }
    }
  }
  assert.deepEqual(wrong.slice(0, 20), []);
  // The point of the native path: most evaluations need no CEL at all.
  assert.ok(decided / total > 0.5, `only ${decided} of ${total} evaluations answered natively`);
});

const EVENT = buildTestEvent(
  {
    api: { operation: 'PutBucketPolicy', service_name: 's3.amazonaws.com' },
    src_endpoint: { ip: '8.8.8.8' },
    unmapped: { requestParameters: { bucketName: 'b', list: ['x', 'y'] }, readOnly: false },
  },
  'aws_cloudtrail',
);

test('native and CEL agree on the corners: missing fields, types, absorbed errors', () => {
  const cases: Array<[string, unknown]> = [
    ["event.api.operation == 'PutBucketPolicy'", true],
    ["event.api.operation != 'PutBucketPolicy'", false],
    ['event.status_id == 1', true],
    ['event.status_id in [2, 3]', false],
    ["event.api.operation.startsWith('Put') && event.api.service_name.endsWith('.com')", true],
    // A missing field is a CEL error: native does not answer...
    ['event.unmapped.nope == 1', UNKNOWN],
    // ...unless the other side of && / || decides, as CEL's commutative operators do.
    ['event.unmapped.nope == 1 && event.status_id == 2', false],
    ['event.status_id == 2 && event.unmapped.nope == 1', false],
    ['event.unmapped.nope == 1 || event.status_id == 1', true],
    ['event.unmapped.nope == 1 || event.status_id == 2', UNKNOWN],
    // A method on a value of the wrong type is a CEL error too.
    ["event.status_id.startsWith('1')", UNKNOWN],
    ["get(event.unmapped, 'requestParameters.bucketName') == 'b'", true],
    ["get(event.unmapped, ['requestParameters', 'list', '1']) == 'y'", true],
    ["get(event.unmapped, 'requestParameters.missing', 'dflt') == 'dflt'", true],
    ["str(get(event.unmapped, 'readOnly')) == 'false'", true],
    ['has(event.unmapped.requestParameters)', true],
    ['has(event.unmapped.requestParameters.nope)', false],
    ['size(values(get(event.unmapped, "requestParameters.list"))) == 2', true],
    ["'y' in values(get(event.unmapped, 'requestParameters.list'))", true],
    ["'z' in values(get(event.unmapped, 'requestParameters.list'))", false],
    ["'b' in values(get(event.unmapped, 'requestParameters'))", false],
    ['isPublicIp(event.src_endpoint.ip)', true],
    ["inCidr(event.src_endpoint.ip, ['8.8.8.0/24'])", true],
    ["containsAny(event.api.operation, ['bucketpolicy'])", true],
    ["'ÉX'.lowerAscii() == 'Éx'", true],
    ["event.api.operation.matches('^Put[A-Z]')", true],
    // Maps and lists are not compared natively.
    ["event.unmapped.requestParameters == {'bucketName': 'b'}", UNKNOWN],
  ];
  for (const [expr, expected] of cases) {
    const n = nativeOnly(expr, EVENT);
    assert.equal(n, expected, `native ${expr}`);
    if (n !== UNKNOWN) assert.equal(celOnly(expr, EVENT), n, `CEL ${expr}`);
  }
  assert.equal(celOnly('event.unmapped.nope == 1', EVENT), 'error');
});
