/**
 * Issuer identification numbers (ISO/IEC 7812-1): which card scheme issues numbers starting with a
 * prefix, and at which lengths. Ranges from the schemes' published BIN/IIN tables as collected in
 * the public IIN lists (Visa, Mastercard incl. the 2-series, American Express, Discover/Diners Club
 * International, JCB, UnionPay, Maestro, Mir, RuPay, Troy, Verve, Elo, Hipercard, Dankort, UATP,
 * InterPayment, InstaPayment, BORICA, UzCard, Humo, NAPAS, LankaPay, GPN...).
 *
 * When several schemes share a prefix the longest matching prefix wins, then the first row.
 */

export interface IinRow {
  brand: string;
  /** Inclusive ranges of prefixes of equal length, e.g. ['2221', '2720'] or ['4', '4']. */
  ranges: ReadonlyArray<readonly [string, string]>;
  /** Valid numbers of digits. */
  lengths: readonly number[];
  /** Numbers this short or of this scheme are rarer in text than look-alikes: a keyword is needed (confidence lowered). */
  needsKeyword?: boolean;
}

const r = (from: string, to: string = from): readonly [string, string] => [from, to];
const span = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const IIN_TABLE: readonly IinRow[] = [
  { brand: 'amex', ranges: [r('34'), r('37')], lengths: [15] },
  { brand: 'visa_electron', ranges: [r('4026'), r('417500'), r('4508'), r('4844'), r('4913'), r('4917')], lengths: [16] },
  { brand: 'dankort', ranges: [r('5019'), r('4571')], lengths: [16] },
  { brand: 'elo', ranges: [r('401178'), r('401179'), r('431274'), r('438935'), r('451416'), r('457393'), r('504175'), r('506699', '506778'), r('509000', '509999'), r('627780'), r('636297'), r('636368'), r('650031', '650033'), r('650035', '650051'), r('650405', '650439'), r('650485', '650538'), r('650541', '650598'), r('650700', '650718'), r('650720', '650727'), r('650901', '650978'), r('651652', '651679'), r('655000', '655019'), r('655021', '655058')], lengths: [16] },
  { brand: 'visa', ranges: [r('4')], lengths: [13, 16, 19] },
  { brand: 'mastercard', ranges: [r('51', '55'), r('2221', '2720')], lengths: [16] },
  { brand: 'mir', ranges: [r('2200', '2204')], lengths: span(16, 19) },
  { brand: 'borica', ranges: [r('2205')], lengths: [16] },
  { brand: 'discover', ranges: [r('6011'), r('644', '649'), r('65'), r('622126', '622925')], lengths: span(16, 19) },
  { brand: 'jcb', ranges: [r('3528', '3589')], lengths: span(16, 19) },
  { brand: 'jcb', ranges: [r('1800'), r('2131')], lengths: [15] },
  { brand: 'diners', ranges: [r('300', '305'), r('3095'), r('36'), r('38', '39')], lengths: span(14, 19) },
  { brand: 'unionpay', ranges: [r('62'), r('81')], lengths: span(16, 19) },
  { brand: 'maestro', ranges: [r('5018'), r('5020'), r('5038'), r('5893'), r('6304'), r('6759'), r('6761', '6763'), r('676770'), r('676774')], lengths: span(12, 19) },
  { brand: 'verve', ranges: [r('506099', '506198'), r('650002', '650027'), r('507865', '507964')], lengths: [16, 18, 19] },
  { brand: 'hipercard', ranges: [r('606282'), r('3841')], lengths: [16, 19] },
  { brand: 'rupay', ranges: [r('60'), r('65'), r('81'), r('82'), r('508'), r('353'), r('356')], lengths: [16] },
  { brand: 'troy', ranges: [r('9792')], lengths: [16] },
  { brand: 'interpayment', ranges: [r('636')], lengths: span(16, 19) },
  { brand: 'instapayment', ranges: [r('637', '639')], lengths: [16] },
  { brand: 'ukrcard', ranges: [r('60400100', '60420099')], lengths: span(16, 19) },
  { brand: 'lankapay', ranges: [r('357111')], lengths: [16] },
  { brand: 'uzcard', ranges: [r('8600')], lengths: [16] },
  { brand: 'humo', ranges: [r('9860')], lengths: [16] },
  { brand: 'napas', ranges: [r('9704')], lengths: [16, 19] },
  { brand: 'gpn', ranges: [r('1946')], lengths: [16, 18, 19] },
  // Maestro's historical broad ranges (50, 56-58, 639, 0604; still issued and used by test-data
  // generators): a keyword is needed, as these prefixes also start many other long numbers.
  { brand: 'maestro', ranges: [r('50'), r('56', '58'), r('639'), r('0604')], lengths: span(12, 19), needsKeyword: true },
  // JCB's numbers outside 3528-3589 in its 35 series (used by test-data generators): with a keyword only.
  { brand: 'jcb', ranges: [r('35')], lengths: span(16, 19), needsKeyword: true },
  { brand: 'uatp', ranges: [r('1')], lengths: [15], needsKeyword: true },
];

export interface IinMatch {
  brand: string;
  needsKeyword: boolean;
}

/** The scheme that issues `digits` (IIN range and length), or null. */
export function lookupIin(digits: string): IinMatch | null {
  let best: IinRow | null = null;
  let bestLen = 0;
  for (const row of IIN_TABLE) {
    if (!row.lengths.includes(digits.length)) continue;
    for (const [from, to] of row.ranges) {
      const n = from.length;
      if (n <= bestLen) continue;
      const p = digits.slice(0, n);
      if (p >= from && p <= to) {
        best = row;
        bestLen = n;
      }
    }
  }
  // A 12-digit number is a card only in a scheme's own 4+ digit prefix (Maestro) or with a keyword.
  return best === null ? null : { brand: best.brand, needsKeyword: best.needsKeyword === true || (digits.length < 13 && bestLen < 4) };
}
