import type { EventMetadata } from '../events.ts';
import type { FlowWorkload } from './network-flow.ts';
import { workloadKey } from './network-flow.ts';

/**
 * OCSF Process Activity (1007): a process started (Launch) or ended (Terminate) in a container or
 * on a node, with its parent chain and the pod's application identity. Avro:
 * schemas/avro/process_event.v1.avsc (sluice.ocsf.ProcessActivity). Stream: `process`, keyed by
 * application (processKey), the same key as the flows of that application, so one thread holds
 * both. Processes are identified by binary path, never by pid or IP: pids are attributes.
 */
export interface ProcessEvent {
  class_uid: number;
  category_uid: number;
  activity_id: ProcessActivityId;
  activity_name: string;
  type_uid: number;
  severity_id: number;
  /** Event time, epoch ms. */
  time: number;
  metadata: EventMetadata;
  process: ProcessEntity;
  /** The immediate parent, when the source names it. */
  parent: ProcessEntity | null;
  /** Binaries of the ancestors beyond the parent, the parent's parent first (Tetragon `ancestors`), at most the collector's cap. */
  ancestors: string[];
  /** The pod's workload, with the application and version the flows of the same pod carry; null for a node process. */
  workload: FlowWorkload | null;
  /** Container inside the pod, when known. */
  container: ProcessContainer | null;
  cluster: string;
  node_name: string | null;
  /** Terminate only: how the process ended. */
  exit: { code: number | null; signal: string | null } | null;
  /** JSON object text of source fields not mapped above. */
  unmapped: string;
  /** Raw record as JSON text with the arguments masked, or null when it exceeded the cap. */
  raw_data: string | null;
}

export interface ProcessEntity {
  /** Executable path as executed, e.g. `/usr/bin/nc`. The process identity. */
  binary: string;
  /** File name of `binary` (`nc`). */
  name: string;
  /** Command-line arguments (without argv[0]) with secrets masked; null when absent. */
  args: string | null;
  cwd: string | null;
  /** Real user id. */
  uid: number | null;
  /** Source's unique process execution id (Tetragon exec_id). */
  exec_id: string | null;
  /** Host pid: an attribute, never an identity. */
  pid: number | null;
  /** Pid inside the container's pid namespace (1: the container's first process, its entrypoint). */
  container_pid: number | null;
  /** Process start, epoch ms. */
  start_time: number | null;
  /** Source flags, e.g. `execve rootcwd clone`. */
  flags: string | null;
}

export interface ProcessContainer {
  name: string | null;
  /** Runtime container id, e.g. `containerd://19a0…`. */
  uid: string | null;
  /** Image reference as the runtime reports it (`docker.io/cilium/starwars:latest`). */
  image: string | null;
  /** Image id with digest (`docker.io/cilium/starwars@sha256:…`). */
  image_id: string | null;
}

export const PROCESS_ACTIVITY_CLASS_UID = 1007;
export const PROCESS_ACTIVITY_CATEGORY_UID = 1;

/** OCSF 1.8.0 Process Activity activity ids (the ones Sluice emits). */
export const PROCESS_ACTIVITY = { Unknown: 0, Launch: 1, Terminate: 2 } as const;
export type ProcessActivityName = keyof typeof PROCESS_ACTIVITY;
export type ProcessActivityId = (typeof PROCESS_ACTIVITY)[ProcessActivityName];

/** The fields every Process Activity opens with: class, category, activity and type uid, severity Informational. */
export function processActivityHeader(activity: ProcessActivityName): Pick<ProcessEvent, 'class_uid' | 'category_uid' | 'activity_id' | 'activity_name' | 'type_uid' | 'severity_id'> {
  const id = PROCESS_ACTIVITY[activity];
  return {
    class_uid: PROCESS_ACTIVITY_CLASS_UID,
    category_uid: PROCESS_ACTIVITY_CATEGORY_UID,
    activity_id: id,
    activity_name: activity,
    type_uid: PROCESS_ACTIVITY_CLASS_UID * 100 + id,
    severity_id: 1,
  };
}

/** File name of a binary path (`/usr/bin/nc` -> `nc`). */
export function binaryName(binary: string): string {
  const i = binary.lastIndexOf('/');
  return i >= 0 && i < binary.length - 1 ? binary.slice(i + 1) : binary;
}

/**
 * The stream key of a process event, the same as the flows of its pod: `<cluster>/<namespace>/app/<app>`
 * (else the controller `<cluster>/<namespace>/<kind>/<name>`); a node process `<cluster>/-/reserved/host`.
 */
export function processKey(e: Pick<ProcessEvent, 'workload' | 'cluster'>): string {
  return e.workload ? workloadKey(e.workload) : `${e.cluster}/-/reserved/host`;
}
