/**
 * The built-in detectors, as data: triggers for the prefilter, a pattern tried at each candidate,
 * bounds, keywords, confidences, known test values and a named validator. See README.md.
 */
import type { BuiltinDataType } from './config.ts';
import type { DetectorDef, Trigger } from './types.ts';
import { ENCODED_KEY_DETECTORS } from './encoded-keys.ts';
import { PASSWORD_DETECTORS } from './passwords.ts';
import { AWS_PAIR_WINDOW, VALIDATORS } from './validators.ts';
import { TOKEN_FORMATS, tokenDef } from './vendor-tokens.ts';

const lit = (...texts: string[]): Trigger[] => texts.map((text) => ({ kind: 'literal', text }));

/** Two upper-case letters before the first digit, and no letter or digit before them: where an IBAN may start. */
const ibanGuard = (t: string, p: number): boolean => {
  if (p < 2) return false;
  const a = t.charCodeAt(p - 2);
  const b = t.charCodeAt(p - 1);
  if (a < 65 || a > 90 || b < 65 || b > 90) return false;
  if (p < 3) return true;
  const c = t.charCodeAt(p - 3);
  return !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122));
};

/** A digits trigger also used by detectors whose match may begin with `+` or `(` just before the digits. */
export interface DigitsTrigger {
  kind: 'digits';
  /** Least digits in the run (separators allowed) for the detector to be tried. */
  minDigits: number;
  /** Start of the pattern relative to the first digit. */
  locate?: (text: string, p: number) => number;
  guard?: (text: string, p: number) => boolean;
  /** The run may be short when two upper-case letters precede it (IBAN): the prefilter reports such runs too. */
  afterLetterPair?: boolean;
}

/** Detector definition with the digits trigger's extra fields. */
export type CatalogDef = Omit<DetectorDef, 'triggers'> & { id: BuiltinDataType; triggers: ReadonlyArray<Trigger | DigitsTrigger> };

const CARD_FIRST = /[2-68]/;
/** Schemes whose numbers start with 1 (UATP, JCB 15, GPN) or 9 (Troy, NAPAS, Humo) issue 15+ digits: shorter runs (timestamps) are not tried. */
const CARD_FIRST_RARE = /[19]/;

/** yyyy-mm-dd (also with / or .) at p: a date, never a phone number. */
const isDateAt = (t: string, p: number): boolean => {
  const sep = t[p + 4];
  return (sep === '-' || sep === '/' || sep === '.') && t[p + 7] === sep && /^\d{4}.\d\d.\d\d(?!\d)/.test(t.slice(p, p + 11));
};

const CARD_TEST = [
  '4111111111111111', '4242424242424242', '4012888888881881', '4222222222222', '4000056655665556', '4000000000000002',
  '5555555555554444', '5105105105105100', '5200828282828210', '2223003122003222', '378282246310005', '371449635398431',
  '378734493671000', '6011111111111117', '6011000990139424', '3530111333300000', '3566002020360505', '30569309025904',
  '38520000023237', '6200000000000005',
];

/** The jwt.io example token (HS256, "John Doe"). */
const JWT_IO_EXAMPLE =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

