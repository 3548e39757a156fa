/**
 * Synthetic, valid-looking samples of every built-in data type with the findings they must produce
 * (offsets within the sample), and decoys that must produce none. Generated from a seeded PRNG at
 * run time, so no realistic secret is written in the source. Used by the unit tests and by the
 * benchmark's corpus generator (loadtest/dlp).
 */
import type { BuiltinDataType } from './config.ts';
import { base62, crc32, IBAN_LENGTHS, luhn } from './validators.ts';

/** A finding a sample must produce: data type, offset and length within the sample text. */
export interface Expected {
  type: BuiltinDataType;
  offset: number;
  length: number;
}

export interface Sample {
  /** The data type the sample is for (it may produce findings of other types too, listed in expect). */
  kind: BuiltinDataType;
  text: string;
  expect: Expected[];
}

/** mulberry32: a small deterministic PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A string of n characters from the alphabet holding at least one character of each given class. */
function mixed(rng: Rng, alphabet: string, n: number, classes: readonly string[]): string {
  for (;;) {
    const s = rng.chars(alphabet, n);
    if (classes.every((c) => [...s].some((ch) => c.includes(ch)))) return s;
  }
}

/** Piece list -> text and the offsets of the marked pieces. */
function build(kind: BuiltinDataType, pieces: Array<string | { v: string; type?: BuiltinDataType }>): Sample {
  let text = '';
  const expect: Expected[] = [];
  for (const p of pieces) {
    if (typeof p === 'string') text += p;
    else {
      expect.push({ type: p.type ?? kind, offset: text.length, length: p.v.length });
      text += p.v;
    }
  }
  return { kind, text, expect };
}

/** A card number of a brand: prefix, random digits, Luhn check digit. */
export function cardNumber(rng: Rng, brand: 'visa' | 'mastercard' | 'amex' | 'discover'): string {
  const spec = { visa: ['4', 16], mastercard: [rng.pick(['51', '52', '53', '54', '55']), 16], amex: [rng.pick(['34', '37']), 15], discover: ['6011', 16] } as const;
  const [prefix, len] = spec[brand];
  for (;;) {
    const body = prefix + rng.chars(DIGITS, len - prefix.length - 1);
    for (let d = 0; d < 10; d++) {
      const n = body + d;
      if (luhn(n) && !/^(\d)\1+$/.test(n)) return n;
    }
  }
}

function groupCard(n: string, sep: string): string {
  if (n.length === 15) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  return n.match(/.{1,4}/g)!.join(sep);
}

