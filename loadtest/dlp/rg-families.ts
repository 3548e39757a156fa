/**
 * The dlp detector's data types as ripgrep patterns: for each family the detector reports, the
 * tightest regular expression ripgrep's default engine (Rust `regex`: no look-around, no
 * back-references) can run for the same shape, written from the detector's own patterns
 * (services/detectors/dlp/catalog.ts, passwords.ts, vendor-tokens.ts, encoded-keys.ts), never from
 * the benchmark's samples. What ripgrep cannot do is listed per family (`limits`) and in
 * NOT_EXPRESSED: validators (Luhn, IBAN mod-97, base64/JSON/ASN.1 decoding, entropy, checksums, test
 * values), confidence from keywords except where a keyword is part of the pattern, overlap ranking.
 *
 * Source syntax is shared by both engines: `(?<value>…)` marks the reported span (the detector's
 * value group; for ripgrep a plain group, as it joins all patterns into one alternation), `\z` is the end of the text (JavaScript `$`), `(?i:…)`
 * is a case-insensitive group (the JavaScript extractor runs with flag i instead). The JavaScript
 * form only locates the value inside a match ripgrep already made (scoring, not timed).
 */
import type { BuiltinDataType } from '../../services/detectors/dlp/index.ts';
import { BUILTIN_DETECTORS } from '../../services/detectors/dlp/catalog.ts';
import { IBAN_LENGTHS } from '../../services/detectors/dlp/validators.ts';
import { TOKEN_FORMATS } from '../../services/detectors/dlp/vendor-tokens.ts';

export interface RgFamily {
  type: BuiltinDataType;
  /** Alternatives in source syntax; each has at most one `(?<value>…)` group (else the whole match is the value). */
  patterns: readonly string[];
  /** What the detector does for this family that the patterns cannot. */
  limits: string;
  /**
   * Run in a ripgrep pass of its own in the grouped strategy: the pattern has no literal anchor
   * (ripgrep's literal prefilter is lost for the whole alternation), or its keyword context spans
   * other families' values (one pass reports one match per span).
   */
  ownPass?: true;
}

/** Trailing border consumed as a character (ripgrep has no look-ahead): not followed by a base64 character. */
const END_B64 = String.raw`(?:[^A-Za-z0-9+/=]|\z)`;
/** The detector's look-ahead after a card number, `(?![\w+/]|\.\d)`, consumed as a character. */
const END_CARD = String.raw`(?:[^A-Za-z0-9_+/.]|\.[^0-9]|\.?\z)`;
/** The same after a phone number, `(?![\w\-/]|\.\d)`. */
const END_PHONE = String.raw`(?:[^A-Za-z0-9_/.-]|\.[^0-9]|\.?\z)`;

const SSN_AREA = '(?:00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])';
const SSN_GROUP = '(?:0[1-9]|[1-9][0-9])';
const SSN_SERIAL = '(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})';
const SSN_BARE = `${SSN_AREA}${SSN_GROUP}${SSN_SERIAL}`;
const SSN_KEYWORD = String.raw`(?i:\b(?:ssns?|ss#|ss no|social security|social-security|social sec|soc sec|ssa|social))`;

const PHONE_KEYWORD = String.raw`(?i:\b(?:phones?|telephone|tel|mobile|cell|cellphone|fax|call|contact|desk|office|whatsapp|sms|ph|mob|landline)\b)`;
const PHONE = String.raw`(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-][0-9]{1,4}){1,5}(?:\s?(?:x|ext\.?)\s?[0-9]{1,6})?|\+[0-9]{7,15}`;

/** IBAN: per country its code and total length (the detector's IBAN_LENGTHS); the mod-97 check is not expressible. */
const IBAN = Object.entries(IBAN_LENGTHS)
  .map(([cc, len]) => `${cc}[0-9]{2}(?: ?[A-Z0-9]){${len - 4}}`)
  .join('|');

