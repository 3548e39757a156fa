/**
 * Tetragon `process_exec` / `process_exit` -> OCSF Process Activity (1007) on the `process`
 * stream: the process and its parent (binary, masked arguments, cwd, uid, exec id, pids), the
 * ancestors' binaries, the container and the pod's workload with its application and version
 * (pod.ts, the same as the flows of the pod), keyed like those flows. Pure: no I/O, no clock.
 */
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import { DEFAULT_APPLICATION_RULES } from '../../core/model/network-flow.ts';
import { binaryName, processActivityHeader, processKey, type ProcessContainer, type ProcessEntity, type ProcessEvent } from '../../core/model/process-event.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { cappedJson, cappedRaw, clip, isObj, malformed, optInt, optObject, optString, type Obj } from '../fields.ts';
import { clusterFromNodeName } from '../hubble_flows/workload.ts';
import { maskArguments, maskRecordArguments } from './arguments.ts';
import type { TetragonNormalizeOptions } from './normalize.ts';
import { workloadOf } from './pod.ts';

/** The Tetragon event types that become process events. */
export const PROCESS_EVENT_TYPES: ReadonlySet<string> = new Set(['process_exec', 'process_exit']);

/** Default cap on the ancestors' binaries kept (Tetragon sends them with --enable-ancestors). */
export const DEFAULT_MAX_ANCESTORS = 8;

export interface TetragonProcessOptions extends TetragonNormalizeOptions {
  /** Ancestors beyond the parent kept (binaries); default 8. */
  maxAncestors?: number;
}

/** Keys of a Tetragon Process mapped to the entity; the rest of it goes to unmapped. */
const MAPPED = new Set(['binary', 'arguments', 'cwd', 'uid', 'exec_id', 'pid', 'start_time', 'flags', 'pod']);

function timeOf(text: string | null, path: string): number | null {
  if (text === null) return null;
  const t = parseTimestamp(text);
  if (t === null) malformed(`${path} "${clip(text)}" is not an RFC 3339 date-time`);
  return t;
}

/** A Tetragon Process as an entity; `rest` holds its unmapped fields (auid, refcnt, docker, parent_exec_id, cap, ns...). */
function entityOf(p: Obj, path: string): { entity: ProcessEntity; rest: Obj } {
  const binary = optString(p, 'binary', `${path}.binary`);
  if (binary === null || binary === '') malformed(`${path}.binary is missing`);
  const args = optString(p, 'arguments', `${path}.arguments`);
  const pod = optObject(p, 'pod', `${path}.pod`);
  const container = pod ? optObject(pod, 'container', `${path}.pod.container`) : null;
  const rest: Obj = {};
  for (const [k, v] of Object.entries(p)) if (!MAPPED.has(k)) rest[k] = v;
  return {
    entity: {
      binary,
      name: binaryName(binary),
      args: args === null || args === '' ? null : maskArguments(args),
      cwd: optString(p, 'cwd', `${path}.cwd`),
      uid: optInt(p, 'uid', `${path}.uid`, { min: 0, max: 0xffffffff }),
      exec_id: optString(p, 'exec_id', `${path}.exec_id`),
      pid: optInt(p, 'pid', `${path}.pid`, { min: 0, max: 0xffffffff }),
      container_pid: container ? optInt(container, 'pid', `${path}.pod.container.pid`, { min: 0, max: 0xffffffff }) : null,
      start_time: timeOf(optString(p, 'start_time', `${path}.start_time`), `${path}.start_time`),
      flags: optString(p, 'flags', `${path}.flags`),
    },
    rest,
  };
}

function containerOf(pod: Obj | null): ProcessContainer | null {
  const c = pod ? optObject(pod, 'container', 'process.pod.container') : null;
  if (!c) return null;
  const image = optObject(c, 'image', 'process.pod.container.image');
  return {
    name: optString(c, 'name', 'process.pod.container.name'),
    uid: optString(c, 'id', 'process.pod.container.id'),
    image: image ? optString(image, 'name', 'process.pod.container.image.name') : null,
    image_id: image ? optString(image, 'id', 'process.pod.container.image.id') : null,
  };
}

