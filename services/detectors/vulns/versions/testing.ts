import assert from 'node:assert/strict';

/** Asserts that each version sorts strictly before every later one (and after every earlier one). */
export function assertAscending(compare: (a: string, b: string) => number, versions: readonly string[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = i + 1; j < versions.length; j++) {
      assert.ok(compare(versions[i]!, versions[j]!) < 0, `${versions[i]} < ${versions[j]}`);
      assert.ok(compare(versions[j]!, versions[i]!) > 0, `${versions[j]} > ${versions[i]}`);
    }
  }
}

export function assertEqualVersions(compare: (a: string, b: string) => number, pairs: ReadonlyArray<readonly [string, string]>): void {
  for (const [a, b] of pairs) assert.equal(compare(a, b), 0, `${a} = ${b}`);
}
