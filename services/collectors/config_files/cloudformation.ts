/**
 * CloudFormation template (YAML with short-form tags already turned into long form, or JSON) ->
 * one IacResource per `Resources` entry: type = the CloudFormation type, configuration = its
 * `Properties`, relationships = the other resources it references (Ref, Fn::GetAtt, Fn::Sub,
 * DependsOn). Pure.
 */
import type { ConfigRelationship } from '../../core/model/config-state.ts';
import { isObj, setOwn, typeName, type Obj } from '../aws_config/config-state.ts';
import type { Positions } from './positions.ts';
import { iacTags, iacUid, type IacItem } from './resource.ts';

const TEMPLATE_KEYS = ['AWSTemplateFormatVersion', 'Transform', 'Description'] as const;

/** A template: `Resources` is a mapping, and the file says it is one or a resource has a `Type` like `AWS::S3::Bucket`. */
export function isCloudFormation(doc: unknown): doc is Obj {
  if (!isObj(doc) || !isObj(doc.Resources)) return false;
  if (Object.hasOwn(doc, 'AWSTemplateFormatVersion')) return true;
  return Object.values(doc.Resources).some((r) => isObj(r) && typeof r.Type === 'string' && /^[A-Za-z0-9]+::/.test(r.Type));
}

type Ref = { target: string; relation: 'Ref' | 'GetAtt' | 'Sub' | 'DependsOn' };

/** Resource names referenced in `${Name}` / `${Name.Attr}` of an Fn::Sub string (not `${!Literal}`, not `${AWS::...}`). */
function subRefs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) out.push(m[1]!.split('.')[0]!.trim());
  return out;
}

function collectRefs(value: unknown, out: Ref[], depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out, depth + 1);
    return;
  }
  if (!isObj(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'Ref' && typeof v === 'string') out.push({ target: v, relation: 'Ref' });
    else if (k === 'Fn::GetAtt') {
      if (Array.isArray(v) && typeof v[0] === 'string') out.push({ target: v[0], relation: 'GetAtt' });
      else if (typeof v === 'string') out.push({ target: v.split('.')[0]!, relation: 'GetAtt' });
    } else if (k === 'Fn::Sub') {
      const text = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null;
      if (text !== null) for (const t of subRefs(text)) out.push({ target: t, relation: 'Sub' });
    }
    collectRefs(v, out, depth + 1);
  }
}

export function readCloudFormation(doc: Obj, file: string, pos: Positions, basePath: ReadonlyArray<string | number> = []): IacItem[] {
  const resources = doc.Resources as Obj;
  const template: Obj = {};
  for (const k of TEMPLATE_KEYS) if (Object.hasOwn(doc, k)) setOwn(template, k, doc[k]);
  const items: IacItem[] = [];
  const resourcesPath = [...basePath, 'Resources'];

  for (const [logicalId, value] of Object.entries(resources)) {
    const line = pos.keyLineOf(resourcesPath, logicalId);
    const problem = (reason: string): void => {
      items.push({ kind: 'problem', problem: { reason: `Resources.${logicalId}: ${reason}`, line, raw: { [logicalId]: value } } });
    };
    if (!isObj(value)) {
      problem(`must be a mapping, got ${typeName(value)}`);
      continue;
    }
    const type = value.Type;
    if (typeof type !== 'string' || type.trim() === '') {
      problem(type === undefined ? 'Type is missing' : `Type must be a non-empty string, got ${typeName(type)}`);
      continue;
    }
    const properties = value.Properties ?? {};
    if (!isObj(properties)) {
      problem(`Properties must be a mapping, got ${typeName(properties)}`);
      continue;
    }

    const tags = properties.Tags;
    if (tags !== undefined && tags !== null && typeof tags !== 'object') {
      problem(`Properties.Tags must be a list or a mapping, got ${typeName(tags)}`);
      continue;
    }

    // Relationships: references to other resources of the template (not parameters, not AWS::*).
    const refs: Ref[] = [];
    collectRefs(properties, refs);
    const dependsOn = value.DependsOn;
    for (const d of Array.isArray(dependsOn) ? dependsOn : [dependsOn]) if (typeof d === 'string') refs.push({ target: d, relation: 'DependsOn' });
    const seen = new Set<string>();
    const relationships: ConfigRelationship[] = [];
    for (const ref of refs) {
      if (ref.target === logicalId || !Object.hasOwn(resources, ref.target)) continue;
      const k = `${ref.relation}:${ref.target}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const targetType = (resources[ref.target] as Obj | undefined)?.Type;
      relationships.push({
        uid: iacUid(file, ref.target),
        type: typeof targetType === 'string' ? targetType : null,
        name: ref.target,
        relation: ref.relation,
      });
    }

    // Condition, DependsOn, DeletionPolicy, UpdateReplacePolicy, Metadata, CreationPolicy, UpdatePolicy, ...
    const unmapped: Obj = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'Type' && k !== 'Properties') setOwn(unmapped, k, v);
    if (Object.keys(template).length) unmapped.template = template;
    items.push({
      kind: 'resource',
      resource: {
        id: logicalId,
        type,
        name: logicalId,
        configuration: properties,
        tags: iacTags(tags),
        relationships,
        line,
        unmapped,
        raw: { [logicalId]: value },
      },
    });
  }
  return items;
}
