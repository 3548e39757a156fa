/**
 * Alpine apk version ordering (apk-tools `apk_version_compare`): `<number>{.<number>}[<letter>]{_<suffix>[<number>]}[~<hash>][-r<number>]`.
 * Numbers compare numerically (a later part with a leading zero compares as a fraction, as apk
 * does); a letter sorts after no letter; the pre-release suffixes `_alpha` < `_beta` < `_pre` <
 * `_rc` sort before no suffix, and `_cvs` < `_svn` < `_git` < `_hg` < `_p` after it; then the
 * `-r` revision.
 */

const PRE = ['alpha', 'beta', 'pre', 'rc'];
const POST = ['cvs', 'svn', 'git', 'hg', 'p'];

interface Apk {
  numbers: string[];
  letter: string;
  suffixes: Array<{ rank: number; n: number }>;
  revision: number;
}

const APK_RE = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/;

export function parseApk(text: string): Apk | null {
  const m = APK_RE.exec(text.trim());
  if (!m) return null;
  const suffixes = [...m[3]!.matchAll(/_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/g)].map((s) => {
    const pre = PRE.indexOf(s[1]!);
    return { rank: pre >= 0 ? pre - PRE.length : POST.indexOf(s[1]!) + 1, n: s[2] ? Number(s[2]) : 0 };
  });
  return { numbers: m[1]!.split('.'), letter: m[2]!, suffixes, revision: m[4] ? Number(m[4]) : 0 };
}

function compareNumber(a: string, b: string, first: boolean): number {
  // apk compares later parts with a leading zero as decimal fractions ("1.01" < "1.1").
  if (!first && (a.startsWith('0') || b.startsWith('0'))) {
    const len = Math.max(a.length, b.length);
    const x = a.padEnd(len, '0');
    const y = b.padEnd(len, '0');
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareApk(a: string, b: string): number {
  const x = parseApk(a);
  const y = parseApk(b);
  if (!x || !y) throw new RangeError(`not an Alpine version: ${!x ? a : b}`);
  const n = Math.max(x.numbers.length, y.numbers.length);
  for (let i = 0; i < n; i++) {
    const p = x.numbers[i];
    const q = y.numbers[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const c = compareNumber(p, q, i === 0);
    if (c !== 0) return c;
  }
  if (x.letter !== y.letter) return x.letter === '' ? -1 : y.letter === '' ? 1 : x.letter < y.letter ? -1 : 1;
  const s = Math.max(x.suffixes.length, y.suffixes.length);
  for (let i = 0; i < s; i++) {
    const p = x.suffixes[i] ?? { rank: 0, n: 0 };
    const q = y.suffixes[i] ?? { rank: 0, n: 0 };
    if (p.rank !== q.rank) return p.rank - q.rank;
    if (p.n !== q.n) return p.n - q.n;
  }
  return x.revision - y.revision;
}
