/**
 * The one-pass prefilter: finds the places worth running a detector's full pattern at. Two
 * implementations with the same output: a small Aho-Corasick automaton over ASCII (case-folded),
 * and a single RegExp with an alternation of the anchors. The benchmark measures both
 * (loadtest/dlp); the scanner uses DEFAULT_PREFILTER.
 */

/** Receives candidates: a literal (its index in the list, position of its first character) or a run of digits. */
export interface CandidateSink {
  literal(id: number, pos: number): void;
  /** The first digit of a run (a digit not preceded by a digit) and how many digits the run holds (separators allowed). */
  digits(pos: number, count: number): void;
}

/** Which digit runs are worth reporting. */
export interface DigitFilter {
  /** Runs with fewer digits are not reported... */
  minDigits: number;
  /** ...unless the run follows two upper-case letters (where an IBAN starts). */
  afterLetterPair: boolean;
}

/** Every digit run (for tests). */
export const ALL_DIGITS: DigitFilter = { minDigits: 1, afterLetterPair: false };

export interface Prefilter {
  readonly kind: PrefilterKind;
  scan(text: string, sink: CandidateSink, digits?: DigitFilter): void;
}

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;

/** The digit-run gate shared by both prefilters. */
function reportDigits(text: string, i: number, sink: CandidateSink, f: DigitFilter): void {
  const count = digitRunCount(text, i);
  if (count >= f.minDigits || (f.afterLetterPair && i >= 2 && isUpper(text.charCodeAt(i - 1)) && isUpper(text.charCodeAt(i - 2)))) sink.digits(i, count);
}

export type PrefilterKind = 'aho-corasick' | 'regex';

/** Chosen from the benchmark's measurements (see loadtest/dlp/README.md). */
export const DEFAULT_PREFILTER: PrefilterKind = 'aho-corasick';

const RUN_SCAN = 28;

/** Digits in the run starting at p: digits and the separators ` -.()/` count as one run, up to 28 characters. */
export function digitRunCount(text: string, p: number): number {
  let n = 0;
  const end = Math.min(text.length, p + RUN_SCAN);
  for (let i = p; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
    else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 47) break;
  }
  return n;
}

function checkLiterals(literals: readonly string[]): string[] {
  return literals.map((l) => {
    if (l.length === 0 || !/^[\x20-\x7e]+$/.test(l)) throw new Error(`prefilter literal must be printable ASCII: ${JSON.stringify(l)}`);
    return l.toLowerCase();
  });
}

/** Aho-Corasick over printable ASCII, case-insensitive; digit runs are found in the same loop. */
export class AhoCorasickPrefilter implements Prefilter {
  readonly kind = 'aho-corasick';
  private readonly delta: Int32Array;
  private readonly accept: Uint8Array;
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  private readonly lengths: Int32Array;

  constructor(literals: readonly string[]) {
    const lits = checkLiterals(literals);
    this.lengths = Int32Array.from(lits.map((l) => l.length));
    // Trie
    const next: Array<Map<number, number>> = [new Map()];
    const outs: number[][] = [[]];
    lits.forEach((lit, id) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const c = lit.charCodeAt(i);
        let t = next[s]!.get(c);
        if (t === undefined) {
          t = next.length;
          next.push(new Map());
          outs.push([]);
          next[s]!.set(c, t);
        }
        s = t;
      }
      outs[s]!.push(id);
    });
    // Failure links (BFS) and the complete transition table over 128 symbols.
    const n = next.length;
    const fail = new Int32Array(n);
    const delta = new Int32Array(n * 128);
    const queue: number[] = [];
    for (let c = 0; c < 128; c++) {
      const t = next[0]!.get(c);
      if (t !== undefined) {
        delta[c] = t;
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      outs[s]!.push(...outs[fail[s]!]!);
      for (let c = 0; c < 128; c++) {
        const t = next[s]!.get(c);
        if (t !== undefined) {
          fail[t] = delta[fail[s]! * 128 + c]!;
          delta[s * 128 + c] = t;
          queue.push(t);
        } else {
          delta[s * 128 + c] = delta[fail[s]! * 128 + c]!;
        }
      }
    }
    // 256 symbols (latin1): upper-case letters fold onto lower-case ones; bytes >= 128 restart.
    this.delta = new Int32Array(n * 256);
    for (let s = 0; s < n; s++) {
      for (let c = 0; c < 128; c++) this.delta[s * 256 + c] = delta[s * 128 + (c >= 65 && c <= 90 ? c + 32 : c)]!;
    }
    this.accept = new Uint8Array(n);
    this.outStart = new Int32Array(n + 1);
    const flat: number[] = [];
    for (let s = 0; s < n; s++) {
      this.outStart[s] = flat.length;
      flat.push(...new Set(outs[s]!));
      this.accept[s] = flat.length > this.outStart[s]! ? 1 : 0;
    }
    this.outStart[n] = flat.length;
    this.outIds = Int32Array.from(flat);
  }

  scan(text: string, sink: CandidateSink, digits: DigitFilter = ALL_DIGITS): void {
    const { delta, accept, outStart, outIds, lengths } = this;
    const n = text.length;
    let s = 0;
    let prevDigit = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) {
        s = 0;
        prevDigit = false;
        continue;
      }
      s = delta[(s << 8) | c]!;
      if (accept[s] !== 0) {
        for (let k = outStart[s]!, b = outStart[s + 1]!; k < b; k++) {
          const id = outIds[k]!;
          sink.literal(id, i - lengths[id]! + 1);
        }
      }
      if (c <= 57 && c >= 48) {
        if (!prevDigit) reportDigits(text, i, sink, digits);
        prevDigit = true;
      } else prevDigit = false;
    }
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');


