import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DetectorContext, EventMeta } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { ManualClock } from '../../core/clock.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { compileRuleSources, type WindowState } from '../../rules/index.ts';
import { buildTestEvent } from '../../rules/testing.ts';
import { signaturesSpec, SignaturesConfig, SignaturesDetector } from './index.ts';

const RULES = `rules:
  - id: t.stop_logging
    title: CloudTrail logging stopped
    description: A trail was stopped.
    severity: high
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'StopLogging' && event.status_id == 1
    mitre: [TA0005:T1562.008]
  - id: t.failed_login_burst
    title: Failed logins
    description: Three failed logins in ten minutes.
    severity: medium
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'ConsoleLogin' && event.status_id == 2
    threshold: { count: 3, window: 10m }
  - id: t.root
    title: Root activity
    description: Root did something.
    severity: low
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.actor.user.type == 'Root'
    dedup: { key: 'event.src_endpoint.ip', period: 1h }
`;
const rules = compileRuleSources([{ file: 't.yaml', text: RULES }]).rules;

function make(config: Record<string, unknown> = {}): { d: SignaturesDetector; state: MemoryKeyedState<WindowState> } {
  const state = new MemoryKeyedState<WindowState>();
  const ctx: DetectorContext<WindowState> = { clock: new ManualClock(0), state, emit: () => undefined };
  return { d: new SignaturesDetector(SignaturesConfig.parse(config), ctx, rules), state };
}
const meta = (key: string): EventMeta => ({ key, topic: 'sluice.activity.v1', partition: 0, offset: '0' });
const ev = (partial: Record<string, unknown>) => buildTestEvent(partial, 'aws_cloudtrail');
const ALICE = 'arn:aws:iam::111122223333:user/alice';

