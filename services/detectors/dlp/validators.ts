/**
 * Validators: small pure functions that decide whether a regex match is the real thing (checksums,
 * number ranges, structure). Each returns null to reject, or a Validation with what it learned.
 */
import type { BuiltinValidatorName } from './config.ts';
import { lookupIin } from './iin.ts';
import type { Validation, ValidationInput, Validator } from './types.ts';

// ---------- checksums and number rules ----------

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const between = (s: string, n: number, lo: number, hi: number): boolean => {
  const v = Number(s.slice(0, n));
  return v >= lo && v <= hi;
};

/** Card brand from the IIN (issuer prefix) and the length (iin.ts), or null when no scheme issues such a number. */
export function cardBrand(digits: string): string | null {
  return lookupIin(digits)?.brand ?? null;
}

/** Digit groups a formatted card number may have (4-4-4-4, Amex 4-6-5, Diners 4-6-4, 4-4-4-4-3...). */
function cardGroupsOk(groups: readonly string[]): boolean {
  const sizes = groups.map((g) => g.length);
  if (sizes.length === 1) return true;
  const key = sizes.join('-');
  if (key === '4-6-5' || key === '4-6-4') return true;
  return sizes.slice(0, -1).every((s) => s === 4) && sizes[sizes.length - 1]! >= 1 && sizes[sizes.length - 1]! <= 4;
}

/** A payment card number: IIN range and length of a brand, Luhn, a plausible grouping, not one repeated digit. */
export function validatePaymentCard(value: string): Validation | null {
  const seps = value.match(/[ -]/g);
  if (seps && new Set(seps).size > 1) return null;
  const groups = value.split(/[ -]/);
  if (!cardGroupsOk(groups)) return null;
  const digits = groups.join('');
  if (digits.length < 12 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return null;
  const iin = lookupIin(digits);
  if (iin === null || !luhn(digits)) return null;
  // Short (12-digit Maestro) and prefix-1 (UATP) numbers need a keyword to reach the threshold.
  // Seven zeros in a row do not occur in issued numbers by chance: scheme test numbers (6011000000000004...).
  return { subtype: iin.brand, normalized: digits, confidenceDelta: (seps ? 0.1 : 0) - (iin.needsKeyword ? 0.25 : 0), testValue: /0{7}/.test(digits) };
}

/** US SSN rules: area 001-899 but not 666, group 01-99, serial 0001-9999. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a >= 1 && a <= 899 && a !== 666 && Number(group) >= 1 && Number(serial) >= 1;
}

/** A US SSN with or without separators; separated forms are more likely to be SSNs than nine bare digits. */
export function validateSsn(value: string): Validation | null {
  const m = /^(\d{3})([- ]?)(\d{2})\2(\d{4})$/.exec(value);
  if (!m || !ssnValid(m[1]!, m[3]!, m[4]!)) return null;
  const digits = `${m[1]}${m[3]}${m[4]}`;
  const repeated = /^(\d)\1+$/.test(digits) || digits === '123456789';
  return {
    normalized: digits,
    subtype: m[2] === '-' ? 'dashed' : m[2] === ' ' ? 'spaced' : 'plain',
    confidenceDelta: m[2] === '-' ? 0 : m[2] === ' ' ? -0.1 : -0.35,
    testValue: repeated,
  };
}

/** IBAN lengths per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19,
  SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 mod 97-10 of an IBAN (letters as 10..35, first four characters moved to the end) equals 1. */
export function ibanMod97(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** An IBAN (spaces allowed): the country's length (a longer match is cut to it) and mod-97. */
function validateIbanMatch(m: ValidationInput): Validation | null {
  const country = m.value.slice(0, 2);
  const len = IBAN_LENGTHS[country];
  if (len === undefined) return null;
  let compact = '';
  let i = 0;
  for (; i < m.value.length && compact.length < len; i++) if (m.value[i] !== ' ') compact += m.value[i];
  if (compact.length !== len || !ibanMod97(compact)) return null;
  // A cut in the middle of a 4-character group is not an IBAN followed by something else.
  const rest = m.value.slice(i);
  if (rest.length > 0 && rest[0] !== ' ') return null;
  return { subtype: country, normalized: compact, end: m.valueStart + i };
}

/** Top-level domains that are really file extensions (`logo@2x.png`). */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'js', 'mjs', 'ts', 'css', 'scss', 'json', 'map', 'html', 'htm', 'xml', 'txt', 'md', 'yml', 'yaml', 'py', 'rb', 'go', 'java', 'zip', 'gz', 'tar', 'pdf', 'lock', 'min', 'tsx', 'jsx', 'vue', 'php']);
/** Reserved example domains (RFC 2606 / 6761). */
const EXAMPLE_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net|edu)|example|test|invalid|localhost|local)$/i;

