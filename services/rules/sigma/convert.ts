import { basename } from 'node:path';
import { isCelError, run } from '@bufbuild/cel';
import { compileGlob, isValidCidr } from '../helpers.ts';
import { parseCondition, type ConditionNode } from './condition.ts';
import { fieldRef, sigmaSource, type FieldRef, type SigmaSource } from './fields.ts';

/** A construct the importer cannot convert faithfully: the rule is skipped and the message reported. */
export class Unsupported extends Error {}

/** A Sluice rule document produced from a Sigma rule (the YAML form, see services/rules/schema.ts). */
export interface ConvertedRule {
  id: string;
  title: string;
  description: string;
  severity: 'informational' | 'low' | 'medium' | 'high' | 'critical';
  applies_to: { sources: string[] };
  condition: string;
  mitre: string[];
  references: string[];
}

const TACTICS: Record<string, string> = {
  reconnaissance: 'TA0043', resource_development: 'TA0042', initial_access: 'TA0001', execution: 'TA0002',
  persistence: 'TA0003', privilege_escalation: 'TA0004', defense_evasion: 'TA0005', credential_access: 'TA0006',
  discovery: 'TA0007', lateral_movement: 'TA0008', collection: 'TA0009', command_and_control: 'TA0011',
  exfiltration: 'TA0010', impact: 'TA0040',
};
const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);
const KNOWN_MODS = new Set(['contains', 'startswith', 'endswith', 're', 'all', 'cidr', 'exists', 'cased', 'gt', 'gte', 'lt', 'lte', 'i', 'm', 's']);

const lit = (s: string): string => JSON.stringify(s);

/** Whether a Sigma string holds an unescaped `*` or `?`. */
function hasWildcard(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length && '*?\\'.includes(s[i + 1]!)) {
      i++;
      continue;
    }
    if (s[i] === '*' || s[i] === '?') return true;
  }
  return false;
}

/** A Sigma string without wildcards, its escapes removed. */
function unescape(s: string): string {
  return s.replace(/\\([*?\\])/g, '$1');
}

function scalarText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Unsupported(`${where}: a value of type ${Array.isArray(v) ? 'list' : typeof v} cannot be matched`);
}

/** CEL testing one value `x` (CEL text) against one Sigma value under the modifiers. */
function valuePredicate(x: string, value: unknown, mods: Set<string>, ref: FieldRef, where: string): string {
  if (mods.has('exists')) {
    if (typeof value !== 'boolean') throw new Unsupported(`${where}: |exists needs true or false`);
    if (!ref.nullable) return value ? 'true' : 'false';
    return value ? `${x} != null` : `${x} == null`;
  }
  if (value === null) return `str(${x}) == ''`;
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (mods.has(op)) {
      if (typeof value !== 'number') throw new Unsupported(`${where}: |${op} needs a number`);
      const sym = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
      return `(str(${x}).matches('^-?[0-9]+(\\\\.[0-9]+)?$') && double(str(${x})) ${sym} ${Number(value)}.0)`;
    }
  }
  const text = scalarText(value, where);
  if (mods.has('cidr')) {
    if (!isValidCidr(text)) throw new Unsupported(`${where}: "${text}" is not a CIDR`);
    return `inCidr(${x}, ${lit(text)})`;
  }
  if (mods.has('re')) {
    const flags = ['i', 'm', 's'].filter((f) => mods.has(f)).join('');
    const pattern = flags ? `(?${flags})${text}` : text;
    const check = run(`''.matches(${lit(pattern)})`);
    if (isCelError(check)) throw new Unsupported(`${where}: the regular expression is not valid RE2: ${check.message}`);
    return `str(${x}).matches(${lit(pattern)})`;
  }
  const cased = mods.has('cased');
  const op = ['contains', 'startswith', 'endswith'].find((m) => mods.has(m)) ?? 'eq';
  if (typeof value !== 'string' && op === 'eq') return cased ? `str(${x}) == ${lit(text)}` : `lower(${x}) == ${lit(text.toLowerCase())}`;
  if (hasWildcard(text)) {
    const pattern = op === 'contains' ? `*${text}*` : op === 'startswith' ? `${text}*` : op === 'endswith' ? `*${text}` : text;
    return `${cased ? 'glob' : 'iglob'}(${cased ? `str(${x})` : x}, ${lit(pattern)})`;
  }
  const plain = unescape(text);
  const subject = cased ? `str(${x})` : `lower(${x})`;
  const needle = lit(cased ? plain : plain.toLowerCase());
  switch (op) {
    case 'contains':
      return `${subject}.contains(${needle})`;
    case 'startswith':
      return `${subject}.startsWith(${needle})`;
    case 'endswith':
      return `${subject}.endsWith(${needle})`;
    default:
      return `${subject} == ${needle}`;
  }
}

