/**
 * Private keys without PEM armour in the text: a PEM block encoded once more in base64 (Kubernetes
 * Secret data, CI variables, a whole config file in base64), and a bare base64 DER key (PKCS#1
 * RSAPrivateKey, PKCS#8 PrivateKeyInfo, SEC1 ECPrivateKey) as put in environment variables and
 * XML/JSON fields.
 *
 * Base64 (RFC 4648) of "-----BEGIN" depends on where it starts within a 3-byte group: the anchors
 * are the three group-aligned forms, so the decoding can start at the anchor whatever precedes it.
 * The DER forms are recognised by their fixed leading bytes (SEQUENCE, version INTEGER, then the
 * modulus INTEGER or the algorithm identifier), and checked by parsing those headers.
 */
import type { CatalogDef } from './catalog.ts';
import type { Validation, ValidationInput } from './types.ts';
import { shannonEntropy, validatePrivateKey } from './validators.ts';

/** "-----BEGIN" base64-encoded at byte offset 0, 1 and 2 of a group, from the first whole group: "-----BEG", "---BEG", "---BEGIN". */
export const PEM_BASE64_ANCHORS = ['LS0tLS1CRUdJ', 'LS0tQkVH', 'LS0tLUJFR0lO'] as const;

const PEM_IN_TEXT = /-{2,5}BEGIN (?<label>[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----(?<body>[\s\S]{0,8192}?)-----END \k<label>-----/;

/** A PEM private key inside base64: decoded from the anchor; the match is cut where the key ends. */
function validatePemBase64(m: ValidationInput): Validation | null {
  const usable = m.value.length - (m.value.length % 4);
  const decoded = Buffer.from(m.value.slice(0, usable), 'base64').toString('latin1');
  const pem = PEM_IN_TEXT.exec(decoded);
  if (pem === null) return null;
  const v = validatePrivateKey({ ...m, text: decoded, start: pem.index, end: pem.index + pem[0].length, value: pem[0], valueStart: pem.index, groups: pem.groups ?? {} });
  if (v === null) return null;
  const endChars = Math.ceil((pem.index + pem[0].length) / 3) * 4;
  return { ...v, subtype: `${v.subtype ?? 'pkcs8'}_base64`, normalized: v.normalized, end: endChars < m.value.length ? m.valueStart + endChars : undefined };
}

/** DER length at p (short or long form): [length, header bytes], or null. */
function derLength(b: Buffer, p: number): [number, number] | null {
  const first = b[p];
  if (first === undefined) return null;
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (n < 1 || n > 3 || p + n >= b.length) return null;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[p + i]!;
  return [len, 1 + n];
}

/**
 * A base64 DER private key: SEQUENCE, INTEGER version 0 (PKCS#1, PKCS#8) or 1 (SEC1), then an
 * INTEGER modulus of at least 64 bytes (PKCS#1), a SEQUENCE algorithm identifier (PKCS#8), or an
 * OCTET STRING private key (SEC1); at least 90 % of the declared bytes present; random-looking.
 */
export function validateDerKey(m: ValidationInput): Validation | null {
  const b64 = m.value.replace(/\s+/g, '');
  if (b64.length < 64 || shannonEntropy(b64) < (b64.length < 100 ? 4 : 4.5)) return null;
  const der = Buffer.from(b64.slice(0, b64.length - (b64.length % 4)), 'base64');
  if (der[0] !== 0x30) return null;
  const seq = derLength(der, 1);
  if (seq === null) return null;
  let p = 1 + seq[1];
  if (der.length < 0.9 * (p + seq[0])) return null;
  if (der[p] !== 0x02 || der[p + 1] !== 0x01) return null;
  const version = der[p + 2];
  p += 3;
  let kind: string;
  if (version === 0 && der[p] === 0x02) {
    const mod = derLength(der, p + 1);
    if (mod === null || mod[0] < 64) return null;
    kind = 'rsa';
  } else if (version === 0 && der[p] === 0x30) kind = 'pkcs8';
  else if (version === 1 && der[p] === 0x04) kind = 'ec';
  else return null;
  return { subtype: `${kind}_der_base64`, normalized: b64 };
}

/**
 * A JSON Web Key set or key encoded in base64 (RFC 7517 in RFC 4648): `"kty"` in base64 at the
 * three alignments ("Imt0eSI", "JrdHki", "ia3R5I"); decoded from the next group border, the text
 * must hold a private member ("d", or "k" of a symmetric key) of 16 bytes or more.
 */
export const JWK_BASE64_ANCHORS = [
  { text: 'Imt0eSI', shift: 0 },
  { text: 'JrdHki', shift: 2 },
  { text: 'ia3R5I', shift: 1 },
] as const;

function validateJwkBase64(m: ValidationInput): Validation | null {
  const usable = m.value.length - (m.value.length % 4);
  const decoded = Buffer.from(m.value.slice(0, usable), 'base64').toString('latin1');
  const member = /"(?<member>d|k)"\s*:\s*"(?<key>[A-Za-z0-9_\-]{22,1400})"/.exec(decoded);
  if (member === null) return null;
  const key = member.groups!.key!;
  if (Buffer.from(key, 'base64url').length < 16 || shannonEntropy(key) < 3.5) return null;
  return { subtype: member.groups!.member === 'k' ? 'jwk_symmetric_base64' : 'jwk_base64' };
}

const common = {
  id: 'private_key' as const,
  title: 'Private key',
  category: 'Security' as const,
  severity: 'Critical' as const,
  before: 0,
  after: 0,
  keywords: [],
  confidence: 0.9,
  keywordConfidence: 0.9,
  rank: 100,
};

/** Base64 characters, possibly wrapped over indented lines. */
const B64_WRAPPED = '(?:[A-Za-z0-9+/]|\\r?\\n[ \\t]*|\\\\n)';

export const ENCODED_KEY_DETECTORS: readonly CatalogDef[] = [
  {
    ...common,
    triggers: PEM_BASE64_ANCHORS.map((text) => ({ kind: 'literal' as const, text })),
    pattern: /(?<value>(?:LS0tLS1CRUdJ|LS0tQkVH|LS0tLUJFR0lO)[A-Za-z0-9+/]{60,8600}={0,2})/,
    maxLength: 8620,
    validator: validatePemBase64,
  },
  {
    ...common,
    triggers: JWK_BASE64_ANCHORS.map(({ text, shift }) => ({ kind: 'literal' as const, text, shift })),
    pattern: /(?<value>(?:Imt0eSI|dHki|a3R5I)[A-Za-z0-9+/]{40,4000}={0,2})/,
    maxLength: 4020,
    validator: validateJwkBase64,
  },
  {
    ...common,
    // PKCS#1 RSA (modulus of 512, 1024, 2048+ bits), PKCS#8 RSA, PKCS#8 EC P-256, SEC1 EC P-256, PKCS#8 Ed25519.
    triggers: [
      { kind: 'literal', text: 'IBAAJBA', shift: -6 },
      { kind: 'literal', text: 'IBAAKBg', shift: -6 },
      { kind: 'literal', text: 'IBAAKCA', shift: -6 },
      { kind: 'literal', text: 'IBADANBgkqhkiG9w0BAQEFAAS', shift: -6 },
      { kind: 'literal', text: 'MIGHAgEAMBMGByqGSM49AgEG' },
      { kind: 'literal', text: 'MHcCAQEEI' },
      { kind: 'literal', text: 'MC4CAQAwBQYDK2Vw' },
    ],
    pattern: new RegExp(`(?<![A-Za-z0-9+/])(?<value>M[A-Za-z0-9+/]{5}${B64_WRAPPED}{50,6000}={0,2})(?![A-Za-z0-9+/=])`),
    maxLength: 6600,
    validator: validateDerKey,
  },
];
