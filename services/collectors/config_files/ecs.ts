/**
 * ECS task definitions as `aws ecs register-task-definition --cli-input-json` takes them (and the
 * `{ "taskDefinition": … }` that describe-task-definition prints): one IacResource of type
 * AWS::ECS::TaskDefinition, id = the family, configuration = the task definition (API
 * spelling: containerDefinitions, networkMode, pidMode, …). Pure.
 */
import { isObj, typeName, type Obj } from '../aws_config/config-state.ts';
import type { NodePath, Positions } from './positions.ts';
import { iacTags, type IacItem } from './resource.ts';

function inner(doc: Obj): { def: Obj; path: NodePath } | null {
  if (Array.isArray(doc.containerDefinitions)) return { def: doc, path: [] };
  if (isObj(doc.taskDefinition) && Array.isArray(doc.taskDefinition.containerDefinitions)) return { def: doc.taskDefinition, path: ['taskDefinition'] };
  return null;
}

/** A task definition in the ECS API's JSON: containerDefinitions (a list) with a family or container names. */
export function isEcsTaskDefinitionJson(doc: unknown): doc is Obj {
  if (!isObj(doc)) return false;
  const d = inner(doc);
  if (!d) return false;
  return typeof d.def.family === 'string' || (d.def.containerDefinitions as unknown[]).some((c) => isObj(c) && typeof c.name === 'string' && typeof c.image === 'string');
}

export function readEcsTaskDefinition(doc: Obj, pos: Positions, basePath: NodePath = []): IacItem[] {
  const d = inner(doc)!;
  const path = [...basePath, ...d.path];
  const line = pos.lineOf(path);
  const family = typeof d.def.family === 'string' && d.def.family !== '' ? d.def.family : 'task-definition';
  const bad = (d.def.containerDefinitions as unknown[]).findIndex((c) => !isObj(c));
  if (bad >= 0) {
    const c = (d.def.containerDefinitions as unknown[])[bad];
    return [{ kind: 'problem', problem: { reason: `${family}: containerDefinitions[${bad}] must be an object, got ${typeName(c)}`, line: pos.lineOf([...path, 'containerDefinitions', bad]) ?? line, raw: c } }];
  }
  const tags = Array.isArray(d.def.tags) ? d.def.tags : Array.isArray(doc.tags) ? doc.tags : undefined;
  return [
    {
      kind: 'resource',
      resource: {
        id: family,
        type: 'AWS::ECS::TaskDefinition',
        name: family,
        configuration: d.def,
        tags: iacTags(tags),
        relationships: [],
        line,
        unmapped: {},
        raw: d.def,
      },
    },
  ];
}
