/**
 * Masking of secrets in process command lines (Tetragon `arguments`, one string). Command lines
 * carry credentials often enough (`mysql --password=…`, `curl -u user:pass`, `-psk …`,
 * `PGPASSWORD=… psql`, `-H "Authorization: Bearer …"`) that every argument string leaving the
 * collector, in the event and in raw_data, goes through maskArguments. Over-masking (a flag named
 * like a credential that takes no value hides the next word) is preferred to a leak.
 */
import { REDACTED, redactUrlSecrets } from '../../core/secrets.ts';
import { isObj, type Obj } from '../fields.ts';

/** Flag or variable names that carry a credential (matched anywhere in the name, case-insensitive). */
const SECRET_NAME = /pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|psk|auth|credential|cookie|session/i;

/** A quoted or bare word. */
const VALUE = String.raw`("[^"]*"|'[^']*'|\S+)`;

/** `--flag=value`, `--flag value`, `-flag value`. */
const FLAG = new RegExp(String.raw`(^|\s)(--?[A-Za-z][\w.-]*)(=|\s+)` + VALUE, 'g');
/** `NAME=value` (environment assignments, key=value options). */
const ASSIGNMENT = new RegExp(String.raw`(^|\s)([A-Za-z_][\w.-]*)=` + VALUE, 'g');
/** HTTP authorization headers, with or without a scheme. */
const AUTH_HEADER = /((?:Proxy-)?Authorization\s*:\s*(?:(?:Bearer|Basic|Token|Digest|Negotiate)\s+)?)([^"'\s]+)/gi;
const BEARER = /\b(Bearer\s+)([^"'\s]+)/g;
/** curl/wget style `-u user:password`, `--user user:password`, `--proxy-user …`. */
const USER_FLAG = new RegExp(String.raw`(^|\s)(-u|--user|--proxy-user|-U)(=|\s+)` + VALUE, 'g');

function quoteLike(value: string, masked: string): string {
  const q = value[0];
  return (q === '"' || q === "'") && value.endsWith(q) && value.length >= 2 ? `${q}${masked}${q}` : masked;
}

/** A command line (arguments string) with its credentials replaced by `***`. */
export function maskArguments(args: string): string {
  let s = args.replace(USER_FLAG, (all, pre: string, flag: string, sep: string, value: string) => {
    const inner = value.replace(/^["']|["']$/g, '');
    const colon = inner.indexOf(':');
    return colon < 0 ? all : `${pre}${flag}${sep}${quoteLike(value, `${inner.slice(0, colon)}:${REDACTED}`)}`;
  });
  s = s.replace(FLAG, (all, pre: string, flag: string, sep: string, value: string) =>
    SECRET_NAME.test(flag) && !value.startsWith('-') ? `${pre}${flag}${sep}${quoteLike(value, REDACTED)}` : all,
  );
  s = s.replace(ASSIGNMENT, (all, pre: string, name: string, value: string) => (SECRET_NAME.test(name) ? `${pre}${name}=${quoteLike(value, REDACTED)}` : all));
  s = s.replace(AUTH_HEADER, `$1${REDACTED}`).replace(BEARER, `$1${REDACTED}`);
  return redactUrlSecrets(s);
}

/**
 * A copy of a Tetragon record with every `arguments` string masked (process, parent, ancestors,
 * at any depth up to 8): what raw_data keeps.
 */
export function maskRecordArguments(record: Obj, depth = 0): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(record)) {
    if (k === 'arguments' && typeof v === 'string') out[k] = maskArguments(v);
    else if (depth < 8 && isObj(v)) out[k] = maskRecordArguments(v, depth + 1);
    else if (depth < 8 && Array.isArray(v)) out[k] = v.map((x: unknown) => (isObj(x) ? maskRecordArguments(x, depth + 1) : x));
    else out[k] = v;
  }
  return out;
}
