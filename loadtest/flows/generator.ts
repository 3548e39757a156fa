/**
 * Generates Hubble-like NetworkFlows for a simulated microservice cluster, second by second: pods
 * that churn (new names and IPs; some live seconds), rolling version updates, DNS, Prometheus
 * scrapes, kubelet probes, internet clients of the ingress gateway, and the benign edges of the
 * topology (each TCP connection as SYN, SYN-ACK, data and FIN flows; UDP as request and answer).
 * After `injectFromMs` it injects incidents, with ground truth on every injected flow:
 *   lateral_movement  a pod connects to a workload (or port) its workload never talks to;
 *   c2_egress         a pod beacons to a new external address (sometimes with an FQDN);
 *   version_backdoor  a rollout whose new version calls out to a new external endpoint or
 *                     listens on a new port for the internet, then is rolled back;
 *   port_scan         a pod probes 60-150 ports of other workloads (RST replies);
 *   new_workload      a new application is deployed and beacons to a new external endpoint from
 *                     its first minute (judged against its namespace's baseline).
 * With `l7`, two more (L7_KINDS):
 *   http_path         a client sends requests its server never served on a known HTTP edge
 *                     (an admin or debug route, or a new method such as DELETE);
 *   dns_name          a pod resolves a name its application never resolved (a fresh domain).
 * Deterministic for a seed.
 */
import { cidrBucket, flowKey, isExternalIp, type FlowEndpoint, type FlowL7, type FlowWorkload, type NetworkFlow } from '../../services/core/model/network-flow.ts';
import { int, pick, poisson, rng, suffix } from './random.ts';
import type { ExternalSpec, ServiceSpec, Topology } from './topology.ts';

/** The kinds of injected incidents. */
export type InjectedKind = 'lateral_movement' | 'c2_egress' | 'version_backdoor' | 'port_scan' | 'new_workload' | 'http_path' | 'dns_name';
/** The L3/L4 kinds (no L7 records needed). */
export const INJECTED_KINDS: readonly InjectedKind[] = ['lateral_movement', 'c2_egress', 'version_backdoor', 'port_scan', 'new_workload'];
/** The L7 kinds: they need the generator's `l7` records. */
export const L7_KINDS: readonly InjectedKind[] = ['http_path', 'dns_name'];

/** Ground truth of an injected flow. */
export interface Truth {
  kind: InjectedKind;
  incident: string;
}

/** One generated flow with its stream key and ground truth (null: benign). */
export interface GeneratedFlow {
  key: string;
  event: NetworkFlow;
  truth: Truth | null;
}

/** A planned incident. */
export interface Incident {
  id: string;
  kind: InjectedKind;
  /** Event time it starts. */
  time: number;
  /** Workload id (`<namespace>/<name>`) acting. */
  workload: string;
  description: string;
}

/** Generator options. */
export interface GeneratorOptions {
  topology: Topology;
  seed: number;
  /** Event time of the first second (epoch ms). */
  start: number;
  durationMs: number;
  /** Multiplies every benign rate. */
  rateScale?: number;
  /** Incidents start no earlier than this offset from `start`. */
  injectFromMs?: number;
  /** Incidents per kind. */
  incidents?: Partial<Record<InjectedKind, number>>;
  /** Benign rollouts over the run. */
  rollouts?: number;
  /** Fraction of connections whose flows carry no reply flag (older Hubble). */
  missingReplyInfo?: number;
  /**
   * Benign changes after discovery: each deploys a new service that an existing one starts
   * calling (a legitimate new edge, so a false alert by construction). Default 2.
   */
  drift?: number;
  /**
   * L7 records, as with Cilium L7 visibility: a workload-to-workload TCP connection on port 8080
   * carries an HTTP request (on its data flow) and response (on its last reply), with one of the
   * server's routes and fresh numeric ids or UUIDs in the path; a lookup to CoreDNS carries the
   * query of a name the client uses (its servers' service names, its external APIs). Default false.
   */
  l7?: boolean;
}

interface Pod {
  svc: ServiceSpec;
  name: string;
  ip: string;
  version: string;
  dies: number;
  node: string;
  workload: FlowWorkload;
  /** Set on the pods of a backdoored version: the incident and what it does. */
  backdoor: { incident: string; mode: 'egress' | 'listen'; ip: string; fqdn: string | null; port: number; until: number } | null;
}

