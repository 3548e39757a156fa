/**
 * The pod end of a Tetragon process: its workload (controller, labels, image) and application
 * identity. Shared by the network flows and the process events of the collector, so the flows
 * and the process events of one pod carry the same workload and the same stream key.
 */
import { applicationOf, type ApplicationRules, type FlowWorkload } from '../../core/model/network-flow.ts';
import { parseImageReference } from '../../core/model/image-inventory.ts';
import { malformed, optObject, optString, type Obj } from '../fields.ts';
import { workloadFromPodName } from '../hubble_flows/workload.ts';

/** The workload of a Tetragon `process.pod`, its container name, and its unmapped extras (container id, start, pid; image id). */
export function workloadOf(pod: Obj, cluster: string, rules: ApplicationRules | null): { workload: FlowWorkload; container: string | null; rest: Obj } {
  const namespace = optString(pod, 'namespace', 'process.pod.namespace');
  const name = optString(pod, 'name', 'process.pod.name');
  if (name === null) malformed('process.pod.name is missing');
  if (name.length > 253) malformed('process.pod.name is longer than 253 characters');
  const container = optObject(pod, 'container', 'process.pod.container');
  const image = container ? optObject(container, 'image', 'process.pod.container.image') : null;
  const imageName = image ? optString(image, 'name', 'process.pod.container.image.name') : null;
  const imageId = image ? optString(image, 'id', 'process.pod.container.image.id') : null;
  const ref = imageName ? parseImageReference(imageName) : null;
  const digest = imageId ? /@(sha256:[0-9a-f]{64})$/.exec(imageId)?.[1] ?? null : null;
  const labelsObj = optObject(pod, 'pod_labels', 'process.pod.pod_labels') ?? {};
  const labels = Object.entries(labelsObj)
    .filter(([, v]) => typeof v === 'string')
    .map(([key, value]) => ({ key, value: value as string }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const derived = workloadFromPodName(name);
  const workloadObj = optString(pod, 'workload', 'process.pod.workload');
  const workloadKind = optString(pod, 'workload_kind', 'process.pod.workload_kind');
  const workload: FlowWorkload = {
    cluster,
    namespace,
    kind: workloadObj && workloadKind ? workloadKind : derived.kind,
    name: workloadObj ?? derived.name,
    pod: name,
    labels,
    image_repository: ref?.repository ?? null,
    // A `latest` tag names no version: the digest of the running image does.
    image_version: ref?.tag && ref.tag !== 'latest' ? ref.tag : (ref?.digest ?? digest ?? ref?.tag ?? null),
    service_account: null,
  };
  if (rules) {
    const { app, version } = applicationOf(workload, rules);
    workload.app = app;
    workload.app_version = version;
  }
  const rest: Obj = {};
  if (container) for (const k of ['id', 'start_time', 'pid']) if (container[k] !== undefined) rest[`container_${k}`] = container[k];
  if (imageId) rest.image_id = imageId;
  return { workload, container: container ? optString(container, 'name', 'process.pod.container.name') : null, rest };
}

