import { ocsfSchema, type OcsfAttribute, type OcsfSchema, type OcsfType } from './schema.ts';

/**
 * Validates an event or finding against the official compiled OCSF schema, the way OCSF's own
 * validator reads it: every attribute must be defined for the class or object (or a profile the
 * event declares in `metadata.profiles`), required attributes present, scalar types, regexes,
 * ranges and enum values right, an enum's sibling equal to its caption (except `Other`, 99, where
 * the sibling carries the source's own value), object constraints (`at_least_one`, `just_one`)
 * held, and `type_uid = class_uid * 100 + activity_id`. `null` is reported: omit an attribute
 * instead of writing null.
 */
export interface OcsfProblem {
  /** `finding_info.attacks[0].technique`, or `` for the event itself. */
  readonly path: string;
  readonly message: string;
}

const MAX_PROBLEMS = 50;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

interface Walk {
  readonly schema: OcsfSchema;
  readonly profiles: ReadonlySet<string>;
  readonly problems: OcsfProblem[];
  readonly regexes: Map<string, RegExp | null>;
}

let byUid: Map<number, OcsfType> | undefined;

function classByUid(schema: OcsfSchema, uid: number): OcsfType | undefined {
  byUid ??= new Map(Object.values(schema.classes).map((c) => [c.uid ?? -1, c]));
  return byUid.get(uid);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function report(w: Walk, path: string, message: string): void {
  if (w.problems.length < MAX_PROBLEMS) w.problems.push({ path, message });
}

function active(w: Walk, attr: OcsfAttribute): boolean {
  const p = attr.profiles;
  return !p || p.length === 0 || p.some((name) => w.profiles.has(name));
}

function regexOf(w: Walk, typeName: string, source: string): RegExp | null {
  let re = w.regexes.get(typeName);
  if (re === undefined) {
    try {
      re = new RegExp(source);
    } catch {
      re = null;
    }
    w.regexes.set(typeName, re);
  }
  return re;
}

/** Checks a scalar against its dictionary type (and the type it derives from). */
function checkScalar(w: Walk, path: string, typeName: string, value: unknown): void {
  const types = w.schema.dictionary.types.attributes;
  const t = types[typeName];
  const base = t?.type ?? typeName;
  switch (base) {
    case 'string_t':
      if (typeof value !== 'string') return report(w, path, `expected a string (${typeName}), got ${typeof value}`);
      break;
    case 'integer_t':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) return report(w, path, `expected a 32-bit integer (${typeName}), got ${JSON.stringify(value)}`);
      break;
    case 'long_t':
      if (typeof value !== 'number' || !Number.isInteger(value)) return report(w, path, `expected an integer (${typeName}), got ${JSON.stringify(value)}`);
      break;
    case 'float_t':
      if (typeof value !== 'number' || !Number.isFinite(value)) return report(w, path, `expected a number (${typeName}), got ${JSON.stringify(value)}`);
      break;
    case 'boolean_t':
      if (typeof value !== 'boolean') return report(w, path, `expected a boolean (${typeName}), got ${JSON.stringify(value)}`);
      break;
    case 'json_t':
      return;
    default:
      return report(w, path, `unknown type ${typeName}`);
  }
  if (!t) return;
  if (typeof value === 'string') {
    if (t.max_len !== undefined && value.length > t.max_len) report(w, path, `longer than ${t.max_len} characters (${typeName})`);
    if (t.regex !== undefined) {
      const re = regexOf(w, typeName, t.regex);
      if (re && !re.test(value)) report(w, path, `${JSON.stringify(value)} does not match ${typeName}`);
    }
  }
  if (typeof value === 'number' && t.range && (value < t.range[0] || value > t.range[1])) report(w, path, `${value} outside ${typeName} range ${t.range[0]}..${t.range[1]}`);
  if (t.values && !t.values.includes(value)) report(w, path, `${JSON.stringify(value)} is not one of ${JSON.stringify(t.values)}`);
}

function checkValue(w: Walk, path: string, attr: OcsfAttribute, value: unknown): void {
  if (attr.type === 'object_t') {
    if (!isRecord(value)) return report(w, path, `expected an object (${attr.object_type}), got ${Array.isArray(value) ? 'an array' : typeof value}`);
    // `object` is OCSF's open object (unmapped, xattributes): any attributes.
    if (attr.object_type === 'object') return;
    const def = attr.object_type ? w.schema.objects[attr.object_type] : undefined;
    if (!def) return report(w, path, `unknown object type ${attr.object_type}`);
    return checkObject(w, path, def, value);
  }
  checkScalar(w, path, attr.type, value);
  if (attr.enum && (typeof value === 'number' || typeof value === 'string') && !(String(value) in attr.enum)) {
    report(w, path, `${JSON.stringify(value)} is not a defined value (${Object.keys(attr.enum).join(', ')})`);
  }
}

