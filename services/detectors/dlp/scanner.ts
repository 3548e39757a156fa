/**
 * The scan engine: one prefilter pass over a text, the detectors' full patterns only at the
 * candidates it finds, validators, overlap resolution, context keywords and confidence.
 *
 * Every match is computed from the text around its own position only (sticky patterns at
 * candidates, bounded lengths and context), so a caller that scans overlapping windows of a stream
 * and keeps only the matches starting in [from, to) of each window finds every match exactly once:
 * see ObjectScanner (object-scan.ts) and the bounds `leftContext` and `holdback`.
 */
import type { DigitsTrigger } from './catalog.ts';
import { createPrefilter, DEFAULT_PREFILTER, type CandidateSink, type DigitFilter, type Prefilter, type PrefilterKind } from './prefilter.ts';
import type { DetectorDef, ScanMatch, Trigger, Validation } from './types.ts';

export interface EngineOptions {
  defs: ReadonlyArray<Omit<DetectorDef, 'triggers'> & { triggers: ReadonlyArray<Trigger | DigitsTrigger> }>;
  /** Characters around a match searched for keywords. */
  contextWindow: number;
  /** Matches below are dropped (after overlap resolution). */
  minConfidence: number;
  prefilter?: PrefilterKind;
}

interface Compiled {
  def: DetectorDef;
  index: number;
  /** Without a keyword nearby no match can reach minConfidence: candidates with none are not tried. */
  keywordGate: boolean;
  /** The keywords without word boundaries: a cheaper test for the gate (a superset of real keyword hits). */
  keywordLoose: RegExp | null;
  sticky: RegExp;
  global: RegExp;
  keywords: RegExp | null;
  testValues: ReadonlySet<string>;
}

interface LiteralHook {
  def: number;
  window: boolean;
  shift: number;
  before: number;
  after: number;
}

interface DigitHook {
  def: number;
  minDigits: number;
  locate: ((text: string, p: number) => number) | undefined;
  guard: ((text: string, p: number) => boolean) | undefined;
}

interface Found {
  c: Compiled;
  start: number;
  end: number;
  value: string;
  v: Validation;
}

/** Characters of context around a window search, for the patterns' lookarounds. */
const WINDOW_MARGIN = 64;

/** Multiplier of the confidence of a known test or example value. */
export const TEST_VALUE_FACTOR = 0.3;

/** Words that mark a token as an example (see DetectorDef.testMarkers). */
export const TEST_MARKER = /EXAMPLE|FAKE|DUMMY|SAMPLE/;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function keywordAlternatives(keywords: readonly string[]): string {
  return [...keywords].sort((a, b) => b.length - a.length).map((k) => escapeRe(k).replace(/ /g, '[\\s_\\-]{0,2}')).join('|');
}

function keywordRegex(keywords: readonly string[]): RegExp | null {
  if (keywords.length === 0) return null;
  return new RegExp(`(?<![A-Za-z])(?:${keywordAlternatives(keywords)})(?![A-Za-z])`, 'gi');
}

const withFlags = (re: RegExp, add: string): RegExp => new RegExp(re.source, [...new Set([...re.flags.replace(/[gy]/g, ''), ...add])].join(''));

/** Scans texts with a fixed set of detectors. Single-threaded, reusable, holds no per-text state between calls. */
export class ScanEngine {
  readonly compiled: readonly Compiled[];
  /** Longest match of any detector. */
  readonly maxLength: number;
  /** Farthest any detector reads around a match, keywords included. */
  readonly reach: number;
  /** Characters of already-committed text a window must start with (before `from`). */
  readonly leftContext: number;
  /** Characters at the end of a non-final window whose matches are left to the next window. */
  readonly holdback: number;
  readonly prefilterKind: PrefilterKind;
  /** The prefilter's literal anchors (for benchmarks). */
  readonly literals: readonly string[];
  private readonly prefilter: Prefilter;
  private readonly digitFilter: DigitFilter;
  private readonly literalHooks: LiteralHook[][];
  private readonly digitHooks: DigitHook[];
  private readonly atHooks: number[];
  private readonly globalDefs: number[];
  private readonly contextWindow: number;
  private readonly minConfidence: number;
  private readonly keywordMax: number;

