/**
 * An ajv set up to validate Kubernetes objects the way the API server's strict field validation
 * (`kubectl apply --validate=strict`, the default `fieldValidation=Strict` of server-side apply)
 * does, from official OpenAPI v3 schemas:
 *
 * - Structural objects are closed: an object schema with `properties` gets
 *   `additionalProperties: false` unless it declares `additionalProperties` or
 *   `x-kubernetes-preserve-unknown-fields: true` (the API server prunes or, strictly, rejects
 *   unknown fields). Only the structural positions are closed (properties, items,
 *   additionalProperties), never the value-validation branches of allOf/anyOf/oneOf/not.
 * - `pattern` is Go regexp syntax (RE2, e.g. `\\PC`), so patterns run on RE2 (@bufbuild/re2).
 * - Formats the API server checks: `cidr`, `date-time`; `int32`/`int64` as integer ranges;
 *   `int-or-string` (the schema's oneOf carries the types) and `idn-hostname` (not in the API
 *   server's format list, so not checked there) are accepted as they are.
 * - `x-kubernetes-validations`: each CEL rule is evaluated (@bufbuild/cel) with `self` bound to the
 *   value; transition rules (those using `oldSelf`) are skipped, as on create.
 * - `x-kubernetes-list-type: set` / `map` (with `x-kubernetes-list-map-keys`): items, or their
 *   keys, are unique.
 * - The other `x-kubernetes-*` extensions are annotations.
 */
import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { isCelError, run } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { Ajv, type ErrorObject, type Options, type SchemaValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule.default;

/** A JSON schema node (OpenAPI v3 schema object). */
export type SchemaNode = { [keyword: string]: unknown };

const isNode = (x: unknown): x is SchemaNode => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A deep copy of `node` with its structural objects closed (see the module comment). */
export function closeStructural(node: SchemaNode): SchemaNode {
  const out: SchemaNode = { ...node };
  if (isNode(node.properties)) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, isNode(v) ? closeStructural(v) : v]));
    if (node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (isNode(node.items)) out.items = closeStructural(node.items);
  if (isNode(node.additionalProperties)) out.additionalProperties = closeStructural(node.additionalProperties);
  return out;
}

/** A deep copy of `value` with every `$ref` passed through `map`. */
export function mapRefs(value: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, map));
  if (!isNode(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? map(v) : mapRefs(v, map)]));
}

/** Go's net.ParseCIDR: an IPv4 or IPv6 address and a prefix length in range. */
export function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  return family === 4 ? bits <= 32 : family === 6 ? bits <= 128 : false;
}

interface CelRule {
  rule: string;
  message?: string;
}

const celRules: SchemaValidateFunction = (rules: CelRule[], data: unknown): boolean => {
  const errors: Array<Partial<ErrorObject>> = [];
  for (const r of rules) {
    if (/\boldSelf\b/.test(r.rule)) continue;
    const result = run(r.rule, { self: data as never });
    if (result === true) continue;
    errors.push({ keyword: 'x-kubernetes-validations', message: isCelError(result) ? `CEL rule ${r.rule} cannot be evaluated: ${result.message}` : (r.message ?? `failed CEL rule ${r.rule}`), params: { rule: r.rule } });
  }
  celRules.errors = errors;
  return errors.length === 0;
};

const listType: SchemaValidateFunction = (type: string, data: unknown, parent?: SchemaNode): boolean => {
  if (!Array.isArray(data) || (type !== 'set' && type !== 'map')) return true;
  const keys = type === 'map' && Array.isArray(parent?.['x-kubernetes-list-map-keys']) ? (parent['x-kubernetes-list-map-keys'] as string[]) : undefined;
  const identity = (item: unknown): unknown => (keys && isNode(item) ? keys.map((k) => item[k]) : item);
  for (let i = 0; i < data.length; i++) {
    for (let j = 0; j < i; j++) {
      if (isDeepStrictEqual(identity(data[i]), identity(data[j]))) {
        listType.errors = [{ keyword: 'x-kubernetes-list-type', message: `items ${j} and ${i} are duplicates in a list of type ${type}`, params: { type } }];
        return false;
      }
    }
  }
  return true;
};

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

/** ajv's regular-expression engine: RE2, the syntax and semantics of the API server's Go regexp. */
const re2: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    // ajv keys its compiled patterns by toString(): it must tell patterns apart.
    return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 'RE2JS.compile' },
);

const ANNOTATIONS = [
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
];

/** A new ajv for Kubernetes OpenAPI v3 schemas (all errors, unknown keywords rejected). */
export function kubernetesAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strictSchema: true, strictRequired: false, strictTypes: false, validateFormats: true, code: { regExp: re2 } });
  addFormats(ajv, ['date-time']);
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('int-or-string', true);
  ajv.addFormat('idn-hostname', true);
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array', validate: celRules, errors: true });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', schemaType: 'string', validate: listType, errors: true });
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword });
  return ajv;
}
