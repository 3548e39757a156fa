/**
 * Structured diff of two configuration objects: the JSON paths that changed, with before/after
 * values (secret-looking ones masked, long ones cut). Arrays are compared by index.
 */

/** One changed path. `before`/`after` are JSON text of the value, or null when absent. */
export interface DiffEntry {
  path: string;
  change: 'added' | 'removed' | 'changed';
  before: string | null;
  after: string | null;
}

/** The diff and how many entries were left out over the cap. */
export interface ConfigDiff {
  entries: DiffEntry[];
  total: number;
}

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|session[_-]?key|access[_-]?key)/i;
const SECRET_VALUE = /^(AKIA|ASIA)[A-Z0-9]{16}$|-----BEGIN [A-Z ]*PRIVATE KEY-----|^gh[pousr]_[A-Za-z0-9]{30,}$|^xox[abpr]-|^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./;

/** Masks a value when its key looks like a secret's or the text looks like a credential. */
export function maskValue(key: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string' && (SECRET_VALUE.test(value) || (SECRET_KEY.test(key) && value.length > 0))) return `(masked ${value.length} chars)`;
  if (SECRET_KEY.test(key) && (typeof value === 'number' || typeof value === 'boolean')) return value;
  return value;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON text of a value with masked secrets at every depth and a length cap. */
function render(key: string, v: unknown, maxChars: number): string | null {
  if (v === undefined) return null;
  const masked = maskDeep(key, v);
  const s = JSON.stringify(masked) ?? 'null';
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

function maskDeep(key: string, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => maskDeep(key, x));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskDeep(k, x)]));
  return maskValue(key, v);
}

function segment(path: string, k: string | number): string {
  if (typeof k === 'number') return `${path}[${k}]`;
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

/** Diffs two JSON values; paths start at `$`. */
export function diffConfigurations(before: unknown, after: unknown, opts: { maxPaths: number; maxValueChars: number }): ConfigDiff {
  const entries: DiffEntry[] = [];
  let total = 0;
  const push = (e: DiffEntry): void => {
    total++;
    if (entries.length < opts.maxPaths) entries.push(e);
  };
  const walk = (a: unknown, b: unknown, path: string, key: string): void => {
    if (isObj(a) && isObj(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of [...keys].sort()) walk(a[k], b[k], segment(path, k), k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], segment(path, i), key);
      return;
    }
    if (a === undefined && b === undefined) return;
    if (a === undefined) return push({ path, change: 'added', before: null, after: render(key, b, opts.maxValueChars) });
    if (b === undefined) return push({ path, change: 'removed', before: render(key, a, opts.maxValueChars), after: null });
    if (JSON.stringify(a) !== JSON.stringify(b)) push({ path, change: 'changed', before: render(key, a, opts.maxValueChars), after: render(key, b, opts.maxValueChars) });
  };
  walk(before, after, '$', '');
  return { entries, total };
}
