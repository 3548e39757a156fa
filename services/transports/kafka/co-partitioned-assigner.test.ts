import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coPartitionedAssignment } from './co-partitioned-assigner.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('partition p of every topic goes to one member, for member counts that do not divide the partition count', () => {
  for (const n of [1, 2, 3, 5, 7]) {
    const members = range(n).map((i) => `member-${i}`);
    const a = coPartitionedAssignment(members, new Map([['sluice.image_inventory.v1', range(12)], ['sluice.advisory.v1', range(12)], ['sluice.activity.v1', range(12)]]));
    for (const p of range(12)) {
      const owners = [...a].filter(([, t]) => Object.values(t).some((ps) => ps.includes(p))).map(([m]) => m);
      assert.equal(owners.length, 1, `${n} members: partition ${p} has one owner across topics`);
      assert.deepEqual(
        Object.keys(a.get(owners[0]!)!).filter((topic) => a.get(owners[0]!)![topic]!.includes(p)).sort(),
        ['sluice.activity.v1', 'sluice.advisory.v1', 'sluice.image_inventory.v1'],
      );
    }
    const counts = [...a.values()].map((t) => (t['sluice.activity.v1'] ?? []).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${n} members: balanced (${counts.join(',')})`);
  }
});

test('kafkajs round robin would split partition p of two topics; this assignment does not (the case that motivates it)', () => {
  // Round robin over the flattened list [A0..A11, B0..B11] with 5 members gives B0 to member 2, A0 to member 0.
  const flat = [...range(12).map((p) => ['A', p] as const), ...range(12).map((p) => ['B', p] as const)];
  const rr = (topic: string, p: number): number => flat.findIndex(([t, q]) => t === topic && q === p) % 5;
  assert.notEqual(rr('A', 0), rr('B', 0));
  const a = coPartitionedAssignment(range(5).map((i) => `m${i}`), new Map([['A', range(12)], ['B', range(12)]]));
  for (const [, t] of a) assert.deepEqual(t.A, t.B);
});

test('members are sorted by id, so every member computes the same assignment; no members, no assignment', () => {
  const x = coPartitionedAssignment(['b', 'a'], new Map([['T', [0, 1, 2]]]));
  assert.deepEqual(Object.fromEntries(x), { a: { T: [0, 2] }, b: { T: [1] } });
  assert.equal(coPartitionedAssignment([], new Map([['T', [0]]])).size, 0);
});
