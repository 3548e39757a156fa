/**
 * Secrets in configuration: a field is secret when its zod schema carries `.meta({ secret: true })`
 * (SECRET). `sluice config` prints the configuration through redactSecrets, which replaces every
 * value of a secret field, and in every other string the userinfo of a URL and the values of
 * credential-like query parameters. A test (secrets.test.ts) walks the schema, sets every secret
 * field to a sentinel and checks the printed configuration never contains it.
 */
import { z } from 'zod';

/** Metadata marking a config field as secret: `z.string().meta(SECRET)`. */
export const SECRET = { secret: true } as const;

/** What a redacted value is printed as. */
export const REDACTED = '***';

/** Query parameters whose values are credentials (case-insensitive, compared without `-` and `_`). */
const SECRET_PARAMS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'secret', 'token', 'accesstoken', 'apikey', 'key', 'sig', 'signature',
  'auth', 'authorization', 'credential', 'credentials', 'clientsecret', 'xamzsignature', 'xamzcredential',
  'xamzsecuritytoken', 'se', 'sp', 'sv', 'code', 'session', 'sessiontoken',
].map((s) => s.replace(/[-_]/g, '')));

type AnySchema = z.core.$ZodType;
type Def = { type: string; innerType?: AnySchema; in?: AnySchema; out?: AnySchema; shape?: Record<string, AnySchema>; element?: AnySchema; valueType?: AnySchema; options?: AnySchema[]; getter?: () => AnySchema };

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas a wrapper (optional, default, prefault, nullable, readonly, catch, pipe) stands for. */
function unwrap(schema: AnySchema): AnySchema[] {
  const d = defOf(schema);
  if (d.innerType) return [d.innerType];
  if (d.type === 'pipe') return [d.in!, d.out!];
  if (d.type === 'lazy' && d.getter) return [d.getter()];
  return [];
}

/** True when the schema, or one it wraps, is marked SECRET. */
export function isSecretSchema(schema: AnySchema, depth = 0): boolean {
  if ((z.globalRegistry.get(schema as never) as { secret?: unknown } | undefined)?.secret === true) return true;
  return depth < 16 && unwrap(schema).some((s) => isSecretSchema(s, depth + 1));
}

/** The object shapes, array elements, record values and union options under a schema (wrappers removed). */
function children(schema: AnySchema, depth = 0): { shape: Record<string, AnySchema>; items: AnySchema[] } {
  const out = { shape: {} as Record<string, AnySchema>, items: [] as AnySchema[] };
  if (depth > 16) return out;
  const d = defOf(schema);
  if (d.shape) Object.assign(out.shape, d.shape);
  if (d.type === 'array' && d.element) out.items.push(d.element);
  if (d.type === 'record' && d.valueType) out.items.push(d.valueType);
  for (const o of d.options ?? []) {
    const c = children(o, depth + 1);
    Object.assign(out.shape, c.shape);
    out.items.push(...c.items);
  }
  for (const w of unwrap(schema)) {
    const c = children(w, depth + 1);
    Object.assign(out.shape, c.shape);
    out.items.push(...c.items);
  }
  return out;
}

/** Paths of every field marked SECRET (`[]` stands for an array element or record value). */
export function secretPaths(schema: AnySchema, prefix: string[] = [], depth = 0): string[][] {
  if (isSecretSchema(schema)) return [prefix];
  if (depth > 32) return [];
  const { shape, items } = children(schema);
  const out: string[][] = [];
  for (const [k, s] of Object.entries(shape)) out.push(...secretPaths(s, [...prefix, k], depth + 1));
  for (const s of items) out.push(...secretPaths(s, [...prefix, '[]'], depth + 1));
  return out;
}

/**
 * In a string: the password of URL userinfo (`scheme://user:pass@host` -> `scheme://user:***@host`)
 * and the values of credential-like query parameters (`?password=`, `&token=`, `sig=`...).
 */
export function redactUrlSecrets(text: string): string {
  let s = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, `$1:${REDACTED}@`);
  s = s.replace(/([?&;])([^=&#\s;]+)=([^&#\s;]*)/g, (all, sep: string, name: string) =>
    SECRET_PARAMS.has(decodeName(name).toLowerCase().replace(/[-_]/g, '')) ? `${sep}${name}=${REDACTED}` : all,
  );
  return s;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * A copy of `value` (a parsed config) with every SECRET field of `schema` replaced by REDACTED and
 * URL secrets removed from every other string.
 */
export function redactSecrets(schema: AnySchema, value: unknown, depth = 0): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretSchema(schema)) return REDACTED;
  if (typeof value === 'string') return redactUrlSecrets(value);
  if (typeof value !== 'object' || depth > 32) return value;
  const { shape, items } = children(schema);
  const any = z.unknown() as AnySchema;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(items[0] ?? any, v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactSecrets(shape[k] ?? items[0] ?? any, v, depth + 1);
  return out;
}
