import { parseImageReference } from '../model/image-inventory.ts';
import { binaryName, type ProcessEntity, type ProcessEvent } from '../model/process-event.ts';
import { compact, eventHeader, eventMetadata, unmappedObject, type OcsfObject } from './common.ts';

const ACTIVITY_CAPTIONS: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Launch', 2: 'Terminate', 3: 'Open', 4: 'Inject', 5: 'Set User ID', 99: 'Other' };

/** `cmd_line`: the binary and its (already masked) arguments. */
function cmdLine(p: ProcessEntity): string {
  return p.args ? `${p.binary} ${p.args}` : p.binary;
}

/** An OCSF `process`: file, command line, execution id as `uid`, pids, user, working directory. */
function processObject(p: ProcessEntity, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: p.name,
    uid: p.exec_id,
    pid: p.pid,
    namespace_pid: p.container_pid,
    cmd_line: cmdLine(p),
    created_time: p.start_time,
    working_directory: p.cwd,
    file: { name: p.name, path: p.binary, type_id: 1, type: 'Regular File' },
    user: p.uid !== null ? { uid: String(p.uid) } : null,
    ...extra,
  };
}

/** An OCSF `container` from the process's container and pod (image needs its id: it is left out without one). */
function containerObject(e: ProcessEvent): Record<string, unknown> | null {
  const c = e.container;
  if (!c || (c.name === null && c.uid === null)) return null;
  const w = e.workload;
  const ref = c.image ? parseImageReference(c.image) : null;
  return {
    name: c.name,
    uid: c.uid,
    image: c.image_id ? { uid: c.image_id, name: ref?.repository ?? w?.image_repository ?? c.image, tag: ref?.tag ?? null } : null,
    orchestrator: w ? 'Kubernetes' : null,
  };
}

/**
 * A normalized process event as OCSF 1.8.0 Process Activity (1007): `process` (with its
 * container, its parent as `parent_process` and the chain as `ancestry`, parent first), the parent
 * as `actor.process`, the node as `device`. The pod's workload and application identity stay in
 * `unmapped.workload`.
 */
export function processActivityToOcsf(e: ProcessEvent): OcsfObject {
  const parent = e.parent ? processObject(e.parent) : null;
  const ancestry = [
    ...(e.parent ? [{ name: e.parent.name, uid: e.parent.exec_id, pid: e.parent.pid, path: e.parent.binary, cmd_line: cmdLine(e.parent), created_time: e.parent.start_time }] : []),
    ...e.ancestors.map((b) => ({ name: binaryName(b), path: b })),
  ];
  const launch = e.activity_id === 1;
  // The container profile defines process.container and the *.namespace_pid attributes.
  const inContainer = e.container !== null || e.process.container_pid !== null || e.parent?.container_pid != null;
  return compact({
    ...eventHeader(e.class_uid, e.category_uid, e.activity_id, ACTIVITY_CAPTIONS, e.severity_id, e.time),
    metadata: eventMetadata(e.metadata, inContainer ? ['container'] : []),
    process: processObject(e.process, {
      container: containerObject(e),
      parent_process: parent,
      ancestry: ancestry.length ? ancestry : null,
      terminated_time: e.exit ? e.time : null,
    }),
    actor: parent ? { process: parent } : { app_name: e.metadata.product_name },
    device: {
      type_id: 1,
      type: 'Server',
      hostname: e.node_name ?? e.cluster,
      name: e.node_name,
      namespace_pid: e.process.container_pid,
    },
    launch_type_id: launch ? 3 : null,
    launch_type: launch ? 'Exec' : null,
    exit_code: e.exit?.code ?? null,
    unmapped: unmappedObject(e.unmapped, {
      cluster: e.cluster,
      workload: e.workload,
      exit_signal: e.exit?.signal ?? null,
    }),
    raw_data: e.raw_data,
  });
}