test('a stateless match gives one OCSF finding with ATT&CK, description and the event uid', () => {
  const { d, state } = make();
  const [f, ...rest] = d.process(ev({ metadata: { uid: 'evt-1' }, api: { operation: 'StopLogging', service_name: 'cloudtrail.amazonaws.com' } }), meta(ALICE));
  assert.equal(rest.length, 0);
  assert.ok(f);
  assert.equal(f.class_uid, 2004);
  assert.equal(f.type_uid, 200401);
  assert.equal(f.detector, 'signatures');
  assert.equal(f.rule, 't.stop_logging');
  assert.equal(f.severity, 'High');
  assert.equal(f.severity_id, 4);
  assert.equal(f.finding_info.desc, 'A trail was stopped.');
  assert.deepEqual(f.finding_info.attacks, [{ technique_uid: 'T1562.008', tactic: 'TA0005' }]);
  assert.deepEqual(f.finding_info.related_events, [{ uid: 'evt-1' }]);
  assert.deepEqual(f.entity, { kind: 'principal', key: ALICE });
  assert.match(f.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(f.metadata.uid, f.id);
  assert.equal(state.size, 0, 'a stateless rule keeps no state');
});

test('finding ids are deterministic: same rule, principal and event give the same id on replay', () => {
  const a = make().d.process(ev({ metadata: { uid: 'evt-1' }, api: { operation: 'StopLogging', service_name: 'x' } }), meta(ALICE))[0]!;
  const b = make().d.process(ev({ metadata: { uid: 'evt-1' }, api: { operation: 'StopLogging', service_name: 'x' } }), meta(ALICE))[0]!;
  const c = make().d.process(ev({ metadata: { uid: 'evt-2' }, api: { operation: 'StopLogging', service_name: 'x' } }), meta(ALICE))[0]!;
  assert.equal(a.id, b.id);
  assert.notEqual(a.id, c.id);
});

test('threshold: state per principal in ctx.state, one finding on the third failure with all three events', () => {
  const { d, state } = make();
  const fail = (uid: string, t: number) => ev({ time: t, status: 'Failure', metadata: { uid }, api: { operation: 'ConsoleLogin', service_name: 'signin.amazonaws.com' } });
  assert.deepEqual(d.process(fail('f1', 0), meta(ALICE)), []);
  assert.deepEqual(d.process(fail('b1', 1000), meta('bob')), []);
  assert.deepEqual(d.process(fail('f2', 60_000), meta(ALICE)), []);
  assert.equal(state.size, 2);
  assert.ok(state.get(ALICE));
  const out = d.process(fail('f3', 120_000), meta(ALICE));
  assert.equal(out.length, 1);
  const f = out[0]!;
  assert.equal(f.count, 3);
  assert.deepEqual(f.finding_info.related_events.map((r) => r.uid), ['f1', 'f2', 'f3']);
  assert.equal(f.finding_info.first_seen_time, 0);
  assert.equal(f.finding_info.last_seen_time, 120_000);
  assert.match(f.message, /3 matching events by test-user within 10m/);
  assert.equal(state.has(ALICE), false, 'the emptied state is deleted (tombstone)');
  assert.equal(d.stats().suppressed, 3);
});

test('dedup: one finding per key and period; the id comes from key and period start, not the event', () => {
  const { d, state } = make();
  const root = (uid: string, t: number) => ev({ time: t, metadata: { uid }, actor: { user: { type: 'Root' } }, api: { operation: 'ListBuckets', service_name: 's3' } });
  const first = d.process(root('r1', 0), meta('root'));
  assert.equal(first.length, 1);
  assert.deepEqual(d.process(root('r2', 60_000), meta('root')), []);
  assert.ok(state.has('root'));
  const again = make().d.process(root('r1', 0), meta('root'));
  assert.equal(again[0]!.id, first[0]!.id);
  assert.equal(first[0]!.evidences[0]!.dedup_key, '198.51.100.23');
});

test('config: disabled rules and severity overrides; unknown ids are a config error', () => {
  const { d } = make({ disabledRules: ['t.stop_logging'], severityOverrides: { 't.root': 'critical' } });
  assert.deepEqual(d.process(ev({ api: { operation: 'StopLogging', service_name: 'x' } }), meta(ALICE)), []);
  const [f] = d.process(ev({ actor: { user: { type: 'Root' } }, api: { operation: 'ListBuckets', service_name: 's3' } }), meta('root'));
  assert.equal(f?.severity, 'Critical');
  assert.throws(() => make({ disabledRules: ['t.nope'] }), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID' && /t\.nope/.test(err.message));
  assert.throws(() => SignaturesConfig.parse({ severityOverrides: { 't.root': 'extreme' } }));
  assert.throws(() => SignaturesConfig.parse({ unknownKey: 1 }));
});

test('disabled detector finds nothing and loads no rules', () => {
  const { d } = make({ enabled: false });
  assert.deepEqual(d.process(ev({ api: { operation: 'StopLogging', service_name: 'x' } }), meta(ALICE)), []);
  assert.equal(d.rules.length, 0);
});

test('a stored state of another shape is replaced, not trusted', () => {
  const { d, state } = make();
  state.set(ALICE, { garbage: true } as unknown as WindowState);
  const fail = ev({ status: 'Failure', api: { operation: 'ConsoleLogin', service_name: 'signin.amazonaws.com' } });
  assert.deepEqual(d.process(fail, meta(ALICE)), []);
  assert.equal(state.get(ALICE)?.v, 1);
});

test('the spec: name, stream, default config (enabled, bundled pack) and factory', () => {
  assert.equal(signaturesSpec.kind, 'detector');
  assert.equal(signaturesSpec.name, 'signatures');
  assert.equal(signaturesSpec.stream, 'activity');
  const config = signaturesSpec.configSchema.parse({});
  assert.deepEqual(config, { enabled: true, packs: ['@builtin/activity'], disabledRules: [], severityOverrides: {}, maxWindowsPerPrincipal: 256, maxRelatedEvents: 20, actions: { deactivateAccessKey: [] } });
  const d = signaturesSpec.create(config, { clock: new ManualClock(0), state: new MemoryKeyedState<WindowState>(), emit: () => undefined });
  assert.ok((d as SignaturesDetector).rules.length >= 120);
  const out = d.process(ev({ api: { operation: 'StopLogging', service_name: 'cloudtrail.amazonaws.com' } }), meta(ALICE));
  assert.deepEqual(out.map((f) => f.rule), ['aws.cloudtrail.logging_stopped']);
});
