/**
 * Maven version ordering (maven-artifact `ComparableVersion`, documented in the POM reference
 * "Version Order Specification"): items split at `.`, `-` and digit/letter transitions; trailing
 * null items (0, "", "final", "ga", "release") removed per sub-list; qualifiers ordered
 * `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < "" = `final` = `ga` = `release` < `sp`,
 * other qualifiers after, lexically (case-insensitive); `a1`/`b1`/`m1` are alpha/beta/milestone.
 */

type Item = { kind: 'int'; value: bigint } | { kind: 'str'; value: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };

function qualifierKey(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i >= 0 ? String(i) : `${QUALIFIERS.length}-${q}`;
}

function stringItem(s: string, followedByDigit: boolean): Item {
  let v = s;
  if (followedByDigit && v.length === 1) v = v === 'a' ? 'alpha' : v === 'b' ? 'beta' : v === 'm' ? 'milestone' : v;
  v = ALIASES[v] ?? v;
  return { kind: 'str', value: v };
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === 0n;
  if (item.kind === 'str') return item.value === '';
  return item.items.length === 0;
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i]!;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

/** Parses into ComparableVersion's nested list items. */
export function parseMaven(text: string): Item {
  const version = text.trim().toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const push = (s: string, nextIsDigit: boolean) => {
    if (isDigit) list.push({ kind: 'int', value: BigInt(s === '' ? '0' : s) });
    else list.push(stringItem(s, nextIsDigit));
  };
  /** Starts a sublist inside the current list and continues in it (ComparableVersion's `-` and digit/letter transitions). */
  const openList = (): void => {
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    list = sub;
    stack.push(sub);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version[i]!;
    if (c === '.') {
      if (i === start) list.push({ kind: 'int', value: 0n });
      else push(version.slice(start, i), false);
      start = i + 1;
    } else if (c === '-') {
      if (i === start) list.push({ kind: 'int', value: 0n });
      else push(version.slice(start, i), false);
      start = i + 1;
      openList();
    } else if (/[0-9]/.test(c)) {
      if (!isDigit && i > start) {
        push(version.slice(start, i), true);
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        push(version.slice(start, i), false);
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (version.length > start) push(version.slice(start), false);
  for (let k = stack.length - 1; k >= 0; k--) normalize(stack[k]!);
  return { kind: 'list', items: root };
}

function compareItem(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined) {
    if (b === undefined) return 0;
    return -compareItem(b, undefined);
  }
  switch (a.kind) {
    case 'int':
      if (b === undefined) return a.value === 0n ? 0 : 1;
      if (b.kind === 'int') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return 1; // int > string and int > list
    case 'str': {
      if (b === undefined) return compareStrings(a.value, '');
      if (b.kind === 'int' || b.kind === 'list') return -1;
      return compareStrings(a.value, b.value);
    }
    case 'list': {
      // As ComparableVersion: an absent item compares with the list's first item only.
      if (b === undefined) return a.items.length === 0 ? 0 : compareItem(a.items[0], undefined);
      if (b.kind === 'int') return -1;
      if (b.kind === 'str') return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const c = compareItem(a.items[i], b.items[i]);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

function compareStrings(a: string, b: string): number {
  const x = qualifierKey(a);
  const y = qualifierKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareMaven(a: string, b: string): number {
  return compareItem(parseMaven(a), parseMaven(b));
}