  constructor(options: EngineOptions) {
    this.contextWindow = options.contextWindow;
    this.minConfidence = options.minConfidence;
    const literals: string[] = [];
    const literalIds = new Map<string, number>();
    this.literalHooks = [];
    this.digitHooks = [];
    this.atHooks = [];
    this.globalDefs = [];
    let maxLength = 1;
    let reach = 0;
    let keywordMax = 0;
    let minDigits = Number.POSITIVE_INFINITY;
    let letterPair = false;
    this.compiled = options.defs.map((d, index) => {
      const def = d as DetectorDef;
      maxLength = Math.max(maxLength, def.maxLength);
      let r = Math.max(def.before, def.after);
      for (const t of d.triggers) {
        if (t.kind === 'literal' || t.kind === 'window') {
          const key = t.text.toLowerCase();
          let id = literalIds.get(key);
          if (id === undefined) {
            id = literals.length;
            literals.push(t.text);
            literalIds.set(key, id);
            this.literalHooks.push([]);
          }
          if (t.kind === 'literal') this.literalHooks[id]!.push({ def: index, window: false, shift: t.shift ?? 0, before: 0, after: 0 });
          else {
            this.literalHooks[id]!.push({ def: index, window: true, shift: 0, before: t.before, after: t.after });
            r = Math.max(r, t.before + def.maxLength, t.after + t.text.length);
          }
        } else if (t.kind === 'digits') {
          const dt = t as Partial<DigitsTrigger>;
          this.digitHooks.push({ def: index, minDigits: dt.minDigits ?? 1, locate: dt.locate, guard: dt.guard });
          if (dt.afterLetterPair) letterPair = true;
          else minDigits = Math.min(minDigits, dt.minDigits ?? 1);
          r = Math.max(r, 2);
        } else if (t.kind === 'at') {
          this.atHooks.push(index);
          if (!literalIds.has('@')) {
            literalIds.set('@', literals.length);
            literals.push('@');
            this.literalHooks.push([]);
          }
        }
      }
      if (d.triggers.length === 0) this.globalDefs.push(index);
      for (const k of def.keywords) keywordMax = Math.max(keywordMax, k.length + 4);
      reach = Math.max(reach, r);
      const keywords = keywordRegex(def.keywords);
      return {
        def,
        index,
        keywordGate: keywords !== null && (def.requireKeyword === true || def.confidence + (def.maxBoost ?? 0) < options.minConfidence),
        keywordLoose: keywords === null ? null : new RegExp(keywordAlternatives(def.keywords), 'i'),
        sticky: withFlags(def.pattern, 'yd'),
        global: withFlags(def.pattern, 'gd'),
        keywords,
        testValues: new Set(def.testValues ?? []),
      };
    });
    if (this.compiled.length > 1024) throw new Error('at most 1024 detectors');
    this.keywordMax = keywordMax;
    this.maxLength = maxLength;
    this.reach = Math.max(reach, this.contextWindow + keywordMax);
    this.leftContext = this.maxLength + this.reach;
    this.holdback = 2 * this.maxLength + this.reach;
    this.prefilterKind = options.prefilter ?? DEFAULT_PREFILTER;
    this.literals = literals;
    this.digitFilter = { minDigits: Number.isFinite(minDigits) ? minDigits : Number.MAX_SAFE_INTEGER, afterLetterPair: letterPair };
    this.prefilter = createPrefilter(this.prefilterKind, literals);
    this.atLiteral = literalIds.get('@') ?? -1;
  }

  private readonly atLiteral: number;

  /**
   * Matches of the whole text, resolved for overlaps, whose value starts in [from, to) and whose
   * confidence reaches minConfidence, in order of position.
   */
  scan(text: string, from = 0, to: number = text.length): ScanMatch[] {
    const found: Found[] = [];
    const seen = new Set<number>();
    /** m was matched on text.slice(base): its positions are shifted by base. */
    const consider = (c: Compiled, m: RegExpExecArray, base: number): void => {
      const whole = m[0];
      if (whole.length === 0 || whole.length > c.def.maxLength) return;
      const vi = m.indices?.groups?.value;
      const start = base + (vi ? vi[0] : m.index);
      let end = base + (vi ? vi[1] : m.index + whole.length);
      if (end <= start) return;
      const key = start * 1024 + c.index;
      if (seen.has(key)) return;
      let value = text.slice(start, end);
      let v: Validation | null = {};
      if (c.def.validator) {
        v = c.def.validator({ text, start: base + m.index, end: base + m.index + whole.length, value, valueStart: start, groups: m.groups ?? {} });
        if (v === null) return;
        if (v.end !== undefined && v.end > start && v.end < end) {
          end = v.end;
          value = text.slice(start, end);
        }
      }
      seen.add(key);
      found.push({ c, start, end, value, v });
    };
    const tryAt = (di: number, s: number): void => {
      if (s < 0 || s >= text.length) return;
      const c = this.compiled[di]!;
      if (c.keywordGate && !this.keywordNear(c, text, s)) return;
      c.sticky.lastIndex = s;
      const m = c.sticky.exec(text);
      if (m !== null) consider(c, m, 0);
    };
    /** Every match starting in [lo, hi), searched in a slice with a margin for lookarounds (never the rest of the text). */
    const tryWindow = (di: number, lo: number, hi: number): void => {
      const c = this.compiled[di]!;
      const base = Math.max(0, lo - WINDOW_MARGIN);
      const sub = text.slice(base, Math.min(text.length, hi + c.def.maxLength + WINDOW_MARGIN));
      const re = c.global;
      re.lastIndex = Math.max(0, lo) - base;
      for (let m = re.exec(sub); m !== null && base + m.index < hi; m = re.exec(sub)) {
        consider(c, m, base);
        if (m[0].length === 0) re.lastIndex++;
      }
    };
    const sink: CandidateSink = {
      literal: (id, pos) => {
        if (id === this.atLiteral) {
          for (const di of this.atHooks) {
            const s = emailLocalStart(text, pos);
            if (s < pos) tryAt(di, s);
          }
        }
        const hooks = this.literalHooks[id];
        if (hooks === undefined) return;
        for (const h of hooks) {
          if (h.window) tryWindow(h.def, pos - h.before, pos + h.after);
          else tryAt(h.def, pos + h.shift);
        }
      },
      digits: (pos, count) => {
        for (const h of this.digitHooks) {
          if (count < h.minDigits || (h.guard !== undefined && !h.guard(text, pos))) continue;
          tryAt(h.def, h.locate ? h.locate(text, pos) : pos);
        }
      },
    };
    this.prefilter.scan(text, sink, this.digitFilter);
    for (const di of this.globalDefs) {
      const c = this.compiled[di]!;
      c.global.lastIndex = 0;
      for (let m = c.global.exec(text); m !== null; m = c.global.exec(text)) {
        consider(c, m, 0);
        if (m[0].length === 0) c.global.lastIndex++;
      }
    }
    return this.resolve(text, found, from, to);
  }

