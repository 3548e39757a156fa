import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentileSorted, percentiles } from './stats.ts';
import { dueBy, offeredAt } from './schedule.ts';

test('nearest-rank percentiles of 1..100 are the values at those ranks', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentileSorted(xs, 50), 50);
  assert.equal(percentileSorted(xs, 95), 95);
  assert.equal(percentileSorted(xs, 99), 99);
  assert.equal(percentileSorted(xs, 100), 100);
  // n = 13: p95 is rank ceil(12.35) = 13, not 12 (rounding or truncating the rank is wrong).
  assert.equal(percentileSorted(Array.from({ length: 13 }, (_, i) => i + 1), 95), 13);
});

test('percentiles sort their input, round the rank up, and leave the input alone', () => {
  const xs = [900, 10, 30, 20, 40, 50, 60, 70, 80, 1000];
  const p = percentiles(xs);
  // n = 10: p50 rank 5 -> 50; p95 rank ceil(9.5) = 10 -> 1000; p99 rank 10 -> 1000.
  assert.deepEqual(p, { n: 10, p50: 50, p95: 1000, p99: 1000, max: 1000 });
  assert.equal(xs[0], 900);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2);
});

test('a single value is every percentile; none gives null; a percentile out of range throws', () => {
  assert.deepEqual(percentiles([7]), { n: 1, p50: 7, p95: 7, p99: 7, max: 7 });
  assert.deepEqual(percentiles([]), { n: 0, p50: null, p95: null, p99: null, max: null });
  assert.throws(() => percentileSorted([1], 0), RangeError);
  assert.throws(() => percentileSorted([1], 101), RangeError);
});

test('p99 of 1000 latencies with ten slow ones is the last fast one', () => {
  const xs = [...Array.from({ length: 990 }, () => 5), ...Array.from({ length: 10 }, () => 500)];
  assert.equal(percentiles(xs).p99, 5);
  assert.equal(percentiles([...xs, 500]).p99, 500);
});

test('the offered load steps through 1/3, 2/3 and 1 x the rate and its integral is the corpus size', () => {
  assert.equal(offeredAt(900, 15, 0), 300);
  assert.equal(offeredAt(900, 15, 4.99), 300);
  assert.equal(offeredAt(900, 15, 5), 600);
  assert.equal(offeredAt(900, 15, 14.99), 900);
  assert.equal(offeredAt(900, 15, 15), 0);
  assert.equal(dueBy(900, 15, 15), 9000);
  assert.equal(dueBy(900, 15, 100), 9000);
  assert.equal(dueBy(900, 15, 5), 1500);
  assert.equal(dueBy(900, 15, 7.5), 1500 + 1500);
  assert.equal(dueBy(1000, 30, 30), 20000);
});