function checkObject(w: Walk, path: string, def: OcsfType, value: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(value)) {
    const at = join(path, key);
    const attr = def.attributes[key];
    if (!attr || !active(w, attr)) {
      report(w, at, attr ? `defined only by profile ${(attr.profiles ?? []).join(' or ')}, which metadata.profiles does not declare` : `not an attribute of ${def.name}`);
      continue;
    }
    if (v === null || v === undefined) {
      report(w, at, 'null: omit the attribute instead');
      continue;
    }
    if (attr.is_array) {
      if (!Array.isArray(v)) {
        report(w, at, 'expected an array');
        continue;
      }
      v.forEach((item, i) => (item === null ? report(w, `${at}[${i}]`, 'null array element') : checkValue(w, `${at}[${i}]`, attr, item)));
    } else if (Array.isArray(v)) {
      report(w, at, 'expected a single value, got an array');
    } else {
      checkValue(w, at, attr, v);
    }
    if (attr.enum && attr.sibling && (typeof v === 'number' || typeof v === 'string')) {
      const sib = value[attr.sibling];
      const caption = attr.enum[String(v)]?.caption;
      if (sib !== undefined && String(v) !== '99' && caption !== undefined && sib !== caption) {
        report(w, join(path, attr.sibling), `${JSON.stringify(sib)} is not the caption of ${key} ${v} (${JSON.stringify(caption)})`);
      }
    }
  }
  for (const [key, attr] of Object.entries(def.attributes)) {
    if (attr.requirement === 'required' && active(w, attr) && (value[key] === undefined || value[key] === null)) report(w, join(path, key), `required by ${def.name}`);
  }
  const c = def.constraints;
  if (c?.at_least_one && !c.at_least_one.some((k) => value[k] !== undefined && value[k] !== null)) report(w, path, `${def.name} needs at least one of ${c.at_least_one.join(', ')}`);
  if (c?.just_one) {
    const present = c.just_one.filter((k) => value[k] !== undefined && value[k] !== null);
    if (present.length !== 1) report(w, path, `${def.name} needs exactly one of ${c.just_one.join(', ')} (has ${present.length ? present.join(', ') : 'none'})`);
  }
}

/** Every problem (up to 50) of one event or finding; empty when it is valid OCSF. */
export function ocsfProblems(event: unknown, schema: OcsfSchema = ocsfSchema()): OcsfProblem[] {
  const problems: OcsfProblem[] = [];
  if (!isRecord(event)) return [{ path: '', message: 'not a JSON object' }];
  const classUid = event.class_uid;
  const cls = typeof classUid === 'number' ? classByUid(schema, classUid) : undefined;
  if (!cls) return [{ path: 'class_uid', message: `${JSON.stringify(classUid)} is not an OCSF ${schema.version} class` }];
  const metadata = isRecord(event.metadata) ? event.metadata : {};
  const declared = Array.isArray(metadata.profiles) ? metadata.profiles.filter((p): p is string => typeof p === 'string') : [];
  const w: Walk = { schema, profiles: new Set(declared), problems, regexes: new Map() };
  declared.forEach((p, i) => {
    if (!(p in schema.profiles)) report(w, `metadata.profiles[${i}]`, `${p} is not an OCSF ${schema.version} profile`);
    else if (!(cls.profiles ?? []).includes(p)) report(w, `metadata.profiles[${i}]`, `profile ${p} does not apply to ${cls.name}`);
  });
  if (metadata.version !== schema.version) report(w, 'metadata.version', `${JSON.stringify(metadata.version)}: validated against ${schema.version}`);
  if (event.category_uid !== cls.category_uid) report(w, 'category_uid', `${JSON.stringify(event.category_uid)}: ${cls.name} is in category ${cls.category_uid}`);
  if (typeof event.activity_id === 'number' && event.type_uid !== cls.uid! * 100 + event.activity_id) {
    report(w, 'type_uid', `${JSON.stringify(event.type_uid)} is not class_uid * 100 + activity_id (${cls.uid! * 100 + event.activity_id})`);
  }
  checkObject(w, '', cls, event);
  return problems;
}

/** Throws on the first problem, naming its path: for tests and the `--validate` switches. */
export function assertValidOcsf(event: unknown, what = 'event'): void {
  const problems = ocsfProblems(event);
  if (problems.length > 0) {
    const p = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).map((q) => q.path).join(', ')})` : '';
    throw new Error(`invalid OCSF ${what}: ${p.path || '(root)'}: ${p.message}${more}`);
  }
}