interface Rollout {
  time: number;
  svc: string;
  backdoor: Pod['backdoor'];
}

const TCP = { SYN: 2, ACK: 16, PSH: 8, FIN: 1, RST: 4 };
const ADMIN_PORTS = [22, 2375, 3306, 6443, 10250, 5432, 6379, 9200, 27017];

/** A sortable container of one second's flows. */
interface Pending {
  t: number;
  f: GeneratedFlow;
}

/** The generator: `incidents` is the plan, `flows()` yields every flow in time order. */
export interface FlowGenerator {
  incidents: Incident[];
  /** The benign changes planned (their flows are benign: alerts on them count as false). */
  drift: Incident[];
  flows(): Generator<GeneratedFlow, void, undefined>;
}

/** Builds the plan and the flow stream for the options. */
export function flowGenerator(o: GeneratorOptions): FlowGenerator {
  const r = rng(o.seed);
  const topo: Topology = { ...o.topology, services: [...o.topology.services], edges: [...o.topology.edges] };
  const scale = o.rateScale ?? 1;
  const seconds = Math.floor(o.durationMs / 1000);
  const injectFrom = o.start + (o.injectFromMs ?? o.durationMs / 2);
  const end = o.start + o.durationMs;
  const byId = new Map(topo.services.map((s) => [s.id, s]));
  const externals = new Map(topo.externals.map((e) => [e.id, e]));
  const versions = new Map(topo.services.map((s) => [s.id, '1.0.0']));
  const hashes = new Map<string, string>();
  const pods = new Map<string, Pod[]>(topo.services.map((s) => [s.id, []]));
  const benignEdges = new Set(topo.edges.map((e) => `${e.client}>${e.server}:${e.port}`));
  const incidents: Incident[] = [];
  const rollouts: Rollout[] = [];
  const injections: Array<{ time: number; run: (now: number, out: Pending[]) => void }> = [];
  let seq = 0;
  let incidentSeq = 0;
  const usedC2 = new Set<string>();
  const usedLateral = new Set<string>();

  const appServices = topo.services.filter((s) => s.namespace !== 'kube-system' && s.namespace !== 'istio-system' && s.kind !== 'CronJob');
  const servers = topo.services.filter((s) => s.ports.length > 0 && s.kind !== 'CronJob');

  /** Deploys a one-replica Deployment `<namespace>/<name>` at `time`: added to the topology at version 1.0.0, with no pods yet. */
  const deployNew = (namespace: string, name: string, time: number, serves: Pick<ServiceSpec, 'probePort' | 'metricsPort' | 'ports'>): ServiceSpec => {
    const svc: ServiceSpec = { id: `${namespace}/${name}`, namespace, name, kind: 'Deployment', replicas: 1, lifetimeMs: [3_600_000, 4 * 3_600_000], ...serves, labels: { app: name }, activeFrom: time };
    topo.services.push(svc);
    byId.set(svc.id, svc);
    versions.set(svc.id, '1.0.0');
    pods.set(svc.id, []);
    return svc;
  };
  const drift: Incident[] = [];
  for (let i = 0; i < (o.drift ?? 2); i++) {
    const time = injectFrom + Math.floor(r() * (end - injectFrom) * 0.5);
    const client = pick(r, appServices.filter((s) => s.kind === 'Deployment' && s.name !== 'worker'));
    const name = `drift-${i + 1}`;
    const svcSpec = deployNew(client.namespace, name, time, { probePort: 8080, metricsPort: 15090, ports: [8080] });
    topo.edges.push({ client: client.id, server: svcSpec.id, port: 8080, proto: 'TCP', ratePerSec: 0.3, activeFrom: time + 60_000 });
    drift.push({ id: `drift-${i + 1}`, kind: 'lateral_movement', time, workload: client.id, description: `benign: ${client.id} starts calling the new ${svcSpec.id}` });
  }

  // ---- the plan ---------------------------------------------------------------------------
  for (let i = 0; i < (o.rollouts ?? 6); i++) {
    const s = pick(r, appServices);
    rollouts.push({ time: o.start + Math.floor(r() * o.durationMs * 0.9), svc: s.id, backdoor: null });
  }
  const spread = (n: number, k: number): number[] => {
    const span = end - 15 * 60_000 - injectFrom;
    return Array.from({ length: n }, (_, i) => injectFrom + Math.floor(((i + 0.2 + 0.6 * r()) / n) * span) + k * 37_000);
  };
  const freshC2 = (): string => {
    for (;;) {
      const p = `${int(r, 45, 90)}.${int(r, 0, 255)}.${int(r, 0, 255)}`;
      if (!usedC2.has(p) && !topo.externals.some((e) => e.prefixes.includes(p))) {
        usedC2.add(p);
        return `${p}.${int(r, 2, 250)}`;
      }
    }
  };
  const kinds = [...INJECTED_KINDS, ...L7_KINDS].map((k, ki) => [k, ki] as const);
  const httpEdges = topo.edges.filter((e) => e.proto === 'TCP' && e.port === 8080 && !e.server.startsWith('ext:') && e.activeFrom === undefined);
  const dnsClients = appServices.filter((s) => s.name !== 'worker' && topo.edges.some((e) => e.client === s.id));
  for (const [kind, ki] of kinds) {
    const n = o.incidents?.[kind] ?? 0;
    const times = spread(n, ki);
    for (let i = 0; i < n; i++) {
      const id = `${kind}-${++incidentSeq}`;
      const time = times[i]!;
      const actor = appServices[(i * 7 + ki * 3) % appServices.length]!;
      if (kind === 'lateral_movement') {
        let target: ServiceSpec;
        let port: number;
        let guard = 0;
        do {
          target = pick(r, servers.filter((s) => s.id !== actor.id));
          port = r() < 0.7 && target.ports.length ? pick(r, target.ports) : pick(r, ADMIN_PORTS);
        } while ((benignEdges.has(`${actor.id}>${target.id}:${port}`) || usedLateral.has(`${actor.id}>${target.id}:${port}`)) && ++guard < 100);
        usedLateral.add(`${actor.id}>${target.id}:${port}`);
        const attempts = int(r, 1, 4);
        incidents.push({ id, kind, time, workload: actor.id, description: `${actor.id} -> ${target.id}:${port} (${attempts} connection(s))` });
        for (let a = 0; a < attempts; a++) {
          injections.push({ time: time + a * int(r, 5_000, 20_000), run: (now, out) => connectTo(now, actor, target, port, { kind, incident: id }, out) });
        }
      } else if (kind === 'c2_egress') {
        const ip = freshC2();
        const port = pick(r, [443, 8443, 4444, 8080, 1337]);
        const fqdn = r() < 0.5 ? `${suffix(r, 8)}.${pick(r, ['cdn-sync', 'upd-check', 'telemetry-hub'])}.net` : null;
        const beacons = int(r, 5, 12);
        const every = int(r, 30_000, 90_000);
        incidents.push({ id, kind, time, workload: actor.id, description: `${actor.id} -> ${fqdn ?? ip}:${port} every ${every / 1000}s x${beacons}` });
        for (let b = 0; b < beacons; b++) {
          injections.push({ time: time + b * every, run: (now, out) => external(now, actor, { ip, fqdn, port }, 'TCP', { kind, incident: id }, out) });
        }
      } else if (kind === 'version_backdoor') {
        const mode = r() < 0.5 ? 'egress' : 'listen';
        const ip = freshC2();
        const fqdn = mode === 'egress' && r() < 0.5 ? `${suffix(r, 6)}.update-mirror.io` : null;
        const port = mode === 'egress' ? pick(r, [443, 8443, 9001]) : int(r, 30000, 32000);
        const until = time + 10 * 60_000;
        incidents.push({ id, kind, time, workload: actor.id, description: `${actor.id} new version ${mode === 'egress' ? `calls ${fqdn ?? ip}:${port}` : `listens on ${port}`}` });
        rollouts.push({ time, svc: actor.id, backdoor: { incident: id, mode, ip, fqdn, port, until } });
        rollouts.push({ time: until + 60_000, svc: actor.id, backdoor: null });
      } else if (kind === 'http_path') {
        const edge = httpEdges[(i * 7 + ki) % httpEdges.length]!;
        const client = byId.get(edge.client)!;
        const server = byId.get(edge.server)!;
        // Each incident its own route (a fresh word), so no incident hides behind another's finding.
        const word = suffix(r, 6);
        const [method, path] = pick(r, [
          ['GET', `/admin/export-${word}`],
          ['POST', `/internal/debug/${word}`],
          ['DELETE', `/api/v1/${word}/${int(r, 1, 99999)}`],
          ['GET', `/api/v1/users/${int(r, 1, 99999)}/${word}`],
          ['GET', `/actuator/${word}`],
        ] as const);
        const requests = int(r, 1, 3);
        incidents.push({ id, kind, time, workload: client.id, description: `${client.id} -> ${server.id}:8080 ${method} ${path} x${requests}` });
        for (let q = 0; q < requests; q++) {
          injections.push({
            time: time + q * int(r, 2_000, 10_000),
            run: (now, out) => {
              const a = livePod(client);
              const b = livePod(server);
              if (a && b) conn(now, endpointOfPod(a, ephemeral()), endpointOfPod(b, 8080), 'TCP', a.node, { kind, incident: id }, out, false, httpL7With(b.svc, 8080, method, path));
            },
          });
        }
      } else if (kind === 'dns_name') {
        const client = dnsClients[(i * 7 + ki) % dnsClients.length]!;
        const name = `${suffix(r, 10)}.${pick(r, ['exfil-drop', 'pastebin-mirror', 'dyn-upd', 'tunnel-dns'])}.${pick(r, ['net', 'io', 'xyz'])}`;
        const lookups = int(r, 1, 3);
        incidents.push({ id, kind, time, workload: client.id, description: `${client.id} resolves ${name} x${lookups}` });
        for (let q = 0; q < lookups; q++) {
          injections.push({
            time: time + q * int(r, 5_000, 30_000),
            run: (now, out) => {
              const a = livePod(client);
              const d = topo.dns ? livePod(byId.get(topo.dns.service)) : undefined;
              // Through the search list first (as a pod's resolver does), or fully qualified.
              const query = q % 2 === 0 ? `${name}.${client.namespace}.svc.cluster.local.` : `${name}.`;
              if (a && d && topo.dns) conn(now, endpointOfPod(a, ephemeral()), endpointOfPod(d, topo.dns.port), 'UDP', a.node, { kind, incident: id }, out, false, dnsQueryL7(query));
            },
          });
        }
      } else if (kind === 'new_workload') {
        // An attacker deploys a new application in the actor's namespace; it resolves names like
        // everyone (benign) and, from its first minute, beacons to a fresh external endpoint.
        const name = `newapp-${i + 1}`;
        const svc = deployNew(actor.namespace, name, time, { probePort: null, metricsPort: null, ports: [] });
        const ip = freshC2();
        const port = pick(r, [443, 8443, 4444, 8080]);
        const fqdn = r() < 0.5 ? `${suffix(r, 8)}.${pick(r, ['cdn-sync', 'upd-check'])}.net` : null;
        const beacons = int(r, 3, 8);
        const every = int(r, 30_000, 90_000);
        incidents.push({ id, kind, time, workload: svc.id, description: `new ${svc.id} -> ${fqdn ?? ip}:${port} from its first minute, every ${every / 1000}s x${beacons}` });
        for (let b = 0; b < beacons; b++) {
          injections.push({ time: time + 20_000 + b * every, run: (now, out) => external(now, svc, { ip, fqdn, port }, 'TCP', { kind, incident: id }, out) });
        }
      } else {
        const targets = Array.from({ length: int(r, 1, 3) }, () => pick(r, servers.filter((s) => s.id !== actor.id)));
        const ports = new Set<number>();
        const count = int(r, 60, 150);
        while (ports.size < count) ports.add(r() < 0.3 ? pick(r, [...ADMIN_PORTS, 80, 443, 8080, 8443, 9090]) : int(r, 1, 10000));
        incidents.push({ id, kind, time, workload: actor.id, description: `${actor.id} scans ${targets.map((t) => t.id).join(', ')} (${ports.size} ports)` });
        let k = 0;
        for (const port of ports) {
          const target = targets[k % targets.length]!;
          injections.push({ time: time + Math.floor((k++ / ports.size) * 30_000), run: (now, out) => connectTo(now, actor, target, port, { kind, incident: id }, out) });
        }
      }
    }
  }
  rollouts.sort((a, b) => a.time - b.time);
  injections.sort((a, b) => a.time - b.time);

  // ---- pods -------------------------------------------------------------------------------
  function podName(s: ServiceSpec, now: number, slot: number): string {
    if (s.kind === 'StatefulSet') return `${s.name}-${slot}`;
    if (s.kind === 'DaemonSet') return `${s.name}-${suffix(r, 5)}`;
    if (s.kind === 'CronJob') return `${s.name}-${Math.floor(now / 60_000)}-${suffix(r, 5)}`;
    const v = versions.get(s.id)!;
    let h = hashes.get(`${s.id}@${v}`);
    if (!h) hashes.set(`${s.id}@${v}`, (h = suffix(r, 10)));
    return `${s.name}-${h}-${suffix(r, 5)}`;
  }

  function spawn(s: ServiceSpec, now: number, slot: number, backdoor: Pod['backdoor']): Pod {
    const version = versions.get(s.id)!;
    const name = podName(s, now, slot);
    const labels = { ...s.labels, 'app.kubernetes.io/version': version, ...(s.kind === 'Deployment' ? { 'pod-template-hash': name.split('-').at(-2)! } : {}) };
    const workload: FlowWorkload = {
      cluster: topo.cluster,
      namespace: s.namespace,
      kind: s.kind,
      name: s.name,
      pod: name,
      labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
      image_repository: `registry.example.com/${s.namespace}/${s.name}`,
      image_version: version,
      service_account: s.name,
    };
    return {
      svc: s,
      name,
      ip: `10.${int(r, 244, 247)}.${int(r, 0, 255)}.${int(r, 2, 254)}`,
      version,
      dies: now + int(r, s.lifetimeMs[0], s.lifetimeMs[1]),
      node: `node-${int(r, 1, 6)}`,
      workload,
      backdoor,
    };
  }

  const activeBackdoor = new Map<string, Pod['backdoor']>();
  function tickPods(now: number): void {
    for (const s of topo.services) {
      if (s.activeFrom !== undefined && s.activeFrom > now) continue;
      const list = pods.get(s.id)!;
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.dies <= now) list.splice(i, 1);
      if (s.kind === 'CronJob') {
        const every = s.everyMs ?? 3_600_000;
        if ((now - o.start) % every < 1000 && list.length === 0) list.push(spawn(s, now, 0, null));
        continue;
      }
      const bd = activeBackdoor.get(s.id) ?? null;
      while (list.length < s.replicas) list.push(spawn(s, now, list.length, bd && bd.until > now ? bd : null));
    }
  }

  function applyRollout(ro: Rollout, now: number): void {
    const s = byId.get(ro.svc);
    if (!s) return;
    const [maj, min, patch] = versions.get(s.id)!.split('.').map(Number) as [number, number, number];
    const next = ro.backdoor ? `${maj}.${min + 1}.0` : `${maj}.${min}.${patch + 1}`;
    versions.set(s.id, next);
    activeBackdoor.set(s.id, ro.backdoor);
    // Rolling update: every running pod is replaced within three minutes.
    for (const p of pods.get(s.id)!) p.dies = Math.min(p.dies, now + int(r, 1_000, 180_000));
  }

  // ---- flows ------------------------------------------------------------------------------
  function endpointOfPod(p: Pod, port: number | null): FlowEndpoint {
    return { type: 'workload', workload: p.workload, ip: p.ip, port, fqdn: null, cidr_bucket: null, is_external: false, instance_uid: null, interface_uid: null };
  }
  function externalEnd(ip: string, port: number | null, fqdn: string | null): FlowEndpoint {
    return { type: 'external', workload: null, ip, port, fqdn, cidr_bucket: cidrBucket(ip), is_external: isExternalIp(ip), instance_uid: null, interface_uid: null };
  }
  function hostEnd(ip: string, port: number | null): FlowEndpoint {
    return { type: 'host', workload: null, ip, port, fqdn: null, cidr_bucket: null, is_external: false, instance_uid: null, interface_uid: null };
  }

  function mk(time: number, src: FlowEndpoint, dst: FlowEndpoint, proto: 'TCP' | 'UDP', flags: number | null, reply: boolean, activity: 1 | 2 | 3 | 6, node: string, noReplyInfo: boolean, truth: Truth | null, l7: FlowL7 | null = null): GeneratedFlow {
    const event: NetworkFlow = {
      class_uid: 4001,
      category_uid: 4,
      activity_id: activity,
      activity_name: activity === 1 ? 'Open' : activity === 2 ? 'Close' : activity === 3 ? 'Reset' : 'Traffic',
      type_uid: 400100 + activity,
      severity_id: 1,
      time,
      start_time: null,
      end_time: null,
      metadata: { uid: `g${o.seed}-${seq++}`, version: '1.3.0', product_name: 'Hubble', vendor_name: 'Cilium', log_name: 'L3_L4', original_time: '', source: 'loadtest' },
      src,
      dst,
      connection_info: { protocol_name: proto, protocol_num: proto === 'TCP' ? 6 : 17, direction: 'egress', l7_protocol: l7 ? (l7.dns ? 'dns' : 'http') : null, tcp_flags: flags, icmp_type: null, icmp_code: null },
      verdict: 'FORWARDED',
      verdict_reason: null,
      traffic: null,
      l7,
      process: null,
      cloud: null,
      node_name: node,
      unmapped: noReplyInfo ? '{"event_type":{"type":4}}' : reply ? '{"event_type":{"type":4},"is_reply":true}' : '{"event_type":{"type":4},"is_reply":false}',
      raw_data: null,
    };
    return { key: flowKey(src, topo.cluster), event, truth };
  }

  /** One connection: request and reply flows (TCP: SYN, SYN-ACK, data, FIN; or SYN, RST when closed). */
  function conn(now: number, client: FlowEndpoint, server: FlowEndpoint, proto: 'TCP' | 'UDP', node: string, truth: Truth | null, out: Pending[], closed = false, l7: { req: FlowL7; res: FlowL7 } | null = null): void {
    const t0 = now + int(r, 0, 990);
    const noInfo = r() < (o.missingReplyInfo ?? 0.05);
    const lat = int(r, 1, 8);
    const c = (port: number | null) => ({ ...client, port });
    const s = (port: number | null) => ({ ...server, port });
    const cp = client.port;
    const sp = server.port;
    if (proto === 'UDP') {
      out.push({ t: t0, f: mk(t0, c(cp), s(sp), 'UDP', null, false, 6, node, noInfo, truth, l7?.req ?? null) });
      out.push({ t: t0 + lat, f: mk(t0 + lat, s(sp), c(cp), 'UDP', null, true, 6, node, noInfo, truth, l7?.res ?? null) });
      return;
    }
    out.push({ t: t0, f: mk(t0, c(cp), s(sp), 'TCP', TCP.SYN, false, 1, node, noInfo, truth) });
    if (closed) {
      out.push({ t: t0 + lat, f: mk(t0 + lat, s(sp), c(cp), 'TCP', TCP.RST | TCP.ACK, true, 3, node, noInfo, truth) });
      return;
    }
    out.push({ t: t0 + lat, f: mk(t0 + lat, s(sp), c(cp), 'TCP', TCP.SYN | TCP.ACK, true, 6, node, noInfo, truth) });
    out.push({ t: t0 + 2 * lat, f: mk(t0 + 2 * lat, c(cp), s(sp), 'TCP', TCP.ACK | TCP.PSH, false, 6, node, noInfo, truth, l7?.req ?? null) });
    out.push({ t: t0 + 3 * lat + 2, f: mk(t0 + 3 * lat + 2, s(sp), c(cp), 'TCP', TCP.ACK | TCP.FIN, true, 2, node, noInfo, truth, l7?.res ?? null) });
  }

  const ephemeral = (): number => int(r, 32768, 60999);

  // ---- L7 (opt-in) --------------------------------------------------------------------------
  const ROUTES: ReadonlyArray<[method: string, path: (id: () => string) => string]> = [
    ['GET', (id) => `/api/v1/items/${id()}`],
    ['GET', () => '/api/v1/items'],
    ['POST', () => '/api/v1/orders'],
    ['GET', (id) => `/api/v1/orders/${id()}/status`],
    ['PUT', (id) => `/api/v1/carts/${id()}`],
    ['GET', () => '/healthz'],
  ];
  const numericId = (): string => String(int(r, 1, 9_999_999));
  const uuid = (): string => Array.from({ length: 5 }, (_, i) => Array.from({ length: [8, 4, 4, 4, 12][i]! }, () => '0123456789abcdef'[int(r, 0, 15)]).join('')).join('-');
  /** The routes a server offers (2-4 of ROUTES, fixed per server name). */
  function routesOf(server: string): Array<(typeof ROUTES)[number]> {
    let h = 0;
    for (let i = 0; i < server.length; i++) h = (h * 31 + server.charCodeAt(i)) >>> 0;
    const n = 2 + (h % 3);
    return Array.from({ length: n }, (_, i) => ROUTES[(h + i * 7) % ROUTES.length]!);
  }
  function httpL7(server: ServiceSpec, port: number): { req: FlowL7; res: FlowL7 } {
    const [method, path] = pick(r, routesOf(server.id));
    return httpL7With(server, port, method, path(r() < 0.5 ? numericId : uuid));
  }
  function httpL7With(server: ServiceSpec, port: number, method: string, path: string): { req: FlowL7; res: FlowL7 } {
    const url = `http://${server.name}.${server.namespace}:${port}${path}`;
    const http = { method, url, code: null, protocol: 'HTTP/1.1' };
    return {
      req: { type: 'REQUEST', latency_ns: null, http, dns: null, kafka: null },
      res: { type: 'RESPONSE', latency_ns: int(r, 200_000, 9_000_000), http: { ...http, code: 200 }, dns: null, kafka: null },
    };
  }
  /** The names a service resolves: its servers' service names and its external APIs' FQDNs. */
  const namesOf = new Map<string, string[]>();
  function dnsL7(client: ServiceSpec): { req: FlowL7; res: FlowL7 } | null {
    let names = namesOf.get(client.id);
    if (!names) {
      names = [];
      for (const e of topo.edges) {
        if (e.client !== client.id) continue;
        if (e.server.startsWith('ext:')) {
          const fqdn = externals.get(e.server.slice(4))?.fqdn;
          if (fqdn) names.push(`${fqdn}.`);
        } else {
          const srv = byId.get(e.server);
          if (srv) names.push(`${srv.name}.${srv.namespace}.svc.cluster.local.`);
        }
      }
      namesOf.set(client.id, names);
    }
    if (!names.length) return null;
    return dnsQueryL7(pick(r, names));
  }
  function dnsQueryL7(query: string): { req: FlowL7; res: FlowL7 } {
    const dns = { query, qtypes: ['A'], rcode: null, rcode_name: null, ips: [], rrtypes: [], ttl: null };
    return {
      req: { type: 'REQUEST', latency_ns: null, http: null, dns, kafka: null },
      res: { type: 'RESPONSE', latency_ns: int(r, 100_000, 2_000_000), http: null, dns: { ...dns, rcode: 0, rcode_name: 'NOERROR', ips: ['10.96.0.1'], rrtypes: ['A'], ttl: 30 }, kafka: null },
    };
  }
  function livePod(s: ServiceSpec | undefined): Pod | undefined {
    const list = s ? pods.get(s.id) : undefined;
    return list && list.length ? pick(r, list) : undefined;
  }
  function externalIp(e: ExternalSpec): string {
    return `${pick(r, e.prefixes)}.${int(r, 1, 254)}`;
  }

  /** The actor's pod connects to a target pod's port; a port the target does not serve answers RST. */
  function connectTo(now: number, actor: ServiceSpec, target: ServiceSpec, port: number, truth: Truth, out: Pending[]): void {
    const a = livePod(actor);
    const b = livePod(target);
    if (!a || !b) return;
    conn(now, endpointOfPod(a, ephemeral()), endpointOfPod(b, port), 'TCP', a.node, truth, out, !target.ports.includes(port));
  }
  function external(now: number, actor: ServiceSpec, dst: { ip: string; fqdn: string | null; port: number }, proto: 'TCP' | 'UDP', truth: Truth | null, out: Pending[]): void {
    const a = livePod(actor);
    if (!a) return;
    conn(now, endpointOfPod(a, ephemeral()), externalEnd(dst.ip, dst.port, dst.fqdn), proto, a.node, truth, out);
  }

  function second(now: number, out: Pending[]): void {
    for (const e of topo.edges) {
      if (e.activeFrom !== undefined && e.activeFrom > now) continue;
      const client = byId.get(e.client);
      const n = poisson(r, e.ratePerSec * scale);
      for (let i = 0; i < n; i++) {
        const a = livePod(client);
        if (!a) break;
        if (e.server.startsWith('ext:')) {
          const ext = externals.get(e.server.slice(4))!;
          conn(now, endpointOfPod(a, ephemeral()), externalEnd(externalIp(ext), e.port, r() < ext.fqdnProbability ? ext.fqdn : null), e.proto, a.node, null, out);
        } else {
          const b = livePod(byId.get(e.server));
          if (b) conn(now, endpointOfPod(a, ephemeral()), endpointOfPod(b, e.port), e.proto, a.node, null, out, false, o.l7 && e.proto === 'TCP' && e.port === 8080 ? httpL7(b.svc, e.port) : null);
        }
      }
    }
    const dns = topo.dns ? byId.get(topo.dns.service) : undefined;
    for (const s of topo.services) {
      for (const p of pods.get(s.id)!) {
        if (dns && s !== dns && topo.dns && r() < topo.dns.ratePerPodPerSec * scale) {
          const d = livePod(dns);
          if (d) conn(now, endpointOfPod(p, ephemeral()), endpointOfPod(d, topo.dns.port), 'UDP', p.node, null, out, false, o.l7 ? dnsL7(s) : null);
        }
        const phase = (p.ip.charCodeAt(p.ip.length - 1) * 997) % 60_000;
        if (s.probePort !== null && (now + phase) % topo.probeEveryMs < 1000) {
          conn(now, hostEnd(`172.18.0.${p.node.slice(5)}`, ephemeral()), endpointOfPod(p, s.probePort), 'TCP', p.node, null, out);
        }
        if (topo.scrape && s.metricsPort !== null && (now + phase) % topo.scrape.everyMs < 1000) {
          const prom = livePod(byId.get(topo.scrape.service));
          if (prom) conn(now, endpointOfPod(prom, ephemeral()), endpointOfPod(p, s.metricsPort), 'TCP', prom.node, null, out);
        }
        const bd = p.backdoor;
        if (bd && bd.until > now && r() < 1 / 45) {
          if (bd.mode === 'egress') conn(now, endpointOfPod(p, ephemeral()), externalEnd(bd.ip, bd.port, bd.fqdn), 'TCP', p.node, { kind: 'version_backdoor', incident: bd.incident }, out);
          else conn(now, externalEnd(bd.ip, ephemeral(), null), endpointOfPod(p, bd.port), 'TCP', p.node, { kind: 'version_backdoor', incident: bd.incident }, out);
        }
      }
    }
    if (topo.worldIngress) {
      const gw = byId.get(topo.worldIngress.service);
      const n = poisson(r, topo.worldIngress.ratePerSec * scale);
      for (let i = 0; i < n; i++) {
        const g = livePod(gw);
        if (!g) break;
        const ip = `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
        if (!isExternalIp(ip)) continue;
        conn(now, externalEnd(ip, ephemeral(), null), endpointOfPod(g, topo.worldIngress.port), 'TCP', g.node, null, out);
      }
    }
  }

  function* flows(): Generator<GeneratedFlow, void, undefined> {
    let ri = 0;
    let ii = 0;
    for (let sec = 0; sec < seconds; sec++) {
      const now = o.start + sec * 1000;
      while (ri < rollouts.length && rollouts[ri]!.time <= now) applyRollout(rollouts[ri++]!, now);
      tickPods(now);
      const out: Pending[] = [];
      second(now, out);
      while (ii < injections.length && injections[ii]!.time <= now) injections[ii++]!.run(now, out);
      out.sort((a, b) => a.t - b.t);
      for (const p of out) yield p.f;
    }
  }

  incidents.sort((a, b) => a.time - b.time);
  return { incidents, drift, flows };
}
