import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countMinAdd, countMinEstimate, countMinHalve, newCountMin } from './count-min.ts';
import { newTopK, topKAdd, topKAdopt, topKLookup, topKSeen, topKUsers, topKValues } from './top-k.ts';
import { ewmaAdd, ewmaLogTypical, ewmaLogZ, logCount, newEwma, peakNow, peakObserve } from './ewma.ts';

const B = { k: 4, cmsWidth: 64, cmsDepth: 2 };

test('count-min never under-estimates and halving keeps counted values seen', () => {
  const s = newCountMin(64, 3);
  const truth = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const v = `v${i % 97}`;
    countMinAdd(s, v, 1);
    truth.set(v, (truth.get(v) ?? 0) + 1);
  }
  for (const [v, n] of truth) assert.ok(countMinEstimate(s, v) >= n, v);
  countMinHalve(s);
  for (const v of truth.keys()) assert.ok(countMinEstimate(s, v) >= 1, v);
  assert.equal(countMinEstimate(newCountMin(64, 3), 'never'), 0);
  assert.equal(s.c.length, 192);
});

test('top-k: bounded to k entries, the least counted evicted into the count-min sketch', () => {
  const s = newTopK();
  for (let i = 0; i < 10; i++) topKAdd(s, 'hot', 1, B);
  for (let i = 0; i < 3; i++) topKAdd(s, 'warm', 1, B);
  for (let i = 0; i < 20; i++) topKAdd(s, `cold${i}`, 1, B);
  assert.equal(s.n, 4);
  assert.equal(Object.keys(s.e).length, 4);
  assert.ok(s.cms !== null);
  assert.deepEqual(topKValues(s, 2).map((v) => v.value), ['hot', 'warm']);
  for (let i = 0; i < 20; i++) assert.ok(topKSeen(s, `cold${i}`, 1, 1000), `cold${i}`);
  assert.equal(topKLookup(s, 'cold0', 1, 1000).lastHour, null, 'evicted: only its count is known');
  assert.ok(!topKSeen(s, 'never-seen-at-all', 1, 1000) || countMinEstimate(s.cms, 'never-seen-at-all') > 0);
});

test('top-k: per-hour counting, forgetting, and __proto__ is just a value', () => {
  const s = newTopK();
  for (let i = 0; i < 5; i++) topKAdd(s, 'a', 100, B, false, true);
  assert.equal(s.e.a![0], 1, 'five calls in one hour count once');
  topKAdd(s, 'a', 101, B, false, true);
  assert.equal(s.e.a![0], 2);
  assert.ok(topKSeen(s, 'a', 101 + 24, 48));
  const old = topKLookup(s, 'a', 101 + 100, 48);
  assert.deepEqual(old, { count: 0, lastHour: 101, forgotten: true });
  topKAdd(s, '__proto__', 1, B);
  assert.ok(topKSeen(s, '__proto__', 1, 1000));
  assert.equal(Object.getPrototypeOf(s.e), Object.prototype);
  assert.ok(!topKSeen(s, 'constructor', 1, 1000));
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.ok(topKValues(s, 10).some((v) => v.value === '__proto__'));
});

test('top-k: user counts and adoption of a restored history', () => {
  const s = newTopK();
  topKAdd(s, 'x', 1, B, true);
  topKAdd(s, 'x', 1, B, false);
  topKAdd(s, 'x', 2, B, true);
  assert.equal(topKUsers(s, 'x'), 2);
  topKAdopt(s, 'x', 7, 5, B);
  assert.equal(topKUsers(s, 'x'), 3);
  assert.equal(s.e.x![0], 10);
  assert.equal(s.e.x![1], 5);
  topKAdopt(s, 'y', 4, 3, B);
  assert.deepEqual(s.e.y, [4, 3, 1]);
});

test('top-k: counts halve once the total passes 64 x k, so old habits fade', () => {
  const s = newTopK();
  for (let i = 0; i < 64 * 4 + 1; i++) topKAdd(s, i % 2 ? 'a' : 'b', 1, B);
  assert.ok(s.tot <= 64 * 4);
  assert.ok(s.e.a![0]! < 129 && s.e.a![0]! >= 64);
});

test('EWMA converges to the mean; z-scores work on ln(1 + count) with a floor', () => {
  const e = newEwma();
  for (let i = 0; i < 200; i++) ewmaAdd(e, i % 2 ? 12 : 8, 0.1);
  assert.ok(Math.abs(e.m - 10) < 0.5);
  assert.ok(Math.abs(Math.sqrt(e.s2) - 2) < 0.5);
  const l = newEwma();
  for (let i = 0; i < 100; i++) ewmaAdd(l, logCount(10), 0.1);
  assert.ok(Math.abs(ewmaLogTypical(l) - 10) < 1e-6);
  assert.ok(Math.abs(ewmaLogZ(l, 10)) < 1e-9);
  assert.ok(ewmaLogZ(l, 140) > 8, 'a 14x spike against a flat baseline');
  assert.ok(ewmaLogZ(l, 13) < 1, 'a 30% rise is within the 0.3 floor');
});

test('peak: halves every half-life and is raised by a larger value', () => {
  const p = { v: 0, at: 0 };
  peakObserve(p, 100, 0, 10);
  assert.equal(peakNow(p, 10, 10), 50);
  peakObserve(p, 40, 10, 10);
  assert.equal(p.v, 100, '40 < 50: kept');
  peakObserve(p, 60, 10, 10);
  assert.deepEqual(p, { v: 60, at: 10 });
});
