import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleSources, formatProblems } from './loader.ts';
import { applyWindows, emptyWindowState, type WindowDecision } from './windows.ts';
import type { CompiledRule } from './compile.ts';
import { activityBindings } from './view.ts';
import { buildTestEvent } from './testing.ts';

const MIN = 60_000;

function compile(windows: string): CompiledRule {
  const text = `rules:\n  - id: t.w\n    title: t\n    description: d\n    severity: low\n    applies_to: { sources: [aws_cloudtrail] }\n    condition: 'true'\n${windows}`;
  const { rules, problems } = compileRuleSources([{ file: 'w.yaml', text }]);
  assert.equal(problems.length, 0, formatProblems(problems));
  return rules[0]!;
}

const bindings = activityBindings(buildTestEvent({}, 'aws_cloudtrail')) as unknown as Parameters<typeof applyWindows>[1];

test('a replayed event uid counts once in a threshold: the same record ingested 5 times is no burst', () => {
  const rule = compile('    threshold: { count: 3, window: 10m }\n');
  const state = emptyWindowState();
  const ds: WindowDecision[] = [];
  for (let i = 0; i < 5; i++) ds.push(applyWindows(rule, bindings, { time: 1000, uid: 'evt-1' }, state));
  assert.deepEqual(ds.map((d) => d.emit), [false, false, false, false, false]);
  assert.deepEqual(ds.slice(1).map((d) => (d.emit ? 'emit' : d.reason)), ['duplicate_event', 'duplicate_event', 'duplicate_event', 'duplicate_event']);
  // Three distinct events still make the burst, with three distinct related uids.
  const a = applyWindows(rule, bindings, { time: 2000, uid: 'evt-2' }, state);
  const b = applyWindows(rule, bindings, { time: 3000, uid: 'evt-3' }, state);
  assert.equal(a.emit, false);
  assert.ok(b.emit);
  assert.deepEqual([...b.related].sort(), ['evt-1', 'evt-2', 'evt-3']);
  assert.equal(b.count, 3);
});

test('a replayed event uid does not open a new dedup period', () => {
  const rule = compile("    dedup: { key: \"'all'\", period: 1h }\n");
  const state = emptyWindowState();
  assert.equal(applyWindows(rule, bindings, { time: 0, uid: 'a' }, state).emit, true);
  assert.equal(applyWindows(rule, bindings, { time: 61 * MIN, uid: 'b' }, state).emit, true, 'a new event after the period opens one');
  // The old event replayed (its own time, > 1 h before the current period): not a new period.
  const replay = applyWindows(rule, bindings, { time: 0, uid: 'a' }, state);
  assert.deepEqual(replay, { emit: false, reason: 'duplicate_event' });
  const again = applyWindows(rule, bindings, { time: 61 * MIN, uid: 'b' }, state);
  assert.deepEqual(again, { emit: false, reason: 'duplicate_event' });
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(state)));
});

test('the seen set is bounded per slot', () => {
  const rule = compile("    threshold: { count: 500, window: 1h, distinct: \"'one'\" }\n");
  const state = emptyWindowState();
  for (let i = 0; i < 1000; i++) applyWindows(rule, bindings, { time: i, uid: `u${i}` }, state);
  const slot = Object.values(state.slots)[0]!;
  assert.equal(Object.keys(slot.seen ?? {}).length, 256);
  assert.ok(slot.seen!['u999'] !== undefined && slot.seen!['u0'] === undefined, 'the most recent uids are kept');
});