function parseMods(key: string, where: string): { field: string; mods: Set<string> } {
  const [field, ...mods] = key.split('|');
  for (const m of mods) {
    if (!KNOWN_MODS.has(m)) throw new Unsupported(`${where}: modifier |${m} is not supported`);
  }
  const set = new Set(mods);
  if (['i', 'm', 's'].some((f) => set.has(f)) && !set.has('re')) throw new Unsupported(`${where}: |i, |m and |s are only valid after |re`);
  const kinds = ['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte'].filter((m) => set.has(m));
  if (kinds.length > 1) throw new Unsupported(`${where}: modifiers ${kinds.map((k) => `|${k}`).join(' ')} cannot be combined`);
  return { field: field ?? '', mods: set };
}

/** CEL of one `field|mods: value(s)` entry. */
function fieldEntry(source: SigmaSource, key: string, raw: unknown, where: string, notes: Set<string>): string {
  const { field, mods } = parseMods(key, where);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw new Unsupported(`${where}: an empty list of values matches nothing`);
  const joiner = mods.has('all') ? ' && ' : ' || ';
  if (field === '') return keywordExpr(values, mods, where);
  const ref = fieldRef(source, field);
  if (ref.note) notes.add(ref.note);
  if (!ref.maybeList || mods.has('exists')) {
    const parts = values.map((v) => valuePredicate(ref.expr, v, mods, ref, where));
    return parts.length === 1 ? parts[0]! : `(${parts.join(joiner)})`;
  }
  // A raw/unmapped field may hold a list: a value matches when any element does; null matches an absent field.
  const parts = values.map((v) => (v === null && !mods.has('exists') ? `size(values(${ref.expr})) == 0` : mods.has('exists') ? valuePredicate(ref.expr, v, mods, ref, where) : `values(${ref.expr}).exists(v, ${valuePredicate('v', v, mods, ref, where)})`));
  return parts.length === 1 ? parts[0]! : `(${parts.join(joiner)})`;
}

/** Keywords: substrings of the raw record text (JSON as received), case-insensitive unless |cased. */
function keywordExpr(values: unknown[], mods: Set<string>, where: string): string {
  for (const m of mods) {
    if (!['contains', 'all', 'cased'].includes(m)) throw new Unsupported(`${where}: modifier |${m} on keywords is not supported`);
  }
  const ref: FieldRef = { expr: 'event.raw_data', maybeList: false, nullable: true };
  const m = new Set([...mods, 'contains']);
  const parts = values.map((v) => valuePredicate(ref.expr, scalarText(v, where), m, ref, where));
  return parts.length === 1 ? parts[0]! : `(${parts.join(mods.has('all') ? ' && ' : ' || ')})`;
}

/** CEL of one named search identifier. */
function selectionExpr(source: SigmaSource, name: string, def: unknown, notes: Set<string>): string {
  const where = `detection.${name}`;
  if (def === null || def === undefined) throw new Unsupported(`${where} is empty`);
  if (typeof def === 'string' || typeof def === 'number') return keywordExpr([def], new Set(), where);
  if (Array.isArray(def)) {
    if (def.length === 0) throw new Unsupported(`${where} is an empty list`);
    if (def.every((d) => typeof d === 'string' || typeof d === 'number')) return keywordExpr(def, new Set(), where);
    if (def.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) {
      const parts = def.map((d, i) => mapExpr(source, d as Record<string, unknown>, `${where}[${i}]`, notes));
      return parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
    }
    throw new Unsupported(`${where} mixes keywords and field maps`);
  }
  if (typeof def === 'object') return mapExpr(source, def as Record<string, unknown>, where, notes);
  throw new Unsupported(`${where} has an unsupported form`);
}

function mapExpr(source: SigmaSource, map: Record<string, unknown>, where: string, notes: Set<string>): string {
  const entries = Object.entries(map);
  if (entries.length === 0) throw new Unsupported(`${where} is an empty map`);
  const parts = entries.map(([k, v]) => fieldEntry(source, k, v, `${where}.${k}`, notes));
  return parts.length === 1 ? parts[0]! : `(${parts.join(' && ')})`;
}

/** Selection names matched by a condition's `1 of sel_*` (linear-time glob, as the rules' glob()). */
function globMatch(pattern: string, name: string): boolean {
  return compileGlob(pattern, false).test(name);
}

function conditionExpr(node: ConditionNode, selections: Map<string, string>): string {
  switch (node.kind) {
    case 'ref': {
      const s = selections.get(node.name);
      if (s === undefined) throw new Unsupported(`the condition names "${node.name}", which the detection does not define`);
      return s;
    }
    case 'of': {
      const names = node.pattern === 'them' ? [...selections.keys()].filter((n) => !n.startsWith('_')) : [...selections.keys()].filter((n) => globMatch(node.pattern, n));
      if (names.length === 0) throw new Unsupported(`"${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern}" matches no search identifier`);
      const parts = names.map((n) => selections.get(n)!);
      return parts.length === 1 ? parts[0]! : `(${parts.join(node.quantifier === 'all' ? ' && ' : ' || ')})`;
    }
    case 'not':
      return `!${wrap(conditionExpr(node.operand, selections))}`;
    case 'and':
    case 'or':
      return `(${node.operands.map((o) => conditionExpr(o, selections)).join(node.kind === 'and' ? ' && ' : ' || ')})`;
  }
}

