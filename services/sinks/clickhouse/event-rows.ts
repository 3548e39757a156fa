import type { ApiActivity } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import type { FlowEndpoint, NetworkFlow } from '../../core/model/network-flow.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';
import { formatDate, formatDateTime, stringifyWellFormed, toWellFormed } from './sql.ts';

/** The streams stored as event tables, and their table. Others (object chunks, inventories) are not stored. */
export const EVENT_TABLES = { activity: 'api_activity', config: 'config_state', flow: 'network_activity' } as const satisfies Partial<Record<StreamName, string>>;
export type StoredStream = keyof typeof EVENT_TABLES;

export function isStoredStream(stream: StreamName): stream is StoredStream {
  return stream in EVENT_TABLES;
}

/** Column order of each table, for the INSERT column list. */
export const EVENT_COLUMNS: Record<StoredStream, readonly string[]> = {
  activity: ['time', 'date', 'uid', 'entity_key', 'principal', 'principal_type', 'account_uid', 'provider', 'region', 'service', 'operation', 'status', 'error_code', 'src_ip', 'user_agent', 'product', 'event_json', 'ingested_at'],
  config: ['time', 'date', 'uid', 'entity_key', 'resource_type', 'resource_name', 'account_uid', 'region', 'source', 'change_type', 'config_hash', 'event_json', 'ingested_at'],
  flow: ['time', 'date', 'uid', 'entity_key', 'src_namespace', 'src_workload', 'dst_identity', 'dst_port', 'protocol', 'direction', 'verdict', 'bytes', 'event_json', 'ingested_at'],
};

const MAX_DATETIME_MS = 4_294_967_295_000;

/** Event time clamped into DateTime's range (1970..2106): an event is stored, never refused for its clock. */
function clampTime(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_DATETIME_MS, Math.max(0, Math.floor(ms))) : 0;
}

const s = (v: string | null | undefined): string => (v == null ? '' : toWellFormed(v));

/** Drops the raw record from the stored JSON (it is in the topic and can be large); Buffers as base64. */
function eventJson(event: object): string {
  return stringifyWellFormed({ ...event, raw_data: undefined });
}

function common(time: number, uid: string, key: string, ingestedAt: number) {
  const t = clampTime(time);
  return { time: formatDateTime(t), date: formatDate(t), uid: s(uid), entity_key: s(key), ingested_at: formatDateTime(clampTime(ingestedAt)) };
}

function apiActivityRow(e: ApiActivity, key: string, now: number): Record<string, unknown> {
  return {
    ...common(e.time, e.metadata.uid, key, now),
    principal: s(e.actor.user.uid),
    principal_type: s(e.actor.user.type),
    account_uid: s(e.cloud.account_uid ?? e.actor.user.account_uid),
    provider: s(e.cloud.provider),
    region: s(e.cloud.region),
    service: s(e.api.service_name),
    operation: s(e.api.operation),
    status: s(e.status),
    error_code: s(e.status_code),
    src_ip: s(e.src_endpoint.ip),
    user_agent: s(e.user_agent),
    product: s(e.metadata.product_name),
    event_json: eventJson(e),
  };
}

function configStateRow(e: ConfigState, key: string, now: number): Record<string, unknown> {
  return {
    ...common(e.time, e.metadata.uid, key, now),
    resource_type: s(e.resource.type),
    resource_name: s(e.resource.name),
    account_uid: s(e.resource.account_uid),
    region: s(e.resource.region),
    source: s(e.source),
    change_type: s(e.change_type),
    config_hash: s(e.configuration_hash),
    event_json: eventJson(e),
  };
}

/** A peer by identity, never by IP alone: workload path, else FQDN, else CIDR bucket, else its type. */
export function endpointIdentity(p: FlowEndpoint): string {
  const w = p.workload;
  if (w) return `${w.cluster}/${w.namespace ?? ''}/${w.kind}/${w.name}`;
  return p.fqdn ?? (p.cidr_bucket ? `cidr/${p.cidr_bucket}` : p.type);
}

function networkActivityRow(e: NetworkFlow, key: string, now: number): Record<string, unknown> {
  const bytes = (e.traffic?.bytes_in ?? 0) + (e.traffic?.bytes_out ?? 0);
  return {
    ...common(e.time, e.metadata.uid, key, now),
    src_namespace: s(e.src.workload?.namespace),
    src_workload: s(endpointIdentity(e.src)),
    dst_identity: s(endpointIdentity(e.dst)),
    dst_port: Math.min(65535, Math.max(0, e.dst.port ?? 0)),
    protocol: s(e.connection_info.protocol_name),
    direction: s(e.connection_info.direction),
    verdict: s(e.verdict),
    bytes: Math.max(0, Math.floor(bytes)),
    event_json: eventJson(e),
  };
}

/** One JSONEachRow line of the stream's table. */
export function eventRow<S extends StoredStream>(stream: S, event: StreamEvents[S], key: string, now: number): Record<string, unknown> {
  switch (stream) {
    case 'activity':
      return apiActivityRow(event as ApiActivity, key, now);
    case 'config':
      return configStateRow(event as ConfigState, key, now);
    default:
      return networkActivityRow(event as NetworkFlow, key, now);
  }
}