/** A password keyword (passwords.ts KEYWORD without look-behind: a non-letter before, or the capital P of camelCase). */
const PW_KEYWORD = String.raw`(?:(?:^|[^A-Za-z])(?:[Pp]ass(?:word|wd|phrase)?|PASS(?:WORD|WD|PHRASE)?|[Pp]wd|PWD|[Pp]w|PW)|[a-z]P(?:ass(?:word|wd|phrase)?|ASS(?:WORD|WD|PHRASE)?|wd|WD|w|W))`;
const PW_ASSIGN = String.raw`${PW_KEYWORD}(?:\\?["'])?[ \t]{0,4}(?:=>|:=|=|:)[ \t]{0,4}`;

/** Vendor token bodies: look-around removed (akamai's `(?!\.[a-z])`), case-insensitive ones wrapped. */
function tokenBody(body: string, caseInsensitive: boolean | undefined): string {
  const b = body.replace(/\(\?[!=][^()]*\)/g, '');
  return caseInsensitive ? `(?i:${b})` : `(?:${b})`;
}
const TOKENS_PLAIN = TOKEN_FORMATS.filter((f) => !f.body.includes('(?<value>'));
const TOKENS_WITH_VALUE = TOKEN_FORMATS.filter((f) => f.body.includes('(?<value>'));