/** An e-mail address: label syntax, an alphabetic TLD that is not a file extension, no empty local-part atoms. */
export function validateEmail(value: string): Validation | null {
  const at = value.lastIndexOf('@');
  if (at < 1) return null;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => l.length === 0 || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) return null;
  const tld = labels[labels.length - 1]!.toLowerCase();
  if (!/^[a-z]{2,24}$/.test(tld) || FILE_TLDS.has(tld)) return null;
  return { normalized: value.toLowerCase(), testValue: EXAMPLE_DOMAIN.test(domain) };
}

/** A phone number: 7 to 15 digits (E.164) before any extension, grouped like a phone number, not a date, an IP or a decimal. */
export function validatePhone(value: string): Validation | null {
  const main = value.replace(/\s*(?:x|ext\.?|#)\s*\d{1,6}$/i, '');
  const digits = main.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return null;
  if (/^\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}$/.test(main) || /^\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4}$/.test(main)) return null;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(main)) return null;
  const groups = main.replace(/^\+/, '').split(/[ .\-()]+/).filter(Boolean);
  if (!main.startsWith('+') && groups.length < 2 && !/^\(/.test(main)) return null;
  if (/^\d+\.\d+$/.test(main)) return null;
  if (groups.filter((g) => g.length === 1).length > 1) return null;
  if (/^(\d)\1+$/.test(digits)) return { normalized: digits, testValue: true };
  return { normalized: digits };
}