/** An IBAN with correct check digits for one of a few countries. */
export function ibanNumber(rng: Rng): string {
  const country = rng.pick(['DE', 'GB', 'FR', 'NL', 'ES', 'IT']);
  const len = IBAN_LENGTHS[country]!;
  const bban =
    country === 'GB' ? rng.chars(UPPER, 4) + rng.chars(DIGITS, 14)
    : country === 'NL' ? rng.chars(UPPER, 4) + rng.chars(DIGITS, 10)
    : country === 'IT' ? rng.chars(UPPER, 1) + rng.chars(DIGITS, 22)
    : rng.chars(DIGITS, len - 4);
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

/** A GitHub classic token with a valid checksum. */
export function githubToken(rng: Rng, prefix = 'ghp_'): string {
  const body = mixed(rng, ALNUM, 30, [UPPER, LOWER, DIGITS]);
  return `${prefix}${body}${base62(crc32(body), 6)}`;
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function pemBody(rng: Rng, lines: number, sep: string): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(mixed(rng, B64, 64, [UPPER, LOWER, DIGITS]));
  return out.join(sep);
}

function awsSecret(rng: Rng): string {
  return mixed(rng, B64, 40, [UPPER, LOWER, DIGITS, '+/']);
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'walter'];
const DOMAINS = ['acme-corp.com', 'globex.io', 'initech.net', 'umbrella.org', 'hooli.co', 'stark-industries.com', 'wayne.dev', 'cyberdyne.ai'];

/** One sample of a data type, in one of several formats (log line, CSV field, JSON, config). */
export function makeSample(kind: BuiltinDataType, rng: Rng): Sample {
  switch (kind) {
    case 'payment_card': {
      const n = cardNumber(rng, rng.pick(['visa', 'mastercard', 'amex', 'discover'] as const));
      const v = rng.pick([n, groupCard(n, ' '), groupCard(n, '-')]);
      return build(kind, [rng.pick(['card number: ', 'customer paid with ', '"cc":"', 'pan=', 'order,1,']), { v }, rng.pick([' approved', '"', ';', ',USD'])]);
    }
    case 'us_ssn': {
      let area = 1 + rng.int(899);
      if (area === 666) area = 667;
      const a = String(area).padStart(3, '0');
      const g = String(1 + rng.int(99)).padStart(2, '0');
      const s = String(1 + rng.int(9999)).padStart(4, '0');
      if (rng.next() < 0.3) return build(kind, ['SSN: ', { v: `${a}${g}${s}` }, ' on file']);
      return build(kind, [rng.pick(['ssn=', 'social security number ', 'employee,', '']), { v: `${a}-${g}-${s}` }, rng.pick([' verified', ',2019', '"'])]);
    }
    case 'iban': {
      const n = ibanNumber(rng);
      const v = rng.next() < 0.5 ? n : n.match(/.{1,4}/g)!.join(' ');
      return build(kind, [rng.pick(['IBAN: ', 'wire to ', '"iban": "', 'payee account ']), { v }, rng.pick([' today', '"', '.', ' ref 7781'])]);
    }
    case 'email': {
      const v = `${rng.pick(NAMES)}${rng.pick(['.', '_', ''])}${rng.pick(NAMES)}${rng.int(100)}@${rng.pick(DOMAINS)}`;
      return build(kind, [rng.pick(['user=', 'From: ', '"email":"', 'contact ']), { v }, rng.pick([' logged in', '"', '>', ','])]);
    }
    case 'phone': {
      const a = String(200 + rng.int(700));
      const b = String(200 + rng.int(700));
      const c = String(1000 + rng.int(9000));
      const v = rng.pick([`+1-${a}-${b}-${c}`, `(${a}) ${b}-${c}`, `${a}.${b}.${c}`, `+44 20 ${b}${c[0]} ${c.slice(1)}0`]);
      return build(kind, [rng.pick(['phone: ', 'Tel ', 'call me at ', 'mobile=']), { v }, rng.pick([' thanks', ',', '"', ' ext'])]);
    }
    case 'aws_access_key_id':
    case 'aws_secret_access_key': {
      const id = `${rng.pick(['AKIA', 'ASIA'])}${rng.chars(BASE32, 16)}`;
      const secret = awsSecret(rng);
      if (rng.next() < 0.5) {
        return build(kind, ['[default]\naws_access_key_id = ', { v: id, type: 'aws_access_key_id' }, '\naws_secret_access_key = ', { v: secret, type: 'aws_secret_access_key' }, '\n']);
      }
      return build(kind, ['{"AccessKeyId": "', { v: id, type: 'aws_access_key_id' }, '", "SecretAccessKey": "', { v: secret, type: 'aws_secret_access_key' }, '", "Token": null}']);
    }
    case 'gcp_service_account_key': {
      const project = `proj-${rng.chars(LOWER + DIGITS, 8)}`;
      const keyId = rng.chars('0123456789abcdef', 40);
      const pem = `-----BEGIN PRIVATE KEY-----\\n${pemBody(rng, 12, '\\n')}\\n-----END PRIVATE KEY-----`;
      const email = `svc-${rng.chars(LOWER, 6)}@${project}.iam.gserviceaccount.com`;
      return build(kind, [
        `{"type": "service_account", "project_id": "${project}", "private_key_id": "`,
        { v: keyId },
        '", "private_key": "',
        { v: pem, type: 'private_key' },
        '\\n", "client_email": "',
        { v: email, type: 'email' },
        `", "client_id": "${rng.chars(DIGITS, 21)}", "auth_uri": "https://accounts.google.com/o/oauth2/auth"}`,
      ]);
    }
    case 'azure_storage_connection_string': {
      const key = Buffer.from(Array.from({ length: 64 }, () => rng.int(256))).toString('base64');
      return build(kind, [`DefaultEndpointsProtocol=https;AccountName=${rng.chars(LOWER + DIGITS, 12)};AccountKey=`, { v: key }, ';EndpointSuffix=core.windows.net']);
    }
    case 'azure_sas_token': {
      const sig = encodeURIComponent(Buffer.from(Array.from({ length: 32 }, () => rng.int(256))).toString('base64'));
      return build(kind, [
        `https://${rng.chars(LOWER, 10)}.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&sig=`,
        { v: sig },
        rng.pick([' ', '"', '\n']),
      ]);
    }
    case 'private_key': {
      const label = rng.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
      const body = label === 'OPENSSH PRIVATE KEY' ? `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${pemBody(rng, 8, '\n').slice(42)}` : pemBody(rng, rng.pick([8, 16, 24]), '\n');
      const v = `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
      return build(kind, ['key file follows\n', { v }, '\n']);
    }
    case 'jwt': {
      const h = b64url(JSON.stringify({ alg: rng.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
      const p = b64url(JSON.stringify({ sub: rng.chars(DIGITS, 10), name: rng.pick(NAMES), iat: 1700000000 + rng.int(1e7) }));
      const v = `${h}.${p}.${rng.chars(B64URL, 43)}`;
      return build(kind, [rng.pick(['Authorization: Bearer ', 'id_token=', '"jwt":"']), { v }, rng.pick(['\n', '&state=1', '"'])]);
    }
    case 'github_token':
      return build(kind, [rng.pick(['GITHUB_TOKEN=', 'token ', '"gh":"']), { v: githubToken(rng, rng.pick(['ghp_', 'gho_', 'ghs_'])) }, rng.pick(['\n', ' ', '"'])]);
    case 'gitlab_token':
      return build(kind, [rng.pick(['CI_TOKEN=', 'private-token: ']), { v: `glpat-${mixed(rng, ALNUM + '_-', 20, [UPPER, LOWER, DIGITS])}` }, '\n']);
    case 'slack_token':
      if (rng.next() < 0.5) return build(kind, ['SLACK_BOT_TOKEN=', { v: `xoxb-${rng.chars(DIGITS, 12)}-${rng.chars(DIGITS, 13)}-${mixed(rng, ALNUM, 24, [UPPER, LOWER, DIGITS])}` }, '\n']);
      return build(kind, ['webhook: https://hooks.slack.com/services/', { v: `T${rng.chars(UPPER + DIGITS, 10)}/B${rng.chars(UPPER + DIGITS, 10)}/${mixed(rng, ALNUM, 24, [UPPER, LOWER, DIGITS])}` }, '\n']);
    case 'stripe_key':
      return build(kind, [rng.pick(['STRIPE_KEY=', 'stripe.api_key = "']), { v: `${rng.pick(['sk_live_', 'rk_live_'])}${mixed(rng, ALNUM, 24, [UPPER, LOWER, DIGITS])}` }, rng.pick(['\n', '"'])]);
    case 'aws_session_token':
      // The current STS form: fixed leading bytes, then random bytes (base64).
      return build(kind, [rng.pick(['aws_session_token = ', 'export AWS_SESSION_TOKEN=', '"SessionToken": "']), { v: `IQoJb3JpZ2luX2Vj${mixed(rng, B64, 300, [UPPER, LOWER, DIGITS])}` }, rng.pick(['\n', '"'])]);
    case 'api_token': {
      const v = rng.pick([
        () => `gsk_${mixed(rng, ALNUM, 52, [UPPER, LOWER, DIGITS])}`,
        () => `npm_${mixed(rng, ALNUM, 36, [UPPER, LOWER, DIGITS])}`,
        () => `hf_${mixed(rng, UPPER + LOWER, 34, [UPPER, LOWER])}`,
        () => `dop_v1_${mixed(rng, '0123456789abcdef', 64, [DIGITS, 'abcdef'])}`,
        () => `pplx-${mixed(rng, ALNUM, 48, [UPPER, LOWER, DIGITS])}`,
        () => `AIza${mixed(rng, ALNUM + '_-', 35, [UPPER, LOWER, DIGITS])}`,
      ])();
      return build(kind, [rng.pick(['TOKEN=', 'token: ', '"key": "', 'Authorization: token ']), { v }, rng.pick(['\n', '"', ' '])]);
    }
    case 'password': {
      // No `&`, `;` or `,`: unquoted, they end a password (connection strings, URLs, lists).
      const v = mixed(rng, ALNUM + '!#%*@', rng.pick([8, 10, 14]), [UPPER, LOWER, DIGITS]);
      return rng.pick([
        () => {
          const [pre, post] = rng.pick([['password=', '\n'], ['db_password: ', ' '], ['"password": "', '"'], ['Server=db1;Database=app;User Id=svc;Password=', ';']] as const);
          return build(kind, [pre, { v }, post]);
        },
        () => build(kind, [`postgres://${rng.pick(NAMES)}:`, { v: v.replace(/[@#%&]/g, 'x') }, `@db.${rng.pick(DOMAINS)}:5432/app\n`]),
        () => build(kind, ['mysql -u root --password ', { v }, ' app\n']),
      ])();
    }
    case 'generic_secret':
      return build(kind, [rng.pick(['secret_key: ', 'client_secret = "', 'API_KEY=', '"auth_token": "']), { v: mixed(rng, ALNUM + '!#%&*', rng.pick([16, 24, 32]), [UPPER, LOWER, DIGITS]) }, rng.pick(['\n', '"', '"\n'])]);
  }
}

