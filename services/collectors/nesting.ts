/**
 * A cheap guard before handing untrusted text to a recursive parser (the `yaml` package recurses
 * per nesting level; a few KB of `[[[[…` abort the process). Counts flow-collection depth outside
 * quoted strings, block-sequence dashes opening a line (`- - - x`), and indentation.
 */
export const MAX_NESTING = 200;

export function nestingTooDeep(text: string, limit = MAX_NESTING): boolean {
  let depth = 0;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (indent > limit * 2) return true;
    const dashes = /^(?:\s*-\s+)+/.exec(line)?.[0].split('-').length ?? 0;
    if (dashes > limit) return true;
  }
  return false;
}
