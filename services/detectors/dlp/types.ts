/**
 * Types shared by the DLP scanner: the shape of a detector (data), of a validator's answer, and of a
 * match as the scanner produces it (before masking). Nothing here holds a raw value beyond a scan.
 */
import type { SeverityName } from '../../core/events.ts';
import type { DATA_CATEGORIES } from './config.ts';

export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** What the prefilter looks for to wake a detector up. */
export type Trigger =
  /** A literal (ASCII, matched case-insensitively); the pattern is tried at anchor + shift. */
  | { kind: 'literal'; text: string; shift?: number }
  /** The start of a run of digits (a digit not preceded by a digit), or `+`/`(` before a digit. */
  | { kind: 'digits' }
  /** An `@`: the pattern is tried where the e-mail local part starts. */
  | { kind: 'at' }
  /** A literal; every place in [anchor - before, anchor + after] where the pattern matches is tried. */
  | { kind: 'window'; text: string; before: number; after: number };

/** Why a validator accepted a value, and how it changes the match. */
export interface Validation {
  subtype?: string;
  /** Replaces the detector's severity for this match. */
  severity?: SeverityName;
  /** Added to the confidence (may be negative). */
  confidenceDelta?: number;
  /** The confidence is at least this (e.g. a paired AWS key). */
  confidenceFloor?: number;
  /** The value is a known test or example value. */
  testValue?: boolean;
  /** An AWS key id with its secret nearby, or a secret with its key id nearby. */
  paired?: boolean;
  /** Shortens the match: new end (text index), e.g. an IBAN cut to its country's length. */
  end?: number;
  /** Normalized value used for the keyed hash (e.g. a card number without separators). */
  normalized?: string;
}

/** What a validator sees: the scanned text, the match and its value span. It may read the text within the detector's context bounds. */
export interface ValidationInput {
  text: string;
  start: number;
  end: number;
  value: string;
  valueStart: number;
  groups: Readonly<Record<string, string | undefined>>;
}

/** A validator: a small pure function; null rejects the match. */
export type Validator = (m: ValidationInput) => Validation | null;

/**
 * One detector, as data: where it wakes up (triggers), what it matches (a sticky pattern tried at a
 * candidate position), how long a match can be, how much context its validator reads, its keywords,
 * its confidences and its known test values.
 */
export interface DetectorDef {
  /** Data type id: the finding's rule, e.g. payment_card. */
  id: string;
  title: string;
  category: DataCategory;
  severity: SeverityName;
  triggers: readonly Trigger[];
  /** Tried at a candidate position with lastIndex set (flag y added by the engine). Group "value" = the sensitive part. */
  pattern: RegExp;
  /** Longest match in characters (bounds the carry across chunks). */
  maxLength: number;
  /** Characters before the match start and after its end the validator and keywords may read. */
  before: number;
  after: number;
  validator?: Validator;
  /** Context keywords (ASCII, case-insensitive, matched at a word start). */
  keywords: readonly string[];
  /** Confidence of a validated match without, and with, a keyword within the context window. */
  confidence: number;
  keywordConfidence: number;
  requireKeyword?: boolean;
  /** Largest confidence increase its validator can give (deltas, floors); with it the engine knows when a keyword is required. */
  maxBoost?: number;
  /** Known test or example values (compared after normalization); they lower the confidence. */
  testValues?: readonly string[];
  /** Values holding EXAMPLE, FAKE, DUMMY or SAMPLE (upper case) are test values (for random tokens, where such words do not occur by chance). */
  testMarkers?: boolean;
  /** Overlap priority: of two overlapping matches the higher rank wins (then the longer, then the earlier). */
  rank: number;
  /** Characters at the start of the value that are not secret (e.g. "ghp_"), kept in the masked form. */
  publicPrefix?: RegExp;
  /** User-defined in config. */
  custom?: boolean;
}

/** A validated match, positions in text units of the scanned string (bytes for UTF-8, code units for UTF-16). */
export interface ScanMatch {
  def: DetectorDef;
  start: number;
  end: number;
  value: string;
  /** For the keyed hash. */
  normalized: string;
  subtype: string | null;
  severity: SeverityName;
  confidence: number;
  keyword: boolean;
  testValue: boolean;
  paired: boolean | null;
}