  /** Overlaps: a match loses to any overlapping match of higher rank, then longer, then earlier. Then keywords and confidence. */
  private resolve(text: string, found: Found[], from: number, to: number): ScanMatch[] {
    found.sort((a, b) => a.start - b.start || a.c.index - b.c.index);
    const lost = new Uint8Array(found.length);
    for (let i = 0; i < found.length; i++) {
      const a = found[i]!;
      for (let j = i + 1; j < found.length && found[j]!.start < a.end; j++) {
        const b = found[j]!;
        if (beats(a, b)) lost[j] = 1;
        else lost[i] = 1;
      }
    }
    const out: ScanMatch[] = [];
    for (let i = 0; i < found.length; i++) {
      const f = found[i]!;
      if (lost[i] || f.start < from || f.start >= to) continue;
      const def = f.c.def;
      const keyword = this.hasKeyword(f.c, text, f.start, f.end);
      if (def.requireKeyword && !keyword) continue;
      const normalized = f.v.normalized ?? f.value;
      let confidence = (keyword ? def.keywordConfidence : def.confidence) + (f.v.confidenceDelta ?? 0);
      if (f.v.confidenceFloor !== undefined) confidence = Math.max(confidence, f.v.confidenceFloor);
      confidence = Math.min(1, Math.max(0, confidence));
      const testValue =
        f.v.testValue === true || f.c.testValues.has(normalized) || f.c.testValues.has(f.value) || (def.testMarkers === true && TEST_MARKER.test(f.value));
      if (testValue) confidence *= TEST_VALUE_FACTOR;
      confidence = Math.round(confidence * 100) / 100;
      if (confidence < this.minConfidence) continue;
      out.push({
        def,
        start: f.start,
        end: f.end,
        value: f.value,
        normalized,
        subtype: f.v.subtype ?? null,
        severity: f.v.severity ?? def.severity,
        confidence,
        keyword,
        testValue,
        paired: f.v.paired ?? null,
      });
    }
    return out;
  }

  /** A keyword anywhere a match starting at s could have one (a superset of hasKeyword's windows). */
  private keywordNear(c: Compiled, text: string, s: number): boolean {
    const w = this.contextWindow + this.keywordMax;
    return c.keywordLoose!.test(text.slice(Math.max(0, s - w), Math.min(text.length, s + c.def.maxLength + w)));
  }

  private hasKeyword(c: Compiled, text: string, s: number, e: number): boolean {
    const re = c.keywords;
    if (re === null) return false;
    const w = this.contextWindow;
    const lo = Math.max(0, s - w - this.keywordMax);
    const hi = Math.min(text.length, e + w + this.keywordMax);
    const region = text.slice(lo, hi);
    re.lastIndex = 0;
    for (let m = re.exec(region); m !== null; m = re.exec(region)) {
      const ks = lo + m.index;
      const ke = ks + m[0].length;
      if ((ke <= s && ke >= s - w) || (ks >= e && ks <= e + w)) return true;
    }
    return false;
  }
}

function beats(a: Found, b: Found): boolean {
  if (a.c.def.rank !== b.c.def.rank) return a.c.def.rank > b.c.def.rank;
  const la = a.end - a.start;
  const lb = b.end - b.start;
  if (la !== lb) return la > lb;
  if (a.start !== b.start) return a.start < b.start;
  return a.c.index < b.c.index;
}

const LOCAL_CHAR = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;

/** Where the local part of an e-mail address ending just before `at` starts (at most 64 characters back, no leading dots). */
export function emailLocalStart(text: string, at: number): number {
  let s = at;
  const min = Math.max(0, at - 64);
  while (s > min && LOCAL_CHAR(text.charCodeAt(s - 1))) s--;
  while (s < at && text.charCodeAt(s) === 46) s++;
  return s;
}
