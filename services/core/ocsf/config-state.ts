import type { ConfigState } from '../model/config-state.ts';
import { cloudObject, compact, eventHeader, eventMetadata, unmappedObject, type OcsfObject } from './common.ts';

const ACTIVITY_CAPTIONS: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Log', 2: 'Collect', 99: 'Other' };

/** The cloud a configuration belongs to: AWS Config and CloudFormation are AWS, ARM is Azure, Kubernetes objects Kubernetes. */
function providerOf(e: ConfigState): string | null {
  if (e.source === 'aws_config') return 'AWS';
  if (e.source === 'k8s') return 'Kubernetes';
  switch (e.location?.format) {
    case 'cloudformation':
    case 'ecs_task_definition':
      return 'AWS';
    case 'arm':
      return 'Azure';
    case 'kubernetes':
      return 'Kubernetes';
    default:
      return null;
  }
}

function parseConfiguration(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A configuration item or IaC resource as OCSF 1.8.0 Cloud Resources Inventory Info (5023): the
 * resource as `resources[0]` with its configuration as `data`, tags and region; the change type,
 * hash, status, relationships and file location under `unmapped`.
 */
export function configStateToOcsf(e: ConfigState): OcsfObject {
  const provider = providerOf(e);
  const r = e.resource;
  return compact({
    ...eventHeader(e.class_uid, e.category_uid, e.activity_id, ACTIVITY_CAPTIONS, 1, e.time),
    metadata: eventMetadata(e.metadata, provider ? ['cloud'] : []),
    cloud: cloudObject(provider, r.region, r.account_uid),
    resources: [
      {
        uid: r.uid,
        name: r.name,
        type: r.type,
        region: provider ? r.region : null,
        tags: r.tags.map((t) => ({ name: t.key, value: t.value ?? '' })),
        data: parseConfiguration(e.configuration),
      },
    ],
    unmapped: unmappedObject(e.unmapped, {
      change_type: e.change_type,
      source: e.source,
      configuration_hash: e.configuration_hash,
      status: e.status,
      relationships: e.relationships.length > 0 ? e.relationships : null,
      location: e.location,
    }),
    raw_data: e.raw_data,
  });
}