// A data table, deliberately literal: every detector states all its fields, so entries look alike (not logic to factor).
export const BUILTIN_DETECTORS: readonly CatalogDef[] = [
  {
    id: 'payment_card',
    title: 'Payment card number',
    category: 'Financial',
    severity: 'High',
    // Card numbers start with 2-6 or 8 (the issuer's industry digit): timestamps (1...) are not tried.
    triggers: [
      { kind: 'digits', minDigits: 12, guard: (t, p) => CARD_FIRST.test(t[p]!) },
      { kind: 'digits', minDigits: 15, guard: (t, p) => CARD_FIRST_RARE.test(t[p]!) },
      { kind: 'digits', minDigits: 12, guard: (t, p) => t.startsWith('0604', p) },
    ],
    pattern: /(?<![\w.+\-/])(?<value>\d(?:[ -]?\d){11,22})(?![\w+/]|\.\d)/,
    maxLength: 32,
    before: 0,
    after: 0,
    validator: VALIDATORS.payment_card,
    keywords: ['card', 'cards', 'cardholder', 'card_number', 'cardnumber', 'card no', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'american express', 'discover', 'jcb', 'diners', 'cc', 'ccn', 'pan', 'payment', 'billing', 'charge', 'expiry', 'exp', 'cvv', 'cvc'],
    confidence: 0.65,
    keywordConfidence: 0.95,
    testValues: CARD_TEST,
    maxBoost: 0.1,
    rank: 60,
  },
  {
    id: 'us_ssn',
    title: 'US Social Security number',
    category: 'Governmental',
    severity: 'High',
    triggers: [{ kind: 'digits', minDigits: 9 }],
    pattern: /(?<![\w.+\-/])(?<value>\d{3}(?<sep>[- ]?)\d{2}\k<sep>\d{4})(?![\w+/]|[-.]\d)/,
    maxLength: 11,
    before: 0,
    after: 0,
    validator: VALIDATORS.us_ssn,
    keywords: ['ssn', 'ssns', 'ss#', 'ss no', 'social security', 'social-security', 'social sec', 'soc sec', 'ssa', 'social'],
    confidence: 0.6,
    keywordConfidence: 0.95,
    testValues: ['078051120', '219099999', '457555462'],
    rank: 50,
  },
  {
    id: 'iban',
    title: 'International bank account number (IBAN)',
    category: 'Financial',
    severity: 'Medium',
    triggers: [{ kind: 'digits', minDigits: 1, locate: (_t, p) => p - 2, guard: ibanGuard, afterLetterPair: true }],
    pattern: /(?<![A-Za-z0-9])(?<value>[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34})(?![A-Za-z0-9])/,
    maxLength: 48,
    before: 0,
    after: 0,
    validator: VALIDATORS.iban,
    keywords: ['iban', 'account', 'acct', 'bank', 'banking', 'transfer', 'wire', 'swift', 'bic', 'sepa', 'payee', 'beneficiary'],
    confidence: 0.75,
    keywordConfidence: 0.95,
    testValues: ['GB82WEST12345698765432', 'DE89370400440532013000', 'GB29NWBK60161331926819', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'CH9300762011623852957', 'ES9121000418450200051332', 'BE68539007547034'],
    rank: 65,
  },
  {
    id: 'email',
    title: 'E-mail address',
    category: 'Personal',
    severity: 'Low',
    triggers: [{ kind: 'at' }],
    pattern:
      /(?<value>[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?){1,8})(?![A-Za-z0-9\-]|\.[A-Za-z0-9])/,
    maxLength: 320,
    before: 0,
    after: 0,
    validator: VALIDATORS.email,
    keywords: ['email', 'e-mail', 'mail', 'mailto', 'contact', 'address'],
    confidence: 0.7,
    keywordConfidence: 0.9,
    rank: 40,
  },
  {
    id: 'phone',
    title: 'Phone number',
    category: 'Personal',
    severity: 'Low',
    triggers: [{ kind: 'digits', minDigits: 7, locate: (t, p) => (p > 0 && (t[p - 1] === '+' || t[p - 1] === '(') ? p - 1 : p), guard: (t, p) => !isDateAt(t, p) }],
    pattern:
      /(?<![\w+\-/.])(?<value>(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{1,4}){1,5}(?:\s?(?:x|ext\.?)\s?\d{1,6})?|\+\d{7,15})(?![\w\-/]|\.\d)/,
    maxLength: 40,
    before: 0,
    after: 0,
    validator: VALIDATORS.phone,
    keywords: ['phone', 'phones', 'telephone', 'tel', 'mobile', 'cell', 'cellphone', 'fax', 'call', 'contact', 'desk', 'office', 'whatsapp', 'sms', 'ph', 'mob', 'landline'],
    confidence: 0.3,
    keywordConfidence: 0.8,
    rank: 20,
  },
  {
    id: 'aws_access_key_id',
    title: 'AWS access key id',
    category: 'Security',
    severity: 'Medium',
    triggers: lit('AKIA', 'ASIA', 'A3T'),
    pattern: /(?<![A-Za-z0-9])(?<value>(?:AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16})(?![A-Za-z0-9])/,
    maxLength: 20,
    before: AWS_PAIR_WINDOW,
    after: AWS_PAIR_WINDOW,
    validator: VALIDATORS.aws_access_key_id,
    keywords: ['aws', 'access key', 'access_key', 'accesskey', 'accesskeyid', 'aws_access_key_id', 'key id', 'key_id', 'iam'],
    confidence: 0.75,
    keywordConfidence: 0.9,
    testValues: ['AKIAIOSFODNN7EXAMPLE'],
    publicPrefix: /^(?:AKIA|ASIA|A3T)/,
    testMarkers: true,
    maxBoost: 0.25,
    rank: 90,
  },
  {
    id: 'aws_secret_access_key',
    title: 'AWS secret access key',
    category: 'Security',
    severity: 'Critical',
    triggers: [
      { kind: 'window', text: 'AKIA', before: AWS_PAIR_WINDOW + 40, after: AWS_PAIR_WINDOW + 20 },
      { kind: 'window', text: 'ASIA', before: AWS_PAIR_WINDOW + 40, after: AWS_PAIR_WINDOW + 20 },
      { kind: 'window', text: 'secret', before: 0, after: 80 },
    ],
    pattern: /(?<![A-Za-z0-9+/])(?<value>[A-Za-z0-9+/]{40})(?![A-Za-z0-9+/=])/,
    maxLength: 40,
    before: AWS_PAIR_WINDOW,
    after: AWS_PAIR_WINDOW,
    validator: VALIDATORS.aws_secret_access_key,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    testValues: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    testMarkers: true,
    maxBoost: 0.1,
    rank: 91,
  },
  {
    id: 'aws_session_token',
    title: 'AWS session token',
    category: 'Security',
    severity: 'High',
    // STS session tokens are base64 of a binary structure whose first bytes are fixed per format
    // (the current "IQoJb3JpZ2luX2Vj" form and the older "FwoGZXIvYXdz"/"FQoGZXIvYXdz" ones).
    triggers: lit('IQoJb3JpZ2luX2Vj', 'FwoGZXIvYXdz', 'FQoGZXIvYXdz'),
    pattern: /(?<![A-Za-z0-9+/])(?<value>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/]{100,4000}={0,2})(?![A-Za-z0-9+/=])/,
    maxLength: 4020,
    before: 0,
    after: 0,
    validator: VALIDATORS.aws_session_token,
    keywords: [],
    confidence: 0.9,
    keywordConfidence: 0.9,
    publicPrefix: /^(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)/,
    testMarkers: true,
    rank: 91,
  },
  {
    id: 'aws_session_token',
    title: 'AWS session token',
    category: 'Security',
    severity: 'High',
    // Assigned to its documented names: aws_session_token (credentials file), AWS_SESSION_TOKEN
    // (environment), "SessionToken" (STS responses), x-amz-security-token (requests).
    triggers: lit('session_token', 'sessiontoken', 'security_token', 'security-token', 'securitytoken'),
    pattern:
      /(?:aws_)?(?:session|security)[_-]?token["']?\s{0,4}(?:=|:)\s{0,4}["']?(?<value>[A-Za-z0-9+/]{100,4000}={0,2})(?![A-Za-z0-9+/=])/i,
    maxLength: 4060,
    before: 0,
    after: 0,
    validator: VALIDATORS.aws_session_token,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    testMarkers: true,
    rank: 90,
  },
  {
    id: 'gcp_service_account_key',
    title: 'GCP service account key',
    category: 'Security',
    severity: 'Critical',
    triggers: lit('private_key_id'),
    pattern: /private_key_id["']?\s*[:=]\s*["'](?<value>[0-9a-f]{40})["']/,
    maxLength: 80,
    before: 600,
    after: 300,
    validator: VALIDATORS.gcp_service_account_key,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    rank: 95,
  },
  {
    id: 'azure_storage_connection_string',
    title: 'Azure storage account key',
    category: 'Security',
    severity: 'Critical',
    triggers: lit('AccountKey='),
    pattern: /AccountKey=(?<value>[A-Za-z0-9+/]{86}==)/,
    maxLength: 110,
    before: 300,
    after: 300,
    validator: VALIDATORS.azure_account_key,
    keywords: [],
    confidence: 0.65,
    keywordConfidence: 0.65,
    maxBoost: 0.25,
    rank: 95,
  },
  {
    id: 'azure_sas_token',
    title: 'Azure shared access signature',
    category: 'Security',
    severity: 'High',
    triggers: lit('sig='),
    pattern: /sig=(?<value>[A-Za-z0-9%+/]{43,90})(?![A-Za-z0-9%+/])/,
    maxLength: 96,
    before: 600,
    after: 300,
    validator: VALIDATORS.azure_sas_token,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    rank: 80,
  },
  {
    id: 'private_key',
    title: 'Private key',
    category: 'Security',
    severity: 'Critical',
    triggers: lit('-----BEGIN'),
    pattern: /-----BEGIN (?<label>[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----(?:(?<body>[\s\S]{0,8192}?)-----END \k<label>-----)?/,
    maxLength: 8192 + 120,
    before: 0,
    after: 600,
    validator: VALIDATORS.private_key,
    keywords: [],
    confidence: 0.9,
    keywordConfidence: 0.9,
    rank: 100,
  },
  ...ENCODED_KEY_DETECTORS,
  {
    id: 'private_key',
    title: 'Private key',
    category: 'Security',
    severity: 'Critical',
    // A JSON Web Key with private members (RFC 7517/7518): "d" of an RSA, EC or OKP key, "k" of a
    // symmetric one, in the object that holds "kty".
    triggers: [{ kind: 'window', text: '"kty"', before: 600, after: 600 }],
    pattern: /"(?<member>d|k)"\s*:\s*"(?<value>[A-Za-z0-9_\-]{16,1000})"/,
    maxLength: 1020,
    before: 0,
    after: 0,
    validator: VALIDATORS.private_key_jwk,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    rank: 100,
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    category: 'Security',
    severity: 'Medium',
    triggers: lit('eyJ'),
    pattern: /(?<![A-Za-z0-9_\-])(?<value>eyJ[A-Za-z0-9_\-]{8,1500}\.ey[A-Za-z0-9_\-]{2,6000}\.[A-Za-z0-9_\-]{0,1500})(?![A-Za-z0-9_\-.])/,
    maxLength: 9010,
    before: 0,
    after: 0,
    validator: VALIDATORS.jwt,
    keywords: ['jwt', 'token', 'bearer', 'authorization', 'id_token', 'access_token', 'refresh_token'],
    confidence: 0.8,
    keywordConfidence: 0.9,
    testValues: [JWT_IO_EXAMPLE],
    testMarkers: true,
    rank: 70,
  },
  {
    id: 'github_token',
    title: 'GitHub token',
    category: 'Security',
    severity: 'High',
    triggers: lit('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'),
    pattern: /(?<![A-Za-z0-9_])(?<value>gh[pousr]_[A-Za-z0-9]{36,40}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/,
    maxLength: 93,
    before: 0,
    after: 0,
    validator: VALIDATORS.github_token,
    keywords: ['github', 'token', 'pat', 'gh_token', 'github_token'],
    confidence: 0.75,
    keywordConfidence: 0.85,
    publicPrefix: /^(?:gh[pousr]_|github_pat_)/,
    testMarkers: true,
    maxBoost: 0.2,
    rank: 85,
  },
  {
    id: 'gitlab_token',
    title: 'GitLab token',
    category: 'Security',
    severity: 'High',
    triggers: lit('glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'glsoat-', 'glffct-', 'glrtr-', 'glwt-', 'gloas-', 'GR1348941', '_gitlab_session='),
    pattern:
      /(?<![A-Za-z0-9_\-])(?<value>(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|glffct|glrtr|glwt|gloas)-[A-Za-z0-9_\-]{20,64}(?:\.[0-9a-z]{2}\.[A-Za-z0-9]{7,12})?|GR1348941[A-Za-z0-9_\-]{20}|_gitlab_session=[0-9a-f]{32})(?![A-Za-z0-9_\-])/,
    maxLength: 96,
    before: 0,
    after: 0,
    validator: VALIDATORS.gitlab_token,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    publicPrefix: /^(?:gl[a-z]+-|GR1348941|_gitlab_session=)/,
    testMarkers: true,
    rank: 85,
  },
  {
    id: 'slack_token',
    title: 'Slack token',
    category: 'Security',
    severity: 'High',
    triggers: lit('xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-', 'xapp-'),
    pattern: /(?<![A-Za-z0-9_\-])(?<value>xox[abposre]-[0-9]{6,14}-[A-Za-z0-9\-]{8,200}|xapp-\d-[A-Z0-9]{8,14}-\d{8,16}-[a-z0-9]{32,80})(?![A-Za-z0-9\-])/,
    maxLength: 230,
    before: 0,
    after: 0,
    validator: VALIDATORS.slack_token,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    publicPrefix: /^(?:xox[abposre]-|xapp-)/,
    testMarkers: true,
    rank: 85,
  },
  {
    id: 'slack_token',
    title: 'Slack incoming webhook',
    category: 'Security',
    severity: 'Medium',
    triggers: lit('hooks.slack.com/'),
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<value>T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24})(?![A-Za-z0-9])/,
    maxLength: 100,
    before: 0,
    after: 0,
    validator: VALIDATORS.slack_token,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    testMarkers: true,
    rank: 85,
  },
  {
    id: 'stripe_key',
    title: 'Stripe key',
    category: 'Security',
    severity: 'Critical',
    triggers: lit('sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'pk_live_', 'pk_test_', 'whsec_'),
    pattern: /(?<![A-Za-z0-9_])(?<value>(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,247}|whsec_[0-9A-Za-z]{24,64})(?![A-Za-z0-9_])/,
    maxLength: 256,
    before: 0,
    after: 0,
    validator: VALIDATORS.stripe_key,
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    // Stripe's documentation keys, assembled so that no source line holds a whole key.
    testValues: [['sk_test', '4eC39HqLyjWDarjtT1zdp7dc'].join('_'), ['pk_test', 'TYooMQauvdEDq54NiTphI7jx'].join('_')],
    publicPrefix: /^(?:[a-z]{2}_(?:live|test)_|whsec_)/,
    testMarkers: true,
    rank: 85,
  },
  ...TOKEN_FORMATS.map(tokenDef),
  ...PASSWORD_DETECTORS,
  {
    id: 'generic_secret',
    title: 'Bearer token',
    category: 'Security',
    severity: 'Medium',
    // HTTP bearer credentials (RFC 6750): `Authorization: Bearer <token>`, curl --oauth2-bearer.
    triggers: lit('Bearer ', 'oauth2-bearer '),
    pattern: /(?:Bearer|oauth2-bearer)\s+["']?(?<value>[A-Za-z0-9\-._~+/]{16,500}=*)(?![A-Za-z0-9\-._~+/=])/i,
    maxLength: 520,
    before: 0,
    after: 0,
    validator: VALIDATORS.generic_secret,
    keywords: [],
    confidence: 0.7,
    keywordConfidence: 0.7,
    testMarkers: true,
    maxBoost: 0.1,
    rank: 12,
  },
  {
    id: 'generic_secret',
    title: 'Secret assigned to a keyword',
    category: 'Security',
    severity: 'Medium',
    triggers: lit('password', 'passwd', 'pwd', 'secret', 'token', 'api_key', 'apikey', 'api-key', 'access_key', 'accesskey', 'auth_key', 'credential'),
    pattern:
      /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|credentials?)[A-Za-z0-9_.\-]{0,32}["']?\s{0,4}(?:=>|:=|=|:)\s{0,4}(?:["'`]|\\["'])?(?<value>[A-Za-z0-9+/=_\-.~!@#$%^&*?|]{12,160})/i,
    maxLength: 240,
    before: 16,
    after: 0,
    validator: VALIDATORS.generic_secret,
    keywords: [],
    confidence: 0.6,
    keywordConfidence: 0.6,
    testMarkers: true,
    maxBoost: 0.1,
    rank: 10,
  },
];
