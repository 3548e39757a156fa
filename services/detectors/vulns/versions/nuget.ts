/**
 * NuGet version ordering (NuGet.Versioning `VersionComparer.Default`): up to four numeric parts
 * (missing parts are 0, so 1.0 = 1.0.0.0), then SemVer 2.0 pre-release labels compared
 * case-insensitively (a release sorts after its pre-releases); build metadata is ignored.
 */

const NUGET_RE = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseNuget(text: string): { parts: bigint[]; pre: string[] } | null {
  const m = NUGET_RE.exec(text.trim());
  if (!m) return null;
  return { parts: [1, 2, 3, 4].map((i) => BigInt(m[i] ?? '0')), pre: m[5] ? m[5].split('.') : [] };
}

function compareLabel(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an) return -1;
  if (bn) return 1;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareNuget(a: string, b: string): number {
  const x = parseNuget(a);
  const y = parseNuget(b);
  if (!x || !y) throw new RangeError(`not a NuGet version: ${!x ? a : b}`);
  for (let i = 0; i < 4; i++) if (x.parts[i] !== y.parts[i]) return x.parts[i]! < y.parts[i]! ? -1 : 1;
  if (x.pre.length === 0 || y.pre.length === 0) return (x.pre.length === 0 ? 1 : 0) - (y.pre.length === 0 ? 1 : 0);
  const n = Math.max(x.pre.length, y.pre.length);
  for (let i = 0; i < n; i++) {
    if (x.pre[i] === undefined) return -1;
    if (y.pre[i] === undefined) return 1;
    const c = compareLabel(x.pre[i]!, y.pre[i]!);
    if (c !== 0) return c;
  }
  return 0;
}