/** One RegExp: an alternation of the literals (case-insensitive) and the start of a digit run. */
export class RegexPrefilter implements Prefilter {
  readonly kind = 'regex';
  private readonly byText = new Map<string, number[]>();

  constructor(literals: readonly string[]) {
    const lits = checkLiterals(literals);
    lits.forEach((l, id) => {
      // A literal found at a position also reports every literal that is a prefix of it there.
      for (const [other, oid] of lits.map((o, j) => [o, j] as const)) {
        if (l.startsWith(other)) {
          const list = this.byText.get(l) ?? [];
          if (!list.includes(oid)) list.push(oid);
          this.byText.set(l, list);
        }
      }
      void id;
    });
    const unique = [...new Set(lits)].sort((a, b) => b.length - a.length);
    this.literalSource = unique.map(escapeRe).join('|');
  }

  private readonly literalSource: string;
  private readonly byFilter = new Map<string, RegExp>();

  /**
   * The alternation for a digit filter (flag i, which V8 runs much faster than two-case classes):
   * a digit-run start followed by enough run characters to hold minDigits digits (a necessary
   * condition; reportDigits checks exactly), two letters and a digit (a possible IBAN start;
   * upper case is checked by reportDigits), then the literals.
   */
  private regexFor(f: DigitFilter): RegExp {
    const key = `${f.minDigits}/${f.afterLetterPair}`;
    let re = this.byFilter.get(key);
    if (re === undefined) {
      const alts: string[] = [];
      if (f.minDigits <= 1) alts.push('(?<![0-9])[0-9]');
      else if (f.minDigits <= RUN_SCAN) alts.push(`(?<![0-9])[0-9](?=[0-9 ().\\/-]{${f.minDigits - 1}})`);
      if (this.literalSource) alts.push(this.literalSource);
      if (f.afterLetterPair && f.minDigits > 1) alts.push('[a-z][a-z][0-9]');
      re = new RegExp(alts.join('|') || '(?!)', 'gi');
      this.byFilter.set(key, re);
    }
    return re;
  }

  scan(text: string, sink: CandidateSink, digits: DigitFilter = ALL_DIGITS): void {
    const re = this.regexFor(digits);
    re.lastIndex = 0;
    // A run start can be reached twice (after two letters, then as a digit): report it once.
    let lastRun = -1;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const pos = m.index;
      const c = text.charCodeAt(pos);
      if (c >= 48 && c <= 57) {
        if (pos !== lastRun) reportDigits(text, pos, sink, digits);
      } else {
        const ids = this.byText.get(m[0].toLowerCase());
        if (ids !== undefined) for (const id of ids) sink.literal(id, pos);
        // Two letters and a digit (matched as such, or as the start of a literal such as GR1348941).
        const d = text.charCodeAt(pos + 2);
        if (digits.afterLetterPair && d >= 48 && d <= 57 && isLetter(c) && isLetter(text.charCodeAt(pos + 1)) && digits.minDigits > 1) {
          reportDigits(text, pos + 2, sink, digits);
          lastRun = pos + 2;
        }
      }
      re.lastIndex = pos + 1;
    }
  }
}

/** Builds the prefilter of the given kind over the literals. */
export function createPrefilter(kind: PrefilterKind, literals: readonly string[]): Prefilter {
  return kind === 'regex' ? new RegexPrefilter(literals) : new AhoCorasickPrefilter(literals);
}
