/**
 * Targets that misbehave on purpose, to check the harness itself (harness.test.ts): a hang, a heap
 * explosion, a crash (a TypeError), and an input that vanishes. Never part of the fuzz plan.
 */
import type { FuzzTarget } from './targets.ts';

const seeds = () => [{ name: 'seed.json', bytes: Buffer.from('{"a":1}') }];
let n = 0;
const third = (): boolean => ++n % 3 === 0; // misbehave on a mutated input, not on the seed

export const SELF_TEST_TARGETS: Record<string, FuzzTarget> = {
  'self-test:hang': {
    name: 'self-test:hang',
    seeds,
    check: () => {
      if (third()) for (;;);
      return 'accepted';
    },
  },
  'self-test:oom': {
    name: 'self-test:oom',
    seeds,
    check: () => {
      if (third()) {
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array<number>(1e6).fill(hoard.length));
      }
      return 'accepted';
    },
  },
  'self-test:crash': {
    name: 'self-test:crash',
    seeds,
    check: () => {
      const parsed = {} as { a?: { b: number } };
      if (third()) parsed.a!.b.toFixed();
      return 'accepted';
    },
  },
};
