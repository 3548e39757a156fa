import { lazyRequire } from '../../core/lazy-require.ts';
import type { AdvisorySeverity } from '../../core/model/advisory.ts';
import type { SeverityName } from '../../core/events.ts';

// ae-cvss-calculator (a webpack bundle) is required, which gives its named exports in every loader
// (an ESM import gave them as the default export only), and only when a vector is first scored: a
// detector thread that scores none does not load it (start-up, `npm run bench -- startup`).
const cvss = lazyRequire<typeof import('ae-cvss-calculator')>(import.meta.url, 'ae-cvss-calculator');

/** A scored CVSS vector. */
export interface CvssScore {
  /** `2.0`, `3.0`, `3.1` or `4.0`. */
  version: string;
  score: number;
  vector: string;
}

/** How an advisory's severity was decided: a CVSS vector, the database's own rating, or nothing. */
export interface AdvisorySeverityRating {
  severity: SeverityName;
  source: 'cvss' | 'database' | 'none';
  cvss: CvssScore | null;
}

/** CVSS v3/v4 qualitative rating (FIRST specification, section 5): 0 None, <4 Low, <7 Medium, <9 High, else Critical. */
export function cvssSeverity(score: number): SeverityName {
  if (score === 0) return 'Informational';
  if (score < 4) return 'Low';
  if (score < 7) return 'Medium';
  if (score < 9) return 'High';
  return 'Critical';
}

/** Scores a CVSS vector string (v2, v3.0, v3.1, v4.0) with ae-cvss-calculator; null when it does not parse. */
export function scoreCvss(type: string, vector: string): CvssScore | null {
  const c = cvss();
  try {
    const v = vector.trim();
    if (type === 'CVSS_V4' || v.startsWith('CVSS:4.0/')) return done('4.0', new c.Cvss4P0(v).calculateScores().base, v);
    if (v.startsWith('CVSS:3.1/')) return done('3.1', new c.Cvss3P1(v).calculateScores().base, v);
    if (v.startsWith('CVSS:3.0/')) return done('3.0', new c.Cvss3P0(v).calculateScores().base, v);
    if (type === 'CVSS_V2') return done('2.0', new c.Cvss2(v).calculateScores().base, v);
  } catch {
    return null;
  }
  return null;
}

function done(version: string, score: number | undefined, vector: string): CvssScore | null {
  return typeof score === 'number' && Number.isFinite(score) ? { version, score, vector } : null;
}

const DATABASE_RATINGS: Readonly<Record<string, SeverityName>> = {
  critical: 'Critical',
  high: 'High',
  important: 'High',
  moderate: 'Medium',
  medium: 'Medium',
  low: 'Low',
  negligible: 'Informational',
  unimportant: 'Informational',
  none: 'Informational',
};

/** A database's own rating (`database_specific.severity`: GHSA `MODERATE`, Ubuntu `medium`, Debian `unimportant`...). */
export function databaseRating(jsonTexts: ReadonlyArray<string | null>): SeverityName | null {
  for (const text of jsonTexts) {
    if (text === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    const sev = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).severity : undefined;
    if (typeof sev === 'string') {
      const rating = DATABASE_RATINGS[sev.trim().toLowerCase()];
      if (rating) return rating;
    }
  }
  return null;
}

const VERSION_RANK: Readonly<Record<string, number>> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

/**
 * The severity of an advisory for one package: the newest CVSS version among the package's and
 * the record's `severity` entries (v4 over v3.1 over v3.0 over v2), scored; else the database's
 * rating (`database_specific.severity` of the package entry or the record, or an `Ubuntu` severity
 * entry); else `fallback` with source `none`.
 */
export function rateAdvisory(
  severities: readonly AdvisorySeverity[],
  databaseSpecific: ReadonlyArray<string | null>,
  fallback: SeverityName,
): AdvisorySeverityRating {
  let best: CvssScore | null = null;
  for (const s of severities) {
    if (!s.type.startsWith('CVSS_')) continue;
    const scored = scoreCvss(s.type, s.score);
    if (scored && (best === null || VERSION_RANK[scored.version]! > VERSION_RANK[best.version]!)) best = scored;
  }
  if (best) return { severity: cvssSeverity(best.score), source: 'cvss', cvss: best };
  const ubuntu = severities.find((s) => s.type === 'Ubuntu');
  const rating = databaseRating(databaseSpecific) ?? (ubuntu ? (DATABASE_RATINGS[ubuntu.score.toLowerCase()] ?? null) : null);
  if (rating) return { severity: rating, source: 'database', cvss: null };
  return { severity: fallback, source: 'none', cvss: null };
}
