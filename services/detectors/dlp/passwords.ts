/**
 * Passwords written in clear: assigned to a password keyword (`password=`, `"password": "..."`,
 * `PWD=` of an ODBC/ADO.NET connection string, `password` elements in XML), in the user
 * information of a URL (`scheme://user:password@host`, RFC 3986 §3.2.1), on a command line
 * (`--password x`, curl `-u user:password`, PowerShell `ConvertTo-SecureString "x"`), in SQL
 * (`IDENTIFIED BY 'x'`, `PASSWORD 'x'`) and in an HTTP Basic authorization header (RFC 7617).
 *
 * Unlike generic_secret, a password may be short and of low entropy: the keyword or the syntax
 * says it is a password. What decides is that the value is a literal (not a variable, a template,
 * a function call or a placeholder) and not a word that describes the field.
 */
import type { CatalogDef } from './catalog.ts';
import type { Validation, ValidationInput } from './types.ts';
import { charClasses } from './validators.ts';
import { longestSequence } from './vendor-tokens.ts';

/** Values that describe a field or stand for a value, never a password. */
const NOT_A_PASSWORD =
  /^(?:required|optional|hidden|string|str|text|password|passwd|pass|pwd|secret|none|null|nil|empty|undefined|true|false|yes|no|on|off|default|value|changeit|changeme|masked|encrypted|redacted|omitted|removed|unknown|user|username|admin|root|guest|test|testing|example|sample|dummy|fake|placeholder|fail|failed|failure|passed|success|ok|error|invalid|valid|missing|unset|set|xxx+|\*+|\.+|-+|#+)$/i;
/** Placeholders, templates and references to other values. */
const REFERENCE =
  /^[$%@&]|^\\?\$|\$\{|\{\{|\}\}|<[^>]*>|%\(|^\[|^\(|^env[.:(]|^os\.|^process\.env|getenv|environ|^System\.|^Secret[s]?\.|^vault:|^ref\+|^![A-Za-z]+$|x{4,}|\*{3,}|\.{3}|…|example|your[_-]?|changeme|change_me|placeholder|<|>/i;
/** Passwords everyone knows: still reported, as test values. */
const WEAK = /^(?:password\d*|passw0rd|p@ssw0rd|p@ssword|secret\d*|admin\d*|root\d*|test\w*|qwerty\w*|letmein|welcome\d*|guest\d*|default\d*|123456\d*|abc123|12345678)$/i;

/** A value that is a literal password: not a reference, placeholder, identifier or field description. */
export function validatePasswordValue(value: string, quoted: boolean): Validation | null {
  if (value.length < 4 || value.length > 128) return null;
  if (NOT_A_PASSWORD.test(value) || REFERENCE.test(value)) return null;
  if (/\(|\)$/.test(value)) return null; // a call
  if (/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(value)) return null; // obj.field, a dotted name
  if (/^(?:[a-z]+[A-Z][a-z]*)+$/.test(value)) return null; // camelCase identifier
  if (/^[A-Z][A-Z_]*$/.test(value) && value.includes('_')) return null; // CONSTANT_NAME
  if (/^(?:https?|file|ftp):/i.test(value)) return null;
  if (/^0x[0-9a-f]+$/i.test(value)) return null; // a number literal
  if (/^(?:\/|\.\.?\/|~\/)[\w.\-]+(?:\/[\w.\-]+)+\/?$/.test(value)) return null; // a file path
  const classes = charClasses(value);
  if (!quoted && /^[A-Za-z_]+$/.test(value)) return null; // an unquoted word is more often a variable
  if (classes < 2 && value.length < 10) return null;
  if (/^\d+$/.test(value) && value.length < 6) return null;
  if (/^(.)\1+$/.test(value)) return null;
  return { testValue: WEAK.test(value) || longestSequence(value) >= 6, confidenceDelta: classes >= 3 ? 0.1 : 0 };
}

function quotedGroup(m: ValidationInput): boolean {
  return (m.groups.q ?? '') !== '' || (m.groups.xml ?? '') !== '';
}

const assignment = (m: ValidationInput): Validation | null => validatePasswordValue(m.value, quotedGroup(m));

/** user:password in a URL or after `-u`: the user is needed, the password must differ from it. */
const userinfo = (m: ValidationInput): Validation | null => {
  let value = m.value;
  try {
    value = decodeURIComponent(value);
  } catch {
    // keep the raw form
  }
  if (value.length < 3 || NOT_A_PASSWORD.test(value) || REFERENCE.test(value)) return null;
  const user = m.groups.user ?? '';
  if (REFERENCE.test(user)) return null;
  // The host after "@": a reserved example domain (RFC 2606/6761) makes it documentation.
  const host = /^@?([A-Za-z0-9.\-]{1,253})/.exec(m.text.slice(m.end, m.end + 260))?.[1] ?? '';
  const example = /(?:^|\.)(?:example\.(?:com|org|net|edu)|example|test|invalid)$/i.test(host);
  return { testValue: user === value || WEAK.test(value) || example, subtype: 'userinfo' };
};

/** `Authorization: Basic base64(user:password)`. */
const basicAuth = (m: ValidationInput): Validation | null => {
  const decoded = Buffer.from(m.value, 'base64').toString('latin1');
  if (!/^[\x20-\x7e]+$/.test(decoded)) return null;
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1) return null;
  const password = decoded.slice(colon + 1);
  if (NOT_A_PASSWORD.test(password) || REFERENCE.test(password)) return null;
  return { subtype: 'basic_auth', testValue: WEAK.test(password) };
};

const lit = (...texts: string[]): Array<{ kind: 'literal'; text: string }> => texts.map((text) => ({ kind: 'literal' as const, text }));

const common = {
  id: 'password' as const,
  title: 'Password',
  category: 'Security' as const,
  severity: 'High' as const,
  before: 0,
  after: 0,
  keywords: [],
  confidence: 0.75,
  keywordConfidence: 0.75,
  testMarkers: true,
  maxBoost: 0.1,
  rank: 15,
};

/** Characters a quoted password may hold (no quotes, no whitespace, no backslash). */
const QUOTED = `[^\\s"'\`\\\\]{1,128}`;
/** An unquoted password ends at whitespace and the separators of connection strings, URLs, lists and markup. */
const BARE = `[^\\s"'\`<>;,&|(){}\\[\\]\\\\]{1,128}`;
/** A password keyword: not inside a longer word, except as the capitalised end of a camelCase name (dbPassword). */
const KEYWORD = `(?:(?<![A-Za-z])|(?<=[a-z])(?=P))(?:[Pp]ass(?:word|wd|phrase)?|PASS(?:WORD|WD|PHRASE)?|[Pp]wd|PWD|[Pp]w|PW)`;

export const PASSWORD_DETECTORS: readonly CatalogDef[] = [
  {
    ...common,
    // key = value, key: value, "key": "value", key => value, key := value; an ODBC/ADO.NET `Pwd=...;`.
    triggers: ['password', 'passwd', 'passphrase', 'pass', 'pwd', 'pw'].map((text) => ({ kind: 'literal' as const, text })),
    pattern: new RegExp(`${KEYWORD}(?:\\\\?["'])?[ \\t]{0,4}(?:=>|:=|=|:)[ \\t]{0,4}(?<q>\\\\?["'\`])(?<value>${QUOTED})\\k<q>`),
    maxLength: 170,
    validator: assignment,
  },
  {
    ...common,
    triggers: ['password', 'passwd', 'passphrase', 'pass', 'pwd', 'pw'].map((text) => ({ kind: 'literal' as const, text })),
    pattern: new RegExp(`${KEYWORD}(?:\\\\?["'])?[ \\t]{0,4}(?:=>|:=|=|:)[ \\t]{0,4}(?<value>${BARE})(?=$|[\\s"'\`<>;,&|)}\\]])`, 'm'),
    maxLength: 150,
    validator: assignment,
  },
  {
    ...common,
    // <password>value</password>, <Password attr="...">value</Password>
    triggers: [{ kind: 'literal', text: '<password', shift: 0 }, { kind: 'literal', text: '<passwd' }, { kind: 'literal', text: '<pwd' }],
    pattern: /<(?<xml>[Pp]ass(?:word|wd)|PASSWORD|[Pp]wd)(?:\s[^<>]{0,120})?>(?<value>[^<>\s]{1,128})<\/\k<xml>>/,
    maxLength: 300,
    validator: assignment,
  },
  {
    ...common,
    // --password value, --password=value, -Password 'value', --passphrase value
    triggers: ['-password', '-passwd', '-passphrase', '-pwd'].map((text) => ({ kind: 'window' as const, text, before: 1, after: 0 })),
    pattern: /(?<![\w-])--?(?:[Pp]ass(?:word|wd|phrase)|PASSWORD|[Pp]wd)(?:[ \t]+|=)(?<q>["']?)(?<value>[^\s"'`\\]{1,128})\k<q>(?=$|\s)/m,
    maxLength: 160,
    validator: (m) => (m.value.startsWith('-') ? null : assignment(m)),
  },
  {
    ...common,
    // scheme://user:password@host (above email: the user:password@host of a URL is not an address).
    rank: 45,
    triggers: [{ kind: 'literal', text: '://' }],
    after: 260,
    pattern: /(?<=(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,23}):\/\/(?<user>[^\s:\/@"'<>`]{1,64}):(?<value>[^\s\/@"'<>`]{1,128})@(?=[A-Za-z0-9\[_])/,
    maxLength: 240,
    validator: userinfo,
  },
  {
    ...common,
    // curl -u user:password, --user user:password
    triggers: [{ kind: 'literal', text: '-u ' }, { kind: 'literal', text: '--user ', shift: 0 }],
    pattern: /(?:-u|--user)[ \t]+(?<q>["']?)(?<user>[^\s:"'$]{1,64}):(?<value>[^\s"'@]{1,128})\k<q>(?=$|\s)/m,
    maxLength: 210,
    validator: userinfo,
  },
  {
    ...common,
    // MySQL/Oracle `IDENTIFIED BY 'x'`, PostgreSQL `[ENCRYPTED] PASSWORD 'x'`
    triggers: [{ kind: 'literal', text: 'identified by' }],
    pattern: /IDENTIFIED\s+BY\s+(?<q>\\?["'`]?)(?<value>[^\s"'`;\\]{1,128})\k<q>(?=$|[\s;,)"'`\\])/im,
    maxLength: 160,
    before: 200,
    // Only in a statement that creates or changes a user, role or login.
    validator: (m) => (/(?:CREATE|ALTER)\s+(?:USER|ROLE|LOGIN)\b[^;]*$/i.test(m.text.slice(Math.max(0, m.start - 200), m.start)) ? validatePasswordValue(m.value, true) : null),
  },
  {
    ...common,
    triggers: [{ kind: 'literal', text: 'password ' }],
    pattern: /PASSWORD\s+(?<q>\\?')(?<value>[^\s'\\]{1,128})\k<q>/i,
    maxLength: 150,
    validator: (m) => validatePasswordValue(m.value, true),
  },
  {
    ...common,
    // PowerShell: ConvertTo-SecureString [-String] "x" -AsPlainText -Force
    triggers: [{ kind: 'literal', text: 'ConvertTo-SecureString' }],
    pattern: /ConvertTo-SecureString(?:\s+-(?:String|AsPlainText|Force))*\s+(?<q>\\?["']?)(?<value>[^\s"'\\$-][^\s"'\\]{0,127})\k<q>/i,
    maxLength: 200,
    validator: (m) => validatePasswordValue(m.value, true),
  },
  {
    ...common,
    // A hard-coded fallback for a password variable: getenv("DB_PASSWORD", "x"),
    // os.environ.get("PASSWORD") or "x", process.env.DB_PASS || "x", ENV.fetch("PASSWORD", "x").
    triggers: lit('getenv(', 'environ.get(', 'env.get(', 'env.fetch(', 'process.env.'),
    pattern:
      /(?:(?:getenv|environ\.get|env\.get|env\.fetch)\(\s*\\?["'](?<name>[A-Za-z0-9_.\-]{1,64})\\?["']\s*(?:,\s*b?|\)\s*(?:or|\|\||\?\?)\s*)|process\.env\.(?<jsname>[A-Za-z0-9_]{1,64})\s*(?:\|\||\?\?)\s*)(?<q>\\?["'`])(?<value>[^\s"'`\\]{1,128})\k<q>/i,
    maxLength: 260,
    validator: (m) => {
      const name = m.groups.name ?? m.groups.jsname ?? '';
      if (!/pass|pwd|(?<![a-z])pw(?![a-z])/i.test(name)) return null;
      const v = validatePasswordValue(m.value, true);
      return v === null ? null : { ...v, subtype: 'env_default' };
    },
  },
  {
    ...common,
    // Authorization: Basic base64(user:password)
    triggers: [{ kind: 'literal', text: 'Basic ' }],
    pattern: /Basic\s+(?<value>[A-Za-z0-9+/]{8,200}={0,2})(?![A-Za-z0-9+/=])/,
    maxLength: 210,
    validator: basicAuth,
  },
];
