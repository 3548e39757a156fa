import { lazyRequire } from '../../../core/lazy-require.ts';

/** Required on first use: a detector thread that orders no versions does not load it (start-up). */
const pep440 = lazyRequire<typeof import('@renovatebot/pep440')>(import.meta.url, '@renovatebot/pep440');

/** PyPI ordering (PEP 440: epochs, pre/post/dev releases, local versions) through `@renovatebot/pep440`. */
export function isPep440(text: string): boolean {
  return pep440().valid(text.trim()) !== null;
}

export function comparePep440(a: string, b: string): number {
  if (!isPep440(a) || !isPep440(b)) throw new RangeError(`not a PEP 440 version: ${isPep440(a) ? b : a}`);
  return pep440().compare(a.trim(), b.trim());
}
