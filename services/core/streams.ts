import type { ApiActivity } from './events.ts';
import { SCHEMA_NAMES } from './events.ts';
import type { SluiceConfig } from './config.ts';
import type { ConfigState } from './model/config-state.ts';
import type { NetworkFlow } from './model/network-flow.ts';
import type { ObjectChunk } from './model/object-chunk.ts';
import type { ImageInventory } from './model/image-inventory.ts';
import type { Advisory } from './model/advisory.ts';
import type { ProcessEvent } from './model/process-event.ts';

/** The normalized event type of each logical stream. Each stream has one topic and one Avro schema. */
export interface StreamEvents {
  activity: ApiActivity;
  config: ConfigState;
  flow: NetworkFlow;
  object_chunk: ObjectChunk;
  image_inventory: ImageInventory;
  advisory: Advisory;
  process: ProcessEvent;
}

export type StreamName = keyof StreamEvents;

type TopicKey = Exclude<keyof SluiceConfig['topics'], 'partitions' | 'findings' | 'deadLetter' | 'actions' | 'enforcement' | 'control' | 'rescan'>;

/** Per stream: its Avro record name, the topics-config key naming its topic, and what it is keyed by. */
export const STREAMS: { readonly [S in StreamName]: { schema: string; topic: TopicKey; key: string } } = {
  activity: { schema: SCHEMA_NAMES.apiActivity, topic: 'activity', key: 'principal (actor.user.uid)' },
  config: { schema: SCHEMA_NAMES.configState, topic: 'config', key: 'resource uid' },
  flow: { schema: SCHEMA_NAMES.networkActivity, topic: 'flow', key: 'source workload identity' },
  object_chunk: { schema: SCHEMA_NAMES.objectChunk, topic: 'objectChunk', key: 'object reference (store/bucket/key)' },
  image_inventory: { schema: SCHEMA_NAMES.imageInventory, topic: 'imageInventory', key: 'image digest; its per-package records by package (ecosystem/name)' },
  advisory: { schema: SCHEMA_NAMES.advisory, topic: 'advisory', key: 'package (ecosystem/name)' },
  process: { schema: SCHEMA_NAMES.processActivity, topic: 'process', key: 'application (the key of its flows)' },
};

export function topicFor(stream: StreamName, topics: SluiceConfig['topics']): string {
  return topics[STREAMS[stream].topic];
}