/**
 * Normalizes a Tetragon `process_exec` (Launch) or `process_exit` (Terminate) record (its type
 * is `type`, from tetragonEventType) to a ProcessEvent and its stream key.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field (no time, no process binary, a pod without a name, ...).
 */
export function normalizeTetragonProcess(record: Obj, type: string, opts: TetragonProcessOptions = {}): { key: string; event: ProcessEvent } {
  const body = record[type];
  if (!isObj(body) || !PROCESS_EVENT_TYPES.has(type)) malformed(`${type} is not a process execution or exit`);
  const procObj = optObject(body, 'process', `${type}.process`);
  if (!procObj) malformed(`${type}.process is missing`);
  const proc = entityOf(procObj, `${type}.process`);
  // An exec without a time (Tetragon's own test data has one) happened when the process started.
  const timeText = optString(record, 'time', 'time') ?? (type === 'process_exec' ? optString(procObj, 'start_time', `${type}.process.start_time`) : null);
  if (timeText === null) malformed(`${type} without a time`);
  const time = timeOf(timeText, 'time')!;
  const parentObj = optObject(body, 'parent', `${type}.parent`);
  const parent = parentObj && typeof parentObj.binary === 'string' && parentObj.binary !== '' ? entityOf(parentObj, `${type}.parent`) : null;
  const max = opts.maxAncestors ?? DEFAULT_MAX_ANCESTORS;
  const ancestorsRaw = Array.isArray(body.ancestors) ? body.ancestors : [];
  const ancestors = ancestorsRaw
    .map((a) => (isObj(a) && typeof a.binary === 'string' && a.binary !== '' ? a.binary : null))
    .filter((b): b is string => b !== null)
    .slice(0, max);

  const nodeName = optString(record, 'node_name', 'node_name');
  const cluster = opts.cluster ?? (nodeName ? clusterFromNodeName(nodeName) : null) ?? 'unknown';
  const pod = optObject(procObj, 'pod', `${type}.process.pod`);
  const rules = opts.application === undefined ? DEFAULT_APPLICATION_RULES : opts.application;
  const w = pod ? workloadOf(pod, cluster, rules) : null;
  const exit =
    type === 'process_exit'
      ? { code: optInt(body, 'status', 'process_exit.status', { min: 0, max: 0xffffffff }), signal: optString(body, 'signal', 'process_exit.signal') || null }
      : null;

  const extra: Obj = {};
  for (const [k, v] of Object.entries(body)) if (!['process', 'parent', 'ancestors', 'status', 'signal'].includes(k)) extra[k] = v;
  const unmapped: Obj = {
    event_type: type,
    ...extra,
    process: proc.rest,
    ...(parent && Object.keys(parent.rest).length ? { parent: parent.rest } : {}),
    ...(ancestorsRaw.length > ancestors.length ? { ancestors_dropped: ancestorsRaw.length - ancestors.length } : {}),
    ...(w ? { pod: w.rest } : {}),
  };
  const event: ProcessEvent = {
    ...processActivityHeader(type === 'process_exec' ? 'Launch' : 'Terminate'),
    time,
    metadata: {
      uid: stableRecordUid(record),
      version: OCSF_VERSION,
      product_name: 'Tetragon',
      vendor_name: 'Cilium',
      log_name: type,
      original_time: timeText,
      source: 'tetragon',
    },
    process: proc.entity,
    parent: parent?.entity ?? null,
    ancestors,
    workload: w?.workload ?? null,
    container: containerOf(pod),
    cluster,
    node_name: nodeName,
    exit,
    unmapped: cappedJson(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: cappedRaw(JSON.stringify(maskRecordArguments(record)), opts.rawCapBytes ?? RAW_CAP_BYTES),
  };
  return { key: processKey(event), event };
}
