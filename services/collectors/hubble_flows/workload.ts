/**
 * Workload identity rules for Hubble endpoints: the workload name and kind from a pod name, and
 * the cluster name from a node name. Pure functions; README.md explains the rules.
 */

/** Characters Kubernetes uses for generated name suffixes (k8s.io/apimachinery rand.SafeEncodeString). */
const SAFE_ALPHABET = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

function isSafeSuffix(token: string | undefined, min: number, max: number): boolean {
  return token !== undefined && token.length >= min && token.length <= max && SAFE_ALPHABET.test(token);
}

export interface DerivedWorkload {
  kind: 'Deployment' | 'CronJob' | 'DaemonSet' | 'StatefulSet' | 'Pod';
  name: string;
}

/**
 * The workload a pod belongs to, from the pod name alone (used when Hubble gives no `workloads[]`).
 * Rules, tried in order on the `-`-separated parts of the name:
 *   1. `<name>-<hash 6..10>-<suffix 5>`, hash and suffix in Kubernetes' generated alphabet
 *      (bcdfghjklmnpqrstvwxz2456789): a ReplicaSet pod of Deployment `<name>`
 *      (reviews-v1-545db77b95-s6jb8 -> Deployment reviews-v1);
 *   2. `<name>-<8+ digits>-<suffix 5>`: a Job pod created by CronJob `<name>` (the digits are the
 *      scheduled time in minutes) (backup-28123456-x7kzq -> CronJob backup);
 *   3. `<name>-<suffix 5>`: a DaemonSet pod (node-local-dns-6jnx9 -> DaemonSet node-local-dns).
 *      Jobs and bare ReplicaSets name their pods the same way; without `workloads[]` they are
 *      reported as DaemonSet;
 *   4. `<name>-<ordinal>` (1 to 5 digits): a StatefulSet pod (web-0 -> StatefulSet web);
 *   5. anything else: the pod itself (kind Pod, name = pod name).
 */
export function workloadFromPodName(pod: string): DerivedWorkload {
  const parts = pod.split('-');
  const n = parts.length;
  const last = parts[n - 1];
  const prev = parts[n - 2];
  if (n >= 3 && isSafeSuffix(last, 5, 5) && parts.slice(0, -2).join('-') !== '') {
    if (isSafeSuffix(prev, 6, 10)) return { kind: 'Deployment', name: parts.slice(0, -2).join('-') };
    if (prev !== undefined && /^\d{8,}$/.test(prev)) return { kind: 'CronJob', name: parts.slice(0, -2).join('-') };
  }
  if (n >= 2 && parts.slice(0, -1).join('-') !== '') {
    if (isSafeSuffix(last, 5, 5)) return { kind: 'DaemonSet', name: parts.slice(0, -1).join('-') };
    if (last !== undefined && /^\d{1,5}$/.test(last)) return { kind: 'StatefulSet', name: parts.slice(0, -1).join('-') };
  }
  return { kind: 'Pod', name: pod };
}

/**
 * The cluster name encoded in a node name, or null when the naming scheme does not carry one:
 *   - GKE `gke-<cluster>-<pool>-<8 hex>-<4 chars>`: the middle part is `<cluster>-<pool>`, which
 *     cannot be split in general; when it is one name twice (`X-X`, a pool named after its
 *     cluster) the cluster is X; when it ends in `-default-pool` that is removed; otherwise the
 *     whole middle part is returned;
 *   - kind `<cluster>-control-plane`, `<cluster>-worker[N]`;
 *   - k3d `k3d-<cluster>-server-N`, `k3d-<cluster>-agent-N`;
 *   - minikube `minikube`, `minikube-mNN` -> minikube.
 * EKS (`ip-10-0-1-2.ec2.internal`) and AKS (`aks-<pool>-<id>-vmss…`) node names carry no cluster.
 */
export function clusterFromNodeName(node: string): string | null {
  const gke = /^gke-(.+)-[0-9a-f]{8}-[0-9a-z]{4}$/.exec(node);
  if (gke) {
    const middle = gke[1]!;
    const parts = middle.split('-');
    if (parts.length % 2 === 0) {
      const half = parts.length / 2;
      const a = parts.slice(0, half).join('-');
      if (a === parts.slice(half).join('-')) return a;
    }
    if (middle.endsWith('-default-pool') && middle.length > '-default-pool'.length) return middle.slice(0, -'-default-pool'.length);
    return middle;
  }
  const k3d = /^k3d-(.+)-(?:server|agent)-\d+$/.exec(node);
  if (k3d) return k3d[1]!;
  const kind = /^(.+)-(?:control-plane\d*|worker\d*)$/.exec(node);
  if (kind) return kind[1]!;
  if (/^minikube(?:-m\d+)?$/.test(node)) return 'minikube';
  return null;
}
