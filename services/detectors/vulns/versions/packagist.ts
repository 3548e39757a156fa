/**
 * Packagist (Composer) version ordering: Composer normalizes versions (`v` prefix dropped,
 * `-`/`_`/`+` as `.`, stability suffixes) and compares with PHP's `version_compare`: special
 * forms `dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < `#` (a number) < `pl` = `p`; any
 * other string sorts before `dev`. Numbers compare numerically.
 */

const SPECIAL: Record<string, number> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, '#': 4, pl: 5, p: 5 };

/** PHP's php_canonicalize_version: separators to `.`, a `.` between digit/non-digit runs. */
export function canonicalizePhp(text: string): string[] {
  const v = text.trim().replace(/^v(?=\d)/i, '');
  let out = '';
  let prev = '';
  for (const c of v) {
    const isSep = c === '-' || c === '_' || c === '+' || c === '.';
    if (isSep) {
      if (!out.endsWith('.')) out += '.';
    } else {
      const d = /[0-9]/.test(c);
      if (prev !== '' && prev !== '.' && d !== /[0-9]/.test(prev)) {
        if (!out.endsWith('.')) out += '.';
      }
      out += c;
    }
    prev = isSep ? '.' : c;
  }
  return out.split('.').filter((p) => p !== '');
}

function rank(part: string): number {
  if (/^\d+$/.test(part)) return SPECIAL['#']!;
  const lower = part.toLowerCase();
  for (const [name, r] of Object.entries(SPECIAL)) if (name !== '#' && lower.startsWith(name)) return r;
  return -1;
}

/** Composer's VersionParser::normalize pads the numeric part to four components (1.0-beta1 -> 1.0.0.0-beta1). */
export function composerParts(text: string): string[] {
  const v = text.trim().replace(/^v(?=\d)/i, '');
  const m = /^(\d+(?:\.\d+){0,3})(.*)$/.exec(v);
  if (!m) return canonicalizePhp(v);
  const nums = m[1]!.split('.');
  while (nums.length < 4) nums.push('0');
  return [...nums, ...canonicalizePhp(m[2]!)];
}

export function comparePackagist(a: string, b: string): number {
  const x = composerParts(a);
  const y = composerParts(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined || q === undefined) {
      // PHP: a missing part against a number is smaller; against a special form, compare "#" to it.
      const other = (p ?? q)!;
      const c = /^\d+$/.test(other) ? -1 : SPECIAL['#']! - rank(other) < 0 ? -1 : 1;
      return p === undefined ? c : -c;
    }
    if (/^\d+$/.test(p) && /^\d+$/.test(q)) {
      const d = BigInt(p) - BigInt(q);
      if (d !== 0n) return d < 0n ? -1 : 1;
      continue;
    }
    const d = rank(p) - rank(q);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
