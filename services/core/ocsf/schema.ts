import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The OCSF release Sluice emits, and the official compiled schema of that release
 * (schemas/ocsf/ocsf-1.8.0.compiled.json, Apache-2.0, copied unchanged from ocsf/ocsf-schema).
 */
export const OCSF_SCHEMA_VERSION = '1.8.0';

export const OCSF_SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/ocsf/ocsf-1.8.0.compiled.json', import.meta.url));

/** One attribute of a class or object, as the compiled schema describes it. */
export interface OcsfAttribute {
  readonly caption?: string;
  readonly type: string;
  readonly object_type?: string;
  readonly is_array?: boolean;
  readonly requirement?: 'required' | 'recommended' | 'optional';
  readonly enum?: Readonly<Record<string, { readonly caption?: string }>>;
  readonly sibling?: string;
  readonly profiles?: readonly string[] | null;
}

export interface OcsfConstraints {
  readonly at_least_one?: readonly string[];
  readonly just_one?: readonly string[];
}

/** A class or object: its attributes and constraints. */
export interface OcsfType {
  readonly name: string;
  readonly caption?: string;
  readonly uid?: number;
  readonly category_uid?: number;
  readonly attributes: Readonly<Record<string, OcsfAttribute>>;
  readonly constraints?: OcsfConstraints | null;
  readonly profiles?: readonly string[] | null;
}

export interface OcsfScalarType {
  readonly type?: string;
  readonly regex?: string;
  readonly max_len?: number;
  readonly range?: readonly [number, number];
  readonly values?: readonly unknown[];
}

export interface OcsfSchema {
  readonly version: string;
  readonly classes: Readonly<Record<string, OcsfType>>;
  readonly objects: Readonly<Record<string, OcsfType>>;
  readonly profiles: Readonly<Record<string, unknown>>;
  readonly dictionary: { readonly types: { readonly attributes: Readonly<Record<string, OcsfScalarType>> } };
}

let loaded: OcsfSchema | undefined;

/** The compiled schema, read once (3.5 MB; only validation and the docs need it). */
export function ocsfSchema(): OcsfSchema {
  loaded ??= JSON.parse(readFileSync(OCSF_SCHEMA_FILE, 'utf8')) as OcsfSchema;
  return loaded;
}