function base64UrlJson(segment: string): unknown {
  try {
    const text = Buffer.from(segment, 'base64url').toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JWT (JWS compact form): the header is JSON with "alg", the payload is a JSON object. */
export function validateJwt(value: string): Validation | null {
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const header = base64UrlJson(parts[0]!);
  if (!isObject(header) || typeof header.alg !== 'string') return null;
  const payload = base64UrlJson(parts[1]!);
  if (!isObject(payload)) return null;
  const alg = header.alg.toLowerCase();
  return { subtype: alg === 'none' || parts[2] === '' ? 'unsigned' : header.alg, severity: parts[2] === '' ? 'Low' : undefined };
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Lower-case, upper-case, digit, other: how many kinds of characters a value mixes. */
export function charClasses(s: string): number {
  return Number(/[a-z]/.test(s)) + Number(/[A-Z]/.test(s)) + Number(/[0-9]/.test(s)) + Number(/[^A-Za-z0-9]/.test(s));
}

const PLACEHOLDER = /x{4,}|\*{3,}|#{3,}|\.{3}|example|changeme|change_me|placeholder|dummy|sample|redacted|your[_-]?|<[^>]*>|^\$|\{\{|\$\{|%\(|^true$|^false$|^null$|^none$|^undefined$/i;

/** A random-looking secret: long enough, enough entropy and mixed characters, not a placeholder or an identifier. */
export function validateHighEntropy(value: string): Validation | null {
  if (value.length < 12 || PLACEHOLDER.test(value)) return null;
  const h = shannonEntropy(value);
  const classes = charClasses(value);
  if (classes < 2) return null;
  if (/^[a-z_.-]+$/i.test(value) && !/[0-9]/.test(value) && h < 4.2) return null; // words and identifiers
  if (/^(?:[a-z]+[_.-])+[a-z]+$/i.test(value)) return null; // dotted or snake names
  if (/^\d+(?:\.\d+)*$/.test(value)) return null;
  if (/^0x[0-9a-f]+$/i.test(value)) return null; // a number literal
  if (/^(?:\/|\.\.?\/|~\/)[\w.\-]+(?:\/[\w.\-]+)+\/?$/.test(value)) return null; // a file path
  const need = value.length >= 32 ? 3.5 : value.length >= 20 ? 3.3 : 3.0;
  if (h < need) return null;
  return { confidenceDelta: h >= 4.2 ? 0.1 : 0 };
}

/** Standard base64 (optionally padded) decoding to at least 16 bytes. */
export function validateBase64(value: string): Validation | null {
  const s = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 === 1) return null;
  return Buffer.from(s, 'base64').length >= 16 ? {} : null;
}

// ---------- token checksums ----------

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(s: string): number {
  let c = -1;
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 of a number, left-padded with 0 to `width`. */
export function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62]! + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

/**
 * GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_): random characters then the base62 CRC-32 of them
 * (6). The documented form has 30 random characters (36 in all); the checksum is checked the same
 * way on the longer forms seen in the wild (up to 40).
 */
export function githubChecksumOk(token: string): boolean {
  const body = token.slice(4);
  if (body.length < 36 || body.length > 40) return false;
  return base62(crc32(body.slice(0, -6)), 6) === body.slice(-6);
}

// ---------- the built-in validators by name ----------

const near = (m: ValidationInput, before: number, after: number): string =>
  m.text.slice(Math.max(0, m.start - before), Math.min(m.text.length, m.end + after));

const AWS_KEY_ID_NEAR = /(?<![A-Za-z0-9])(?:AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/;
const AWS_SECRET_NEAR = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g;
const AWS_SECRET_WORD = /aws.{0,20}secret|secret.?access.?key|secretaccesskey|aws.?secret/i;
/** How far (characters) an AWS key id and its secret may be apart to be a pair. */
export const AWS_PAIR_WINDOW = 256;

function looksLikeAwsSecret(s: string): boolean {
  return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9+/]/.test(s) && !/^[0-9a-fA-F]+$/.test(s) && shannonEntropy(s) >= 4.0;
}

function validateAwsKeyId(m: ValidationInput): Validation | null {
  const id = m.value;
  const base32 = /^[A-Z2-7]+$/.test(id.slice(4));
  const around = near(m, AWS_PAIR_WINDOW, AWS_PAIR_WINDOW);
  let paired = false;
  for (const s of around.matchAll(AWS_SECRET_NEAR)) if (looksLikeAwsSecret(s[0]) && !/EXAMPLE/.test(s[0])) paired = true;
  const exampleSecret = !paired && /EXAMPLE/.test(near(m, 64, 64).replace(m.value, ''));
  return {
    subtype: id.startsWith('ASIA') ? 'temporary' : 'long_term',
    paired,
    severity: paired ? 'Critical' : undefined,
    confidenceFloor: paired ? 0.95 : undefined,
    confidenceDelta: base32 ? 0 : -0.1,
    // Next to a documentation-style secret (…EXAMPLEKEY), the id is an example too.
    testValue: /EXAMPLE/.test(id) || exampleSecret,
  };
}

function validateAwsSecret(m: ValidationInput): Validation | null {
  if (!looksLikeAwsSecret(m.value)) return null;
  const paired = AWS_KEY_ID_NEAR.test(near(m, AWS_PAIR_WINDOW, AWS_PAIR_WINDOW));
  const worded = AWS_SECRET_WORD.test(near(m, 48, 0));
  if (!paired && !worded) return null;
  return { paired, confidenceFloor: paired ? 0.95 : undefined, testValue: /EXAMPLEKEY$/.test(m.value) };
}

function validateGcpKey(m: ValidationInput): Validation | null {
  const before = m.text.slice(Math.max(0, m.start - 600), m.start);
  const after = m.text.slice(m.end, Math.min(m.text.length, m.end + 300));
  const typed = /"type"\s*:\s*"service_account"/.test(before);
  const keyed = /"private_key"\s*:\s*"-----BEGIN/.test(after);
  if (!typed && !keyed) return null;
  return { confidenceFloor: typed && keyed ? 0.95 : undefined };
}

function validateAzureAccountKey(m: ValidationInput): Validation | null {
  if (Buffer.from(m.value, 'base64').length !== 64) return null;
  const named = /AccountName=[a-z0-9]{3,24}/.test(near(m, 300, 300)) || /DefaultEndpointsProtocol=/.test(near(m, 300, 0));
  return { subtype: named ? 'connection_string' : 'account_key', confidenceDelta: named ? 0.25 : 0 };
}

function validateSas(m: ValidationInput): Validation | null {
  let sig: string;
  try {
    sig = decodeURIComponent(m.value);
  } catch {
    return null;
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(sig) || Buffer.from(sig, 'base64').length !== 32) return null;
  // The other SAS parameters of the same URL or connection string: no whitespace in between.
  const before = m.text.slice(Math.max(0, m.start - 600), m.start);
  const url = /[^\s"'<>]*$/.exec(before)?.[0] ?? '';
  const after = /^[^\s"'<>]*/.exec(m.text.slice(m.end, m.end + 300))?.[0] ?? '';
  const params = url + after;
  if (!/(?:^|[?&;])sv=\d{4}-\d{2}-\d{2}/.test(params) || !/(?:^|[?&;])(?:se|sp|spr|ss|srt|sr)=/.test(params)) return null;
  return { subtype: /(?:^|[?&;])srt?=/.test(params) ? 'service_or_account' : 'user_delegation_or_other' };
}

const PEM_ARMOR_HEADER = /^(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset):.*$/gm;

/** Base64 characters of a PEM / PGP / OpenSSH body once quotes, escapes and string concatenation are removed. */
export function pemBodyChars(body: string): string {
  return body
    .replace(PEM_ARMOR_HEADER, '')
    .replace(/\\[nr]/g, '\n')
    .replace(/[^A-Za-z0-9+/=]/g, '');
}

/** A PEM/OpenSSH/PGP private key block (label and body groups), see README. */
export function validatePrivateKey(m: ValidationInput): Validation | null {
  const label = m.groups.label ?? '';
  const body = m.groups.body ?? m.text.slice(m.end, Math.min(m.text.length, m.end + 600));
  const chars = pemBodyChars(body);
  if (chars.length < 64 || shannonEntropy(chars.slice(0, 512)) < 4.0) return null;
  // An elided body ("...") is an excerpt in documentation, not a key.
  if (/[A-Za-z0-9+/]\.\.\.[A-Za-z0-9+/]|…/.test(body)) return null;
  let encrypted = /ENCRYPTED/.test(label) || /Proc-Type:\s*4,\s*ENCRYPTED/.test(body);
  if (/OPENSSH/.test(label)) {
    const head = Buffer.from(chars.slice(0, 64), 'base64').toString('latin1');
    if (/aes|chacha|bcrypt|3des/.test(head)) encrypted = true;
  }
  const kind = /PGP/.test(label) ? 'pgp' : /OPENSSH/.test(label) ? 'openssh' : /RSA/.test(label) ? 'rsa' : /EC/.test(label) ? 'ec' : /DSA/.test(label) ? 'dsa' : 'pkcs8';
  return {
    testValue: /FAKE|EXAMPLE|DUMMY|SAMPLE|TEST/.test(label),
    subtype: encrypted ? `${kind}_encrypted` : kind,
    severity: encrypted ? 'Medium' : undefined,
    confidenceDelta: encrypted ? -0.25 : m.groups.body === undefined ? -0.1 : 0,
    normalized: chars,
  };
}

/** The private member of a JSON Web Key: base64url of at least 16 bytes, random-looking. */
function validateJwkPrivate(m: ValidationInput): Validation | null {
  if (Buffer.from(m.value, 'base64url').length < 16 || charClasses(m.value) < 2 || shannonEntropy(m.value) < 3.5) return null;
  return { subtype: m.groups.member === 'k' ? 'jwk_symmetric' : 'jwk' };
}

/** An AWS STS session token: base64 that decodes to enough bytes, not a placeholder. */
function validateAwsSessionToken(m: ValidationInput): Validation | null {
  if (Buffer.from(m.value, 'base64').length < 80 || shannonEntropy(m.value) < 4.5) return null;
  return { subtype: 'sts' };
}

function validateGithub(m: ValidationInput): Validation | null {
  if (m.value.startsWith('github_pat_')) return shannonEntropy(m.value.slice(11)) < 3 ? null : { subtype: 'fine_grained' };
  const ok = githubChecksumOk(m.value);
  if (!ok && (m.value.length !== 40 || shannonEntropy(m.value.slice(4, 34)) < 3)) return null;
  const kinds: Record<string, string> = { ghp: 'personal', gho: 'oauth', ghu: 'user_to_server', ghs: 'server_to_server', ghr: 'refresh' };
  return { subtype: kinds[m.value.slice(0, 3)] ?? 'token', confidenceDelta: ok ? 0.2 : -0.1 };
}

function validateGitlab(m: ValidationInput): Validation | null {
  const v = m.value;
  const secret = v.replace(/^[A-Za-z_]+[-=]|^GR1348941/, '');
  if (charClasses(secret) < 2 && !/^[0-9a-f]{32,}$/.test(secret)) return null;
  const prefix = /^(gl[a-z]+|GR1348941|_gitlab_session)/.exec(v)?.[1] ?? 'token';
  return { subtype: prefix };
}

function validateSlack(m: ValidationInput): Validation | null {
  const v = m.value;
  if (/^T[A-Z0-9]+\/B/.test(v)) return { subtype: 'webhook', severity: 'Medium' };
  const kinds: Record<string, string> = { xoxb: 'bot', xoxp: 'user', xoxa: 'app', xoxr: 'refresh', xoxs: 'session', xoxo: 'legacy', xapp: 'app_level', xoxe: 'config' };
  return { subtype: kinds[v.slice(0, 4)] ?? 'token' };
}

function validateStripe(m: ValidationInput): Validation | null {
  const v = m.value;
  const secret = v.replace(/^[a-z]+_(?:live|test)_|^whsec_/, '');
  if (charClasses(secret) < 2) return null;
  if (v.startsWith('whsec_')) return { subtype: 'webhook_secret' };
  const live = v.includes('_live_');
  const kind = v.startsWith('sk_') ? 'secret' : v.startsWith('rk_') ? 'restricted' : 'publishable';
  const severity = kind === 'publishable' ? 'Low' : live ? 'Critical' : 'Medium';
  return { subtype: `${kind}_${live ? 'live' : 'test'}`, severity };
}

const GENERIC_TEST = /^(?:password\d*|passw0rd|p@ssw0rd|secret\d*|123456\d*|qwerty\w*|letmein|admin\d*|test\w*)$/i;

function validateGenericSecret(m: ValidationInput): Validation | null {
  // A call or a member path (`decoder.readInt16()`, `config.api.key`) is code, not a value.
  if (m.text[m.valueStart + m.value.length] === '(' || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+[!?]?$/.test(m.value)) return null;
  // Pagination cursors (nextToken, pageToken, continuation_token...) are not credentials.
  if (/(?:next|page|continuation|pagination|sync|cursor|resume)[_-]?$/i.test(m.text.slice(Math.max(0, m.start - 16), m.start))) return null;
  const v = validateHighEntropy(m.value);
  if (v === null) return null;
  return { ...v, testValue: GENERIC_TEST.test(m.value) };
}

/** A card number; a separated match with trailing groups (e.g. an expiry) is cut back group by group until it validates. */
function validateCardMatch(m: ValidationInput): Validation | null {
  let v = m.value;
  for (;;) {
    const r = validatePaymentCard(v);
    if (r) return v.length === m.value.length ? r : { ...r, end: m.valueStart + v.length };
    const cut = Math.max(v.lastIndexOf(' '), v.lastIndexOf('-'));
    if (cut <= 0) return null;
    v = v.slice(0, cut);
  }
}

/** Every validator by name: the user-facing ones (config BUILTIN_VALIDATORS) and those of the built-in detectors. */
export const VALIDATORS = {
  luhn: (m) => (luhn(m.value.replace(/[ -]/g, '')) ? {} : null),
  payment_card: validateCardMatch,
  us_ssn: (m) => validateSsn(m.value),
  iban: validateIbanMatch,
  email: (m) => validateEmail(m.value),
  phone: (m) => validatePhone(m.value),
  jwt: (m) => validateJwt(m.value),
  high_entropy: (m) => validateHighEntropy(m.value),
  base64: (m) => validateBase64(m.value),
  aws_access_key_id: validateAwsKeyId,
  aws_secret_access_key: validateAwsSecret,
  gcp_service_account_key: validateGcpKey,
  azure_account_key: validateAzureAccountKey,
  azure_sas_token: validateSas,
  private_key: validatePrivateKey,
  private_key_jwk: validateJwkPrivate,
  aws_session_token: validateAwsSessionToken,
  github_token: validateGithub,
  gitlab_token: validateGitlab,
  slack_token: validateSlack,
  stripe_key: validateStripe,
  generic_secret: validateGenericSecret,
} satisfies Record<BuiltinValidatorName | string, Validator>;

export type ValidatorName = keyof typeof VALIDATORS;

/** Compile-time check: every validator a user may name exists. */
export const USER_VALIDATORS: Readonly<Record<BuiltinValidatorName, Validator>> = VALIDATORS;
