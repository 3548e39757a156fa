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

/**
 * The columns every event table starts with. The row functions add theirs with Object.assign: on
 * Node 20 an object spread followed by more properties costs about 0.5 µs per added property.
 */
function common(time: number, uid: string, key: string, ingestedAt: number) {
  const t = clampTime(time);
  return { time: formatDateTime(t), date: formatDate(t), uid: s(uid), entity_key: s(key), ingested_at: formatDateTime(clampTime(ingestedAt)) };
}

function apiActivityRow(e: ApiActivity, key: string, now: number): Record<string, unknown> {
  return Object.assign(common(e.time, e.metadata.uid, key, now), {
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
  });
}

function configStateRow(e: ConfigState, key: string, now: number): Record<string, unknown> {
  return Object.assign(common(e.time, e.metadata.uid, key, now), {
    resource_type: s(e.resource.type),
    resource_name: s(e.resource.name),
    account_uid: s(e.resource.account_uid),
    region: s(e.resource.region),
    source: s(e.source),
    change_type: s(e.change_type),
    config_hash: s(e.configuration_hash),
    event_json: eventJson(e),
  });
}

/** A peer by identity, never by IP alone: workload path, else FQDN, else CIDR bucket, else its type. */
export function endpointIdentity(p: FlowEndpoint): string {
  const w = p.workload;
  if (w) return `${w.cluster}/${w.namespace ?? ''}/${w.kind}/${w.name}`;
  return p.fqdn ?? (p.cidr_bucket ? `cidr/${p.cidr_bucket}` : p.type);
}

function networkActivityRow(e: NetworkFlow, key: string, now: number): Record<string, unknown> {
  const bytes = (e.traffic?.bytes_in ?? 0) + (e.traffic?.bytes_out ?? 0);
  return Object.assign(common(e.time, e.metadata.uid, key, now), {
    src_namespace: s(e.src.workload?.namespace),
    src_workload: s(endpointIdentity(e.src)),
    dst_identity: s(endpointIdentity(e.dst)),
    dst_port: Math.min(65535, Math.max(0, e.dst.port ?? 0)),
    protocol: s(e.connection_info.protocol_name),
    direction: s(e.connection_info.direction),
    verdict: s(e.verdict),
    bytes: Math.max(0, Math.floor(bytes)),
    event_json: eventJson(e),
  });
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

/**
 * The event tables are written in TabSeparated, not JSONEachRow: event_json is JSON text, which
 * JSONEachRow would quote a second time (every `"` escaped, the text scanned again); in
 * TabSeparated only its backslashes are doubled. Every ClickHouse version reads it the same way.
 */
export const EVENT_FORMAT = 'TabSeparated';

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIAL_ALL = /[\\\t\n\r\0]/g;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/**
 * A String value in TabSeparated: backslash, tab, newline, carriage return and NUL escaped; ''
 * for null. Lone surrogates need no care here: the UTF-8 encoding of the body turns them into U+FFFD.
 */
export function tsvString(v: string | null | undefined): string {
  if (v == null) return '';
  return TSV_SPECIAL.test(v) ? v.replace(TSV_SPECIAL_ALL, (c) => TSV_ESCAPES[c]!) : v;
}

/** JSON text in TabSeparated: JSON.stringify escapes control characters, so only backslashes remain to double. */
function tsvJson(text: string): string {
  return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
}

/** time, date, uid, entity_key: the columns every event table starts with, each followed by a tab. */
function commonColumns(time: number, uid: string, key: string): string {
  const t = clampTime(time);
  const dt = formatDateTime(t);
  return `${dt}\t${dt.slice(0, 10)}\t${tsvString(uid)}\t${tsvString(key)}\t`;
}

/**
 * One TabSeparated line (with its newline) of the stream's table, columns in EVENT_COLUMNS order:
 * the values of eventRow(), written straight into the line (no row object; event_json is
 * stringified once). `now` may be the ingestion time already formatted (formatDateTime), as
 * writeEvents passes it.
 */
export function encodeEventRow<S extends StoredStream>(stream: S, event: StreamEvents[S], key: string, now: number | string): string {
  const at = typeof now === 'string' ? now : formatDateTime(clampTime(now));
  const t = tsvString;
  switch (stream) {
    case 'activity': {
      const e = event as ApiActivity;
      return (
        `${commonColumns(e.time, e.metadata.uid, key)}${t(e.actor.user.uid)}\t${t(e.actor.user.type)}\t${t(e.cloud.account_uid ?? e.actor.user.account_uid)}\t` +
        `${t(e.cloud.provider)}\t${t(e.cloud.region)}\t${t(e.api.service_name)}\t${t(e.api.operation)}\t${t(e.status)}\t${t(e.status_code)}\t` +
        `${t(e.src_endpoint.ip)}\t${t(e.user_agent)}\t${t(e.metadata.product_name)}\t${tsvJson(eventJson(e))}\t${at}\n`
      );
    }
    case 'config': {
      const e = event as ConfigState;
      return (
        `${commonColumns(e.time, e.metadata.uid, key)}${t(e.resource.type)}\t${t(e.resource.name)}\t${t(e.resource.account_uid)}\t${t(e.resource.region)}\t` +
        `${t(e.source)}\t${t(e.change_type)}\t${t(e.configuration_hash)}\t${tsvJson(eventJson(e))}\t${at}\n`
      );
    }
    default: {
      const e = event as NetworkFlow;
      const bytes = Math.max(0, Math.floor((e.traffic?.bytes_in ?? 0) + (e.traffic?.bytes_out ?? 0)));
      const port = Math.min(65535, Math.max(0, e.dst.port ?? 0));
      return (
        `${commonColumns(e.time, e.metadata.uid, key)}${t(e.src.workload?.namespace)}\t${t(endpointIdentity(e.src))}\t${t(endpointIdentity(e.dst))}\t` +
        `${Number.isFinite(port) ? Math.trunc(port) : 0}\t${t(e.connection_info.protocol_name)}\t${t(e.connection_info.direction)}\t${t(e.verdict)}\t` +
        `${Number.isFinite(bytes) ? bytes : 0}\t${tsvJson(eventJson(e))}\t${at}\n`
      );
    }
  }
}