/** Text that looks like sensitive data but is not (checksums fail, test values, placeholders): it must produce no finding. */
export function makeDecoy(rng: Rng): string {
  const badCard = (): string => {
    const n = cardNumber(rng, 'visa');
    return n.slice(0, -1) + String((Number(n.at(-1)) + 1 + rng.int(8)) % 10);
  };
  const badIban = (): string => {
    const n = ibanNumber(rng);
    const check = (Number(n.slice(2, 4)) + 1 + rng.int(90)) % 97;
    return n.slice(0, 2) + String(check === 0 ? 1 : check).padStart(2, '0') + n.slice(4);
  };
  return rng.pick([
    () => `card number: ${badCard()} declined`,
    () => `card 4111 1111 1111 1111 (test)`,
    () => `ssn=000-${String(10 + rng.int(89))}-${String(1000 + rng.int(8999))}`,
    () => `SSN: 666-${String(10 + rng.int(89))}-${String(1000 + rng.int(8999))}`,
    () => `ssn 9${rng.chars(DIGITS, 2)}-${String(10 + rng.int(89))}-${String(1000 + rng.int(8999))}`,
    () => `IBAN: ${badIban()}`,
    () => 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    () => `see logo@2x.png and icon@3x.svg`,
    () => `call on 2024-0${1 + rng.int(9)}-1${rng.int(10)} at 10:00`,
    () => `password: \${DB_PASSWORD}`,
    () => `token = "<your-token-here>"`,
    () => `commit ${rng.chars('0123456789abcdef', 40)} merged`,
    () => `request ${rng.chars('0123456789abcdef', 8)}-${rng.chars('0123456789abcdef', 4)}-4${rng.chars('0123456789abcdef', 3)}-a${rng.chars('0123456789abcdef', 3)}-${rng.chars('0123456789abcdef', 12)} done`,
    () => `-----BEGIN CERTIFICATE-----\n${pemBody(rng, 4, '\n')}\n-----END CERTIFICATE-----`,
    () => `blob ${awsSecret(rng)} stored`,
    () => `ghp_${'x'.repeat(36)}`,
    () => `version 10.2.${rng.int(99)} from 192.168.${rng.int(255)}.${rng.int(255)}`,
  ])();
}
