/**
 * User-defined detectors (config `customDetectors`) turned into the same DetectorDef data as the
 * built-ins. A pattern that starts with at least 3 literal characters gets that prefix as its
 * prefilter anchor; others run as one extra regex pass over each window.
 */
import type { CustomDetectorConfig } from './config.ts';
import type { DetectorDef, Trigger } from './types.ts';
import { VALIDATORS } from './validators.ts';

/** Overlap rank of user detectors: above phone and generic secrets, below the built-in validated types. */
export const CUSTOM_RANK = 30;

/** The literal characters a pattern must start with, or '' (alternations, classes, lookarounds...). */
export function literalPrefix(source: string): string {
  if (source.includes('|')) return '';
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (/[A-Za-z0-9 _:=@#%&'",;<>!~`-]/.test(ch)) {
      out += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < source.length && /[.\-/\\[\](){}*+?^$|]/.test(source[i + 1]!)) {
      out += source[i + 1];
      i++;
      continue;
    }
    // A quantifier applies to the last literal character: it is not certain.
    if ('?*{'.includes(ch)) out = out.slice(0, -1);
    break;
  }
  return /^[\x20-\x7e]*$/.test(out) ? out : '';
}

/** A DetectorDef for one custom detector from (validated) config. */
export function customDef(c: CustomDetectorConfig): DetectorDef {
  const prefix = literalPrefix(c.pattern);
  const triggers: Trigger[] = prefix.length >= 3 ? [{ kind: 'literal', text: prefix }] : [];
  return {
    id: c.id,
    title: c.title ?? c.id,
    category: c.category,
    severity: c.severity,
    triggers,
    pattern: new RegExp(c.pattern, c.caseInsensitive ? 'i' : ''),
    maxLength: c.maxLength,
    before: 0,
    after: 0,
    validator: c.validator === undefined ? undefined : VALIDATORS[c.validator],
    keywords: c.keywords,
    confidence: c.confidence,
    keywordConfidence: c.keywordConfidence,
    requireKeyword: c.requireKeyword,
    rank: CUSTOM_RANK,
    custom: true,
  };
}
