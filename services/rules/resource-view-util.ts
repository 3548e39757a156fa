/**
 * Small readers shared by the resource view builders (resource-view*.ts): dotted-path access and
 * forgiving coercions, so that a view never throws on an odd configuration.
 */

export type Obj = Record<string, unknown>;

/**
 * The shape a configuration comes in: live AWS Config, a Kubernetes object, or an IaC format.
 * `terraform_plan` is the shape of a plan's `values`, also used for Terraform HCL source (read
 * into that shape); `arm` an Azure Resource Manager resource; `aws_api` the AWS API's JSON
 * (`aws ecs register-task-definition --cli-input-json`).
 */
export type ResourceFormat = 'aws_config' | 'cloudformation' | 'terraform_plan' | 'kubernetes' | 'arm' | 'aws_api' | 'dockerfile';

/** What a builder may know besides the configuration: when the configuration was observed (epoch ms). */
export interface ViewContext {
  observed_ms: number | null;
}

/** A resource kind: its name, the type names (any format) that are of it, and the builder of its view. */
export interface KindEntry {
  kind: string;
  types: string[];
  build: (f: ResourceFormat, c: Obj, type: string, ctx: ViewContext) => Obj;
}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The value at a dotted path (numeric segments index arrays); undefined when any step is missing. */
export function at(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** The first path that holds a value (not undefined/null). */
export function first(o: unknown, ...paths: string[]): unknown {
  for (const p of paths) {
    const v = at(o, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/** A boolean from true/false/'true'/'false'; other values give the fallback. */
export function bool(v: unknown, fallback: boolean | null = false): boolean | null {
  if (typeof v === 'boolean') return v;
  // AWS APIs that count (IAM GetAccountSummary: AccountMFAEnabled 1/0) give flags as integers.
  if (v === 1 || v === 0) return v === 1;
  if (v === 'true' || v === 'True' || v === 'TRUE') return true;
  if (v === 'false' || v === 'False' || v === 'FALSE') return false;
  return fallback;
}

export function num(v: unknown, fallback: number | null = null): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return fallback;
}

export function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Strings of a list (a single value counts as a list of one); other elements left out. */
export function texts(v: unknown): string[] {
  return list(v).map(text).filter((s): s is string => s !== null);
}

/** A policy document from an object, JSON text or URL-encoded JSON text (AWS Config IAM items); null otherwise. */
export function policyDocument(v: unknown): Obj | null {
  if (isObj(v)) return v;
  if (typeof v !== 'string' || v === '') return null;
  for (const candidate of [v, safeDecode(v)]) {
    if (candidate === null) continue;
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (isObj(parsed)) return parsed;
    } catch {
      // try the next form
    }
  }
  return null;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

const PY_DATETIME = /^datetime\.datetime\((\d{4}), (\d{1,2}), (\d{1,2})(?:, (\d{1,2}))?(?:, (\d{1,2}))?(?:, (\d{1,2}))?(?:, (\d{1,6}))?/;

/**
 * A time as epoch milliseconds: ISO-8601 text, epoch seconds or milliseconds in a number, or the
 * Python repr AWS Config samples carry (`datetime.datetime(2020, 4, 22, 13, 13, 17, 718000, …)`,
 * read as UTC); null for anything else.
 */
export function epochMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v >= 1e11 ? v : v * 1000;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const py = PY_DATETIME.exec(v);
  if (py) {
    const [y, mo, d, h, mi, s, us] = py.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(us / 1000));
  }
  if (/^-?\d+(\.\d+)?$/.test(v.trim())) return epochMs(Number(v));
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/** The statements of a policy document (a single statement object counts as a list of one). */
export function statements(policy: Obj | null): Obj[] {
  return policy === null ? [] : list(policy.Statement).filter(isObj);
}

/** Whether a statement's principal is everyone: `*`, `{AWS: "*"}` or a list holding `*`. */
export function principalIsEveryone(p: unknown): boolean {
  if (p === '*') return true;
  if (Array.isArray(p)) return p.includes('*');
  if (isObj(p)) return Object.values(p).some((v) => v === '*' || (Array.isArray(v) && v.includes('*')));
  return false;
}

/** The condition keys of a statement, lower-cased (`aws:sourcearn`, `kms:calleraccount`). */
export function conditionKeys(s: Obj): string[] {
  const c = s.Condition;
  if (!isObj(c)) return [];
  return Object.values(c).flatMap((ops) => (isObj(ops) ? Object.keys(ops).map((k) => k.toLowerCase()) : []));
}

/**
 * The companion resources of a Terraform resource (`configuration.sluice_links`, attached by
 * services/collectors/config_files/terraform-companions.ts): the values of every companion of
 * `type` linked to it; `[]` when the module has none; null when not known (no link information,
 * as in plan JSON or a lone resource, or a companion of that type whose link was unresolvable).
 */
export function linked(c: Obj, type: string): Obj[] | null {
  const l = c.sluice_links;
  if (!isObj(l)) return null;
  if (list(l.unknown).includes(type)) return null;
  return list(l[type]).filter(isObj).map((x) => (isObj(x.values) ? x.values : {}));
}

/** True when the resource carries companion link information (a Terraform resource read with its module). */
export function hasLinks(c: Obj): boolean {
  return isObj(c.sluice_links);
}
