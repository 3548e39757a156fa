/**
 * `*` wildcard patterns, matched case-insensitively against the whole string (`s3:Get*`,
 * `arn:aws:iam::*:role/scanner`). No other character is special.
 */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

/** Number of literal (non-`*`) characters: the more, the more specific a pattern is. */
export function globSpecificity(pattern: string): number {
  return pattern.replace(/\*/g, '').length;
}

/** A set of patterns; `matches` is true when any matches. Exact patterns are looked up without regexes. */
export class GlobSet {
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      if (p.includes('*')) this.patterns.push(globToRegExp(p));
      else this.exact.add(p.toLowerCase());
    }
  }

  get size(): number {
    return this.exact.size + this.patterns.length;
  }

  matches(value: string): boolean {
    if (this.exact.size > 0 && this.exact.has(value.toLowerCase())) return true;
    for (const re of this.patterns) if (re.test(value)) return true;
    return false;
  }
}