function wrap(e: string): string {
  return /^\(.*\)$/s.test(e) && balanced(e.slice(1, -1)) ? e : `(${e})`;
}

function balanced(s: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 100) || 'rule';
}

/**
 * Converts one Sigma rule document. Throws Unsupported (with the reason) when any part of it
 * cannot be converted faithfully; returns the rule and notes on approximations otherwise.
 */
export function convertSigmaRule(doc: Record<string, unknown>, file: string): { rule: ConvertedRule; notes: string[] } {
  if (doc.action !== undefined) throw new Unsupported(`rule collections (action: ${String(doc.action)}) are not supported`);
  const title = typeof doc.title === 'string' && doc.title.trim() !== '' ? doc.title.trim() : null;
  if (!title) throw new Unsupported('the rule has no title');
  const logsource = doc.logsource;
  if (!logsource || typeof logsource !== 'object') throw new Unsupported('the rule has no logsource');
  const source = sigmaSource(logsource as Record<string, unknown>);
  if (!source) {
    const ls = logsource as Record<string, unknown>;
    throw new Unsupported(`logsource ${JSON.stringify({ product: ls.product, service: ls.service, category: ls.category })} is not converted (supported: aws/cloudtrail, azure/activitylogs, kubernetes/audit)`);
  }
  const detection = doc.detection;
  if (!detection || typeof detection !== 'object' || Array.isArray(detection)) throw new Unsupported('the rule has no detection map');
  const det = detection as Record<string, unknown>;
  if (det.timeframe !== undefined) throw new Unsupported('detection.timeframe (a correlation window) is not supported');
  const notes = new Set<string>();
  const selections = new Map<string, string>();
  for (const [name, def] of Object.entries(det)) {
    if (name === 'condition') continue;
    selections.set(name, selectionExpr(source, name, def, notes));
  }
  const conds = Array.isArray(det.condition) ? det.condition : [det.condition];
  if (conds.length === 0 || conds.some((c) => typeof c !== 'string' || c.trim() === '')) throw new Unsupported('detection.condition is missing or not text');
  let condition: string;
  try {
    const parts = (conds as string[]).map((c) => conditionExpr(parseCondition(c), selections));
    condition = parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
  } catch (err) {
    if (err instanceof Unsupported) throw err;
    throw new Unsupported(`detection.condition: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (conds.length > 1) notes.add('several conditions were joined with "or"');

  const level = typeof doc.level === 'string' ? doc.level.toLowerCase() : '';
  const severity = (LEVELS.has(level) ? level : 'medium') as ConvertedRule['severity'];
  if (!LEVELS.has(level)) notes.add(`level "${String(doc.level ?? '')}" is not a Sigma level: severity set to medium`);
  const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string').map((t) => t.toLowerCase()) : [];
  const tactics = tags.filter((t) => t.startsWith('attack.') && TACTICS[t.slice(7).replace(/-/g, '_')]).map((t) => TACTICS[t.slice(7).replace(/-/g, '_')]!);
  const techniques = tags.filter((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)).map((t) => t.slice(7).toUpperCase());
  const mitre = techniques.map((t) => (tactics.length === 1 ? `${tactics[0]}:${t}` : t));
  const refs = Array.isArray(doc.references) ? doc.references.filter((r): r is string => typeof r === 'string') : [];
  const references = refs.filter((r) => /^https?:\/\/\S+$/.test(r));
  if (references.length < refs.length) notes.add(`${refs.length - references.length} reference(s) that are not URLs were left out`);
  if (doc.status === 'deprecated' || doc.status === 'unsupported') notes.add(`the Sigma rule's status is ${doc.status}`);

  const fps = Array.isArray(doc.falsepositives) ? doc.falsepositives.filter((f): f is string => typeof f === 'string') : [];
  const sigmaId = typeof doc.id === 'string' ? doc.id : null;
  const author = typeof doc.author === 'string' ? doc.author : null;
  const lines = [
    typeof doc.description === 'string' && doc.description.trim() !== '' ? doc.description.trim() : title,
    `Imported from Sigma${sigmaId ? ` rule ${sigmaId}` : ''} (${basename(file)})${author ? `, author ${author}` : ''}${typeof doc.license === 'string' ? `, licence ${doc.license}` : ''}.`,
  ];
  if (fps.length > 0) lines.push(`False positives: ${fps.join('; ')}.`);
  return {
    rule: {
      id: `sigma.${slug(title)}`,
      title: title.slice(0, 200),
      description: lines.join('\n').slice(0, 4000),
      severity,
      applies_to: { sources: [source.sluiceSource] },
      condition,
      mitre,
      references,
    },
    notes: [...notes],
  };
}