export const RG_FAMILIES: readonly RgFamily[] = [
  {
    type: 'payment_card',
    ownPass: true,
    // Industry digit 2-6 or 8 with 12-19 digits, 1 or 9 with 15+, or the 0604 Maestro range; single space/dash separators.
    patterns: [String.raw`\b(?<value>[2-68](?:[ -]?[0-9]){11,18}|[19](?:[ -]?[0-9]){14,18}|0604(?:[ -]?[0-9]){8,15})${END_CARD}`],
    limits: 'no Luhn check, no IIN table (scheme lengths), no test-number list; separators not forced to be consistent (no back-references)',
  },
  {
    type: 'us_ssn',
    ownPass: true,
    patterns: [
      String.raw`\b(?<value>${SSN_AREA}-${SSN_GROUP}-${SSN_SERIAL}|${SSN_AREA} ${SSN_GROUP} ${SSN_SERIAL})(?:[^A-Za-z0-9_+/.-]|[.-][^0-9]|[.-]?\z)`,
      String.raw`${SSN_KEYWORD}[^0-9\n]{0,30}\b(?<value>${SSN_BARE})\b`,
      String.raw`\b(?<value>${SSN_BARE})\b[^0-9\n]{0,30}${SSN_KEYWORD}`,
    ],
    limits: 'the SSA area/group/serial rules are in the pattern; a bare 9-digit number needs a keyword, expressed as a keyword within 30 characters; no ITIN/advertising-number list',
  },
  {
    type: 'iban',
    ownPass: true,
    patterns: [String.raw`\b(?<value>${IBAN})\b`],
    limits: 'country code and length per country are in the pattern; no mod-97 check digits, no BBAN structure',
  },
  {
    type: 'email',
    ownPass: true,
    patterns: [String.raw`(?<value>[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})\b`],
    limits: 'no file-extension TLD exclusion (logo@2x.png), no dot rules in the local part, no example.com test-value rule',
  },
  {
    type: 'phone',
    ownPass: true,
    // The detector reports a phone number only with a keyword near it (confidence 0.3 alone, minimum 0.5).
    patterns: [String.raw`${PHONE_KEYWORD}[^0-9+(\n]{0,30}(?<value>${PHONE})${END_PHONE}`, String.raw`(?<value>${PHONE})\b[^0-9\n]{0,30}${PHONE_KEYWORD}`],
    limits: 'no E.164 digit count, no date / IP / decimal exclusion, no single-digit-group rule',
  },
  {
    type: 'aws_access_key_id',
    patterns: [String.raw`\b(?<value>(?:AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16})\b`],
    limits: 'no AKIAIOSFODNN7EXAMPLE / EXAMPLE-marker test values',
  },
  {
    type: 'aws_secret_access_key',
    patterns: [String.raw`(?i:secret)[A-Za-z0-9_]{0,30}["']?\s{0,4}[:=]\s{0,4}["']?(?<value>[A-Za-z0-9+/]{40})${END_B64}`],
    limits: 'only the form assigned to a "secret" name; a secret paired by proximity (256 characters) to a key id is not expressible (two matches from one pass); no character-class/entropy check',
  },
  {
    type: 'aws_session_token',
    patterns: [
      String.raw`(?i:(?:aws_)?(?:session|security)[_-]?token)["']?\s{0,4}[=:]\s{0,4}["']?(?<value>[A-Za-z0-9+/]{100,}={0,2})`,
      String.raw`\b(?<value>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/]{100,}={0,2})`,
    ],
    limits: 'length unbounded (the detector stops at 4000); no base64 structure check',
  },
  {
    type: 'gcp_service_account_key',
    patterns: [
      String.raw`"type"\s*:\s*"service_account"[^\x00]{0,600}?private_key_id["']?\s*[:=]\s*["'](?<value>[0-9a-f]{40})["']`,
      String.raw`private_key_id["']?\s*[:=]\s*["'](?<value>[0-9a-f]{40})["'][^\x00]{0,300}?"private_key"\s*:\s*"-----BEGIN`,
    ],
    limits: 'the service-account context (type before, or private_key after) is in the pattern',
  },
  {
    type: 'azure_storage_connection_string',
    patterns: [String.raw`AccountKey=(?<value>[A-Za-z0-9+/]{86}==)`],
    limits: 'no check that the key decodes to 64 bytes',
  },
  {
    type: 'azure_sas_token',
    patterns: [String.raw`[?&;]sv=[0-9]{4}-[0-9]{2}-[0-9]{2}[^\s"'<>]*?[?&;]sig=(?<value>(?:[A-Za-z0-9+/]|%2[BbFf]){43}(?:=|%3[Dd]))(?:[^A-Za-z0-9%+/]|\z)`],
    limits: 'sv= must come before sig= (the detector accepts any order and also needs se/sp/ss/srt/sr); no 32-byte decode check',
  },
  {
    type: 'private_key',
    patterns: [
      String.raw`(?<value>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[^\x00]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?)`,
      String.raw`\b(?<value>(?:LS0tLS1CRUdJ|LS0tQkVH|LS0tLUJFR0lO)[A-Za-z0-9+/]{60,}={0,2})`,
    ],
    limits: 'END label not tied to BEGIN (no back-reference), body length unbounded (detector 8192); base64 PEM not decoded; bare base64 DER keys and JSON Web Keys not expressed (see not_expressed)',
  },
  {
    type: 'jwt',
    patterns: [String.raw`\b(?<value>eyJ[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)`],
    limits: 'header and payload not decoded (JSON with "alg"), no jwt.io example exclusion; lengths unbounded',
  },
  {
    type: 'github_token',
    patterns: [String.raw`\b(?<value>gh[pousr]_[A-Za-z0-9]{36,40}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`],
    limits: 'no CRC-32 checksum of the classic token, no placeholder check',
  },
  {
    type: 'gitlab_token',
    patterns: [
      String.raw`\b(?<value>(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|glffct|glrtr|glwt|gloas)-[A-Za-z0-9_-]{20,64}(?:\.[0-9a-z]{2}\.[A-Za-z0-9]{7,12})?|GR1348941[A-Za-z0-9_-]{20}|_gitlab_session=[0-9a-f]{32})(?:[^A-Za-z0-9_-]|\z)`,
    ],
    limits: 'no randomness / placeholder check',
  },
  {
    type: 'slack_token',
    patterns: [
      String.raw`\b(?<value>xox[abposre]-[0-9]{6,14}-[A-Za-z0-9-]{8,200}|xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,16}-[a-z0-9]{32,80})(?:[^A-Za-z0-9-]|\z)`,
      String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/(?<value>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})\b`,
    ],
    limits: 'no placeholder check',
  },
  {
    type: 'stripe_key',
    patterns: [String.raw`\b(?<value>(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,247}|whsec_[0-9A-Za-z]{24,64})\b`],
    limits: "no Stripe documentation-key list, no placeholder check",
  },
  {
    type: 'api_token',
    patterns: [
      String.raw`\b(?<value>${TOKENS_PLAIN.map((f) => tokenBody(f.body, f.caseInsensitive)).join('|')})(?:[^A-Za-z0-9_+/]|\z)`,
      ...TOKENS_WITH_VALUE.map((f) => `${tokenBody(f.body, f.caseInsensitive)}(?:[^A-Za-z0-9_+/]|\\z)`),
    ],
    limits: `${TOKEN_FORMATS.length} vendor formats as one alternation; no entropy / character-class / run checks, no bech32 or other checksums, look-ahead dropped (akamai)`,
  },
  {
    type: 'password',
    ownPass: true,
    patterns: [
      String.raw`${PW_ASSIGN}\\?["'\x60](?<value>[^\s"'\x60\\]{1,128})\\?["'\x60]`,
      String.raw`${PW_ASSIGN}(?<value>[^\s"'\x60<>;,&|(){}\[\]\\]{1,128})(?:[\s"'\x60<>;,&|)}\]]|\z)`,
      String.raw`<(?:[Pp]ass(?:word|wd)|PASSWORD|[Pp]wd)(?:\s[^<>]{0,120})?>(?<value>[^<>\s]{1,128})</(?:[Pp]ass(?:word|wd)|PASSWORD|[Pp]wd)>`,
      String.raw`(?:^|[^\w-])--?(?:[Pp]ass(?:word|wd|phrase)|PASSWORD|[Pp]wd)(?:[ \t]+|=)["']?(?<value>[^\s"'\x60\\-][^\s"'\x60\\]{0,127})["']?(?:\s|\z)`,
      String.raw`\b[A-Za-z][A-Za-z0-9+.-]{1,23}://[^\s:/@"'<>\x60]{1,64}:(?<value>[^\s/@"'<>\x60]{1,128})@[A-Za-z0-9\[_]`,
      String.raw`(?:-u|--user)[ \t]+["']?[^\s:"'$]{1,64}:(?<value>[^\s"'@]{1,128})["']?(?:\s|\z)`,
      String.raw`(?i:(?:CREATE|ALTER)\s+(?:USER|ROLE|LOGIN)\b[^;]{0,200}?IDENTIFIED\s+BY\s+)\\?["'\x60]?(?<value>[^\s"'\x60;\\]{1,128})`,
      String.raw`(?i:PASSWORD)\s+\\?'(?<value>[^\s'\\]{1,128})\\?'`,
      String.raw`(?i:ConvertTo-SecureString(?:\s+-(?:String|AsPlainText|Force))*\s+)\\?["']?(?<value>[^\s"'\\$-][^\s"'\\]{0,127})`,
      String.raw`(?i:(?:(?:getenv|environ\.get|env\.get|env\.fetch)\(\s*\\?["'][A-Za-z0-9_.-]{0,64}(?:pass|pwd)[A-Za-z0-9_.-]{0,64}\\?["']\s*(?:,\s*b?|\)\s*(?:or|\|\||\?\?)\s*)|process\.env\.[A-Za-z0-9_]{0,64}(?:pass|pwd)[A-Za-z0-9_]{0,64}\s*(?:\|\||\?\?)\s*))\\?["'\x60](?<value>[^\s"'\x60\\]{1,128})`,
      String.raw`Basic\s+(?<value>[A-Za-z0-9+/]{8,200}={0,2})${END_B64}`,
    ],
    limits: 'no literal-password test (variables such as ${DB_PASSWORD}, placeholders, weak test passwords), quotes not paired (no back-references), Basic credentials not decoded',
  },
  {
    type: 'generic_secret',
    ownPass: true,
    patterns: [
      String.raw`(?i:(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|credentials?)[A-Za-z0-9_.-]{0,32}["']?\s{0,4}(?:=>|:=|=|:)\s{0,4}(?:["'\x60]|\\["'])?)(?<value>[A-Za-z0-9+/=_.~!@#$%^&*?|-]{12,160})`,
      String.raw`(?i:(?:Bearer|oauth2-bearer)\s+)["']?(?<value>[A-Za-z0-9._~+/-]{16,500}=*)`,
    ],
    limits: 'no entropy / character-class / placeholder check; overlaps with more specific types are not ranked away',
  },
];

/** Forms the detector finds that the patterns above do not express at all. */
export const NOT_EXPRESSED: ReadonlyArray<{ type: BuiltinDataType; form: string; why: string }> = [
  { type: 'private_key', form: 'bare base64 DER keys (PKCS#1/PKCS#8/SEC1)', why: 'recognised by decoding the ASN.1 structure; a base64 shape alone matches any blob' },
  { type: 'private_key', form: 'JSON Web Keys (private "d"/"k" members)', why: 'needs the JSON object holding "kty" around the member (a window both ways)' },
  { type: 'private_key', form: 'base64-encoded JSON Web Keys', why: 'needs decoding' },
  { type: 'aws_secret_access_key', form: 'secret paired with a nearby key id, no keyword', why: 'one regex pass reports non-overlapping matches: the key id and its secret cannot both be reported' },
];

/** Counted repetitions up to this bound are kept; longer ones are opened (`{m,}`). */
export const OPEN_BOUND = 32;

/**
 * Rust's lazy DFA unrolls a counted repetition into one state per count: bounds such as `{12,160}`
 * or `{0,600}` made ripgrep several times slower, so bounds of OPEN_BOUND or more are opened (the
 * planted values never reach them); the JavaScript extractor gets the same change.
 */
function openBounds(source: string): string {
  return source.replace(/\{(\d+),(\d+)\}/g, (m, a: string, b: string) => (Number(b) >= OPEN_BOUND ? `{${a},}` : m));
}

/**
 * ripgrep (Rust regex) syntax: ASCII mode `(?-u)` (the patterns are ASCII and the text is scanned
 * as bytes, as the detector reads latin1; Unicode classes made ripgrep up to 30× slower), bounds
 * opened, and the value group a plain group (ripgrep joins all its patterns into one alternation).
 */
export function toRust(source: string): string {
  return `(?-u)${openBounds(source).replace(/\(\?<value>/g, '(?:')}`;
}

/** JavaScript syntax of one alternative, anchored to a whole match (flag i when the source has a case-insensitive group). */
export function toJs(source: string): RegExp {
  const ci = source.includes('(?i:');
  const js = openBounds(source).replace(/\(\?i:/g, '(?:').replace(/\\z/g, '$');
  return new RegExp(`^(?:${js})$`, ci ? 'i' : '');
}

/** The same alternative unanchored, for searching a whole text (flags g and d; i as toJs). */
export function toJsSearch(source: string): RegExp {
  const anchored = toJs(source);
  return new RegExp(anchored.source.slice(1, -1), `${anchored.flags}gd`);
}

/** Rank of a family (its highest detector rank): ripgrep's alternation is ordered by it, as the detector resolves overlaps. */
export function familyRank(type: BuiltinDataType): number {
  return Math.max(...BUILTIN_DETECTORS.filter((d) => d.id === type).map((d) => d.rank ?? 0));
}

/** Families ordered for one combined ripgrep pass (highest rank first). */
export function combinedOrder(): RgFamily[] {
  return [...RG_FAMILIES].sort((a, b) => familyRank(b.type) - familyRank(a.type));
}

/** The grouped strategy: the anchored families in one pass (rank order), each `ownPass` family alone. */
export function passGroups(): RgFamily[][] {
  const order = combinedOrder();
  return [order.filter((f) => !f.ownPass), ...order.filter((f) => f.ownPass).map((f) => [f])];
}

export interface Located {
  type: BuiltinDataType;
  /** Offset of the value relative to the match start. */
  offset: number;
  length: number;
}

/** Compiled extractors: which family (and alternative) a matched text belongs to, and where its value is. */
export class ValueLocator {
  private readonly alts: Array<{ type: BuiltinDataType; re: RegExp }>;
  constructor(families: readonly RgFamily[]) {
    this.alts = families.flatMap((f) => f.patterns.map((p) => ({ type: f.type, re: toJs(p) })));
  }
  locate(text: string): Located | null {
    for (const a of this.alts) {
      const m = new RegExp(a.re.source, `${a.re.flags}d`).exec(text);
      if (m === null) continue;
      const v = m.indices?.groups?.value;
      return v ? { type: a.type, offset: v[0], length: v[1] - v[0] } : { type: a.type, offset: 0, length: text.length };
    }
    return null;
  }
}
