/** Finding and enforcement-decision builders of flow_baseline. */
import type { SideOutput } from '../../core/components.ts';
import type { Finding, SeverityName } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import type { FlowMode } from './config.ts';
import { parseEdgeKey, parsePeer, peerClass, type EdgeParts } from './identity.ts';
import type { NamespaceNovelty } from './namespace.ts';
import type { FlowBaselineState, VersionRecord } from './state.ts';

export const DETECTOR_NAME = 'flow_baseline';

/** Rule ids (finding `rule` and analytic uid). */
export const RULES = {
  newEdge: 'flow_baseline.new_edge',
  newApplicationEdge: 'flow_baseline.new_application_edge',
  versionChange: 'flow_baseline.version_change',
  burst: 'flow_baseline.new_edge_burst',
  edgesRemoved: 'flow_baseline.edges_removed',
  discoveryEnded: 'flow_baseline.discovery_ended',
  newHttpPath: 'flow_baseline.new_http_path',
  newDnsName: 'flow_baseline.new_dns_name',
  sharedServiceClient: 'flow_baseline.new_shared_service_client',
} as const;
export type FlowBaselineRule = (typeof RULES)[keyof typeof RULES];

type Evidence = Record<string, string | number | boolean | null>;

interface RuleInfo {
  title: string;
  desc: string;
}

const INFO: Record<FlowBaselineRule, RuleInfo> = {
  [RULES.newEdge]: {
    title: 'Workload connection outside its baseline',
    desc: 'The workload talked to a peer, port or protocol that was not in the baseline learned during discovery.',
  },
  [RULES.newApplicationEdge]: {
    title: 'New application connection outside its namespace baseline',
    desc:
      'An application without a baseline of its own yet (still learning) made a connection that no application of its namespace makes: ' +
      'a never-seen external endpoint, a new port of a known service, or a workload the namespace never talks to.',
  },
  [RULES.versionChange]: {
    title: 'New image version behaves differently',
    desc: 'A new image version of the workload used an edge that no earlier version used: a behaviour change between versions.',
  },
  [RULES.burst]: {
    title: 'Burst of new connections (possible scan)',
    desc: 'The workload opened more new edges in the window than the per-window finding limit: a scan or sudden fan-out.',
  },
  [RULES.edgesRemoved]: {
    title: 'Edges dropped by a new version',
    desc: 'Edges the previous image version used that the new version has not used since it appeared.',
  },
  [RULES.discoveryEnded]: {
    title: 'Flow baseline discovery ended',
    desc: 'The workload left discovery: from now on edges outside its baseline are reported (monitor) or blocked (protect).',
  },
  [RULES.newHttpPath]: {
    title: 'HTTP request outside the application baseline',
    desc: 'An HTTP method and path pattern (path parameters generalised) that the application never used on this edge during discovery.',
  },
  [RULES.newDnsName]: {
    title: 'DNS name never resolved by the application',
    desc: 'The application resolved a DNS name it never resolved during discovery: a new external dependency, or a lookup for command and control or exfiltration.',
  },
  [RULES.sharedServiceClient]: {
    title: 'New client of a shared service',
    desc: 'A workload that never used this served port before became its client, on a port the server already serves to several workloads (DNS, metrics, a broker). Learned into the baseline.',
  },
};

/** What the detector knows when it builds a finding about one flow. */
export interface FindingContext {
  key: string;
  state: FlowBaselineState;
  event: NetworkFlow;
  mode: FlowMode;
  version: VersionRecord | undefined;
}

function base(
  rule: FlowBaselineRule,
  severity: SeverityName,
  c: FindingContext,
  idParts: readonly string[],
  message: string,
  firstSeen: number,
  count: number,
  evidences: Evidence[],
  attacks: Finding['finding_info']['attacks'],
): Finding {
  const e = c.event;
  const id = findingId(DETECTOR_NAME, rule, c.key, [...idParts, e.metadata.uid]);
  return {
    ...findingHeader(id, 2004, e.time, severity, message),
    finding_info: {
      uid: id,
      title: INFO[rule].title,
      desc: INFO[rule].desc,
      analytic: { uid: rule, name: INFO[rule].title, type: 'Behavioral' },
      attacks,
      first_seen_time: firstSeen,
      last_seen_time: e.time,
      related_events: [{ uid: e.metadata.uid }],
    },
    detector: DETECTOR_NAME,
    rule,
    entity: { kind: 'workload', key: c.key },
    count,
    evidences,
    cloud: { provider: e.cloud?.provider ?? 'kubernetes', region: e.cloud?.region ?? null, account_uid: e.cloud?.account_uid ?? null },
    src_endpoint: { ip: e.src.ip },
  };
}

/** Human form of a peer id: `workload bookinfo/Deployment/reviews-v1`, `external api.example.com`, `entity host`. */
export function describePeer(peer: string): string {
  const p = parsePeer(peer);
  switch (p.type) {
    case 'workload':
      return `workload ${p.namespace ?? '-'}/${p.kind}/${p.name}`;
    case 'fqdn':
      return `external ${p.fqdn}`;
    case 'cidr':
      return `external ${p.cidr}`;
    case 'entity':
      return `entity ${p.entity}`;
    default:
      return 'unknown peer';
  }
}

/** The evidence fields naming both identities of an edge. */
export function edgeEvidence(c: FindingContext, edge: EdgeParts, firstSeen: number, count: number): Evidence {
  const id = c.state.identity;
  const peer = parsePeer(edge.peer);
  const e = c.event;
  const [bin, parent] = edge.proc ? edge.proc.split('>').map((x) => decodeURIComponent(x)) : [null, null];
  const w = e.src.workload;
  return {
    workload: c.key,
    cluster: id.cluster,
    namespace: id.namespace,
    workload_kind: id.kind,
    workload_name: id.name,
    application: id.kind === 'app' ? id.name : null,
    controller: w ? `${w.kind}/${w.name}` : null,
    image_repository: c.version?.image_repository ?? id.image_repository,
    version: c.version?.version ?? null,
    pod: e.src.workload?.pod ?? null,
    direction: edge.dir === 'out' ? 'egress' : 'ingress',
    peer: edge.peer,
    peer_type: peerClass(edge.peer),
    peer_namespace: peer.type === 'workload' ? peer.namespace : null,
    peer_name: peer.type === 'workload' ? `${peer.kind}/${peer.name}` : peer.type === 'fqdn' ? peer.fqdn : peer.type === 'cidr' ? peer.cidr : peer.type === 'entity' ? peer.entity : null,
    port: edge.port === '-' ? null : Number(edge.port),
    protocol: edge.proto,
    mode: c.mode,
    first_seen: firstSeen,
    count,
    src_ip: e.src.ip,
    dst_ip: e.dst.ip,
    binary: bin ?? null,
    parent_binary: parent ?? null,
  };
}

function attacksFor(edge: EdgeParts): Finding['finding_info']['attacks'] {
  const cls = peerClass(edge.peer);
  if (cls === 'external' && edge.dir === 'out') return [{ technique_uid: 'T1071', tactic: 'Command and Control' }];
  if (edge.dir === 'out') return [{ technique_uid: 'T1021', tactic: 'Lateral Movement' }];
  return [{ technique_uid: 'T1133', tactic: 'Initial Access' }];
}

/** An edge outside the baseline (rule new_edge). External peers are High, others Medium. */
export function newEdgeFinding(c: FindingContext, edgeKey: string, firstSeen: number, count: number): Finding {
  const edge = parseEdgeKey(edgeKey);
  const external = peerClass(edge.peer) === 'external';
  const verb = edge.dir === 'out' ? `connected to ${describePeer(edge.peer)} on` : `accepted a connection from ${describePeer(edge.peer)} on`;
  const v = c.version?.version ? ` (version ${c.version.version})` : '';
  return base(
    RULES.newEdge,
    external ? 'High' : 'Medium',
    c,
    [edgeKey],
    `${c.key}${v} ${verb} ${edge.proto}/${edge.port}, outside its baseline (mode ${c.mode})`,
    firstSeen,
    count,
    [edgeEvidence(c, edge, firstSeen, count)],
    attacksFor(edge),
  );
}

const NOVELTY_TEXT: Record<NamespaceNovelty, string> = {
  external_endpoint: 'an external endpoint no application of the namespace uses',
  new_port: 'a port of this peer no application of the namespace uses',
  new_peer: 'a workload no application of the namespace talks to',
  new_entity: 'an entity no application of the namespace talks to',
};

/** A new application's edge outside its namespace's baseline (rule new_application_edge). */
export function newApplicationEdgeFinding(
  c: FindingContext,
  edgeKey: string,
  firstSeen: number,
  count: number,
  novelty: NamespaceNovelty,
  namespaceApplications: number,
  severity: SeverityName,
): Finding {
  const edge = parseEdgeKey(edgeKey);
  const v = c.version?.version ? ` (version ${c.version.version})` : '';
  return base(
    RULES.newApplicationEdge,
    severity,
    c,
    [edgeKey],
    `${c.key}${v}, a new application still learning its baseline, connected to ${describePeer(edge.peer)} on ${edge.proto}/${edge.port}: ` +
      `${NOVELTY_TEXT[novelty]} (mode ${c.mode})`,
    firstSeen,
    count,
    [
      {
        ...edgeEvidence(c, edge, firstSeen, count),
        novelty,
        namespace_applications: namespaceApplications,
        discovery_start: c.state.discovery.start,
      },
    ],
    attacksFor(edge),
  );
}

/** An edge only a new version uses (rule version_change), with the version diff. */
export function versionChangeFinding(c: FindingContext, edgeKey: string, firstSeen: number, count: number, previous: VersionRecord | undefined): Finding {
  const edge = parseEdgeKey(edgeKey);
  const from = previous?.version ?? 'unknown';
  const to = c.version?.version ?? 'unknown';
  const repoChanged = previous !== undefined && previous.image_repository !== (c.version?.image_repository ?? null);
  const verb = edge.dir === 'out' ? `connects to ${describePeer(edge.peer)} on` : `accepts connections from ${describePeer(edge.peer)} on`;
  return base(
    RULES.versionChange,
    'High',
    c,
    [edgeKey],
    `${c.key} version ${to} ${verb} ${edge.proto}/${edge.port}, which no earlier version did (version ${from} -> ${to}, mode ${c.mode})`,
    firstSeen,
    count,
    [
      {
        ...edgeEvidence(c, edge, firstSeen, count),
        previous_version: previous?.version ?? null,
        previous_image_repository: previous?.image_repository ?? null,
        version_diff: `${from} -> ${to}`,
        image_repository_changed: repoChanged,
        version_first_seen: c.version?.first ?? null,
      },
    ],
    [{ technique_uid: 'T1525', tactic: 'Persistence' }, ...attacksFor(edge)],
  );
}

/** The summary raised instead of more new-edge findings once a workload passes the per-window limit. */
export function burstFinding(c: FindingContext, windowStart: number, recentEdges: readonly string[], newEdgesInWindow: number): Finding {
  const evidences: Evidence[] = recentEdges.slice(0, 20).map((k) => {
    const e = parseEdgeKey(k);
    return { direction: e.dir === 'out' ? 'egress' : 'ingress', peer: e.peer, peer_type: peerClass(e.peer), protocol: e.proto, port: e.port === '-' ? null : Number(e.port) };
  });
  evidences.unshift({ workload: c.key, mode: c.mode, version: c.version?.version ?? null, window_start: windowStart, new_edges_in_window: newEdgesInWindow });
  return base(
    RULES.burst,
    'High',
    c,
    [String(windowStart)],
    `${c.key} opened ${newEdgesInWindow} new edges since ${new Date(windowStart).toISOString()}: possible scan (mode ${c.mode})`,
    windowStart,
    newEdgesInWindow,
    evidences,
    [{ technique_uid: 'T1046', tactic: 'Discovery' }],
  );
}

/** Edges the previous version used that the new version never did (informational). */
export function edgesRemovedFinding(c: FindingContext, previous: VersionRecord, removed: readonly string[]): Finding {
  const to = c.version?.version ?? 'unknown';
  const evidences: Evidence[] = removed.slice(0, 20).map((k) => {
    const e = parseEdgeKey(k);
    return { direction: e.dir === 'out' ? 'egress' : 'ingress', peer: e.peer, peer_type: peerClass(e.peer), protocol: e.proto, port: e.port === '-' ? null : Number(e.port) };
  });
  evidences.unshift({
    workload: c.key,
    previous_version: previous.version,
    version: c.version?.version ?? null,
    version_diff: `${previous.version ?? 'unknown'} -> ${to}`,
    removed_edges: removed.length,
    version_first_seen: c.version?.first ?? null,
  });
  return base(
    RULES.edgesRemoved,
    'Informational',
    c,
    [String(previous.slot), String(c.version?.slot ?? -1), String(c.version?.first ?? 0)],
    `${c.key} version ${to} has not used ${removed.length} edge(s) that version ${previous.version ?? 'unknown'} used`,
    c.version?.first ?? c.event.time,
    removed.length,
    evidences,
    [],
  );
}

/** Discovery ended (by duration, stability or a control message): the switch, recorded as a finding. */
export function discoveryEndedFinding(c: FindingContext): Finding {
  const d = c.state.discovery;
  let edges = 0;
  for (const _ in c.state.edges) edges++;
  return base(
    RULES.discoveryEnded,
    'Informational',
    c,
    [String(d.start), String(d.end ?? 0)],
    `${c.key} left discovery (${d.reason ?? 'unknown'}) with ${edges} learned edge(s); mode is now ${c.mode}`,
    d.start,
    edges,
    [{ workload: c.key, reason: d.reason, discovery_start: d.start, discovery_end: d.end, learned_edges: edges, mode: c.mode }],
    [],
  );
}

/** The block decision for the enforcement agent (protect mode): one edge, or everything outside the baseline. */
export function blockDecision(c: FindingContext, finding: Finding, scope: 'edge' | 'non_baseline', edgeKey: string | null): SideOutput {
  const edge = edgeKey ? parseEdgeKey(edgeKey) : null;
  const id = findingId(DETECTOR_NAME, 'block', c.key, [scope, edgeKey ?? '', c.event.metadata.uid]);
  return {
    stream: 'enforcement',
    key: c.key,
    value: {
      id,
      decision: 'block',
      scope,
      detector: DETECTOR_NAME,
      finding_id: finding.id,
      rule: finding.rule,
      time: c.event.time,
      workload: c.key,
      identity: { ...c.state.identity, version: c.version?.version ?? null },
      application: c.state.identity.kind === 'app' ? c.state.identity.name : null,
      version: c.version?.version ?? null,
      controller: c.event.src.workload ? `${c.event.src.workload.kind}/${c.event.src.workload.name}` : null,
      binary: edge?.proc ? decodeURIComponent(edge.proc.split('>')[0]!) : (c.event.process?.binary ?? null),
      selector: c.state.labels,
      direction: edge ? (edge.dir === 'out' ? 'egress' : 'ingress') : null,
      peer: edge?.peer ?? null,
      protocol: edge?.proto ?? null,
      port: edge && edge.port !== '-' ? Number(edge.port) : null,
      reason: finding.message,
    },
  };
}

/** What an L7 finding is about (l7.ts): an HTTP request or a DNS lookup. */
export type L7Subject =
  | { kind: 'http'; method: string; pattern: string; code: number | null; newMethod: boolean }
  | { kind: 'dns'; name: string; query: string; rcode: number | null };

function l7Attacks(edge: EdgeParts, subject: L7Subject): Finding['finding_info']['attacks'] {
  if (subject.kind === 'dns') return [{ technique_uid: 'T1071.004', tactic: 'Command and Control' }, { technique_uid: 'T1568', tactic: 'Command and Control' }];
  if (edge.dir === 'in') return [{ technique_uid: 'T1190', tactic: 'Initial Access' }];
  if (peerClass(edge.peer) === 'external') return [{ technique_uid: 'T1071.001', tactic: 'Command and Control' }];
  return [{ technique_uid: 'T1210', tactic: 'Lateral Movement' }];
}

/**
 * An HTTP (method, path pattern) or DNS name outside the application's L7 baseline (rules
 * new_http_path, new_dns_name), or, when first used by a version younger than the change window
 * that has a predecessor, a version_change carrying the L7 fields. `severity` comes from config.
 * Only the generalised path pattern is put in a finding: the URL's query string and its id-like
 * segments (tokens, emails, ids) never are, as they can carry secrets.
 */
export function l7Finding(
  c: FindingContext,
  edgeKey: string,
  itemKey: string,
  subject: L7Subject,
  firstSeen: number,
  count: number,
  severity: SeverityName,
  previous: VersionRecord | undefined | null,
): Finding {
  const edge = parseEdgeKey(edgeKey);
  const v = c.version?.version ? ` (version ${c.version.version})` : '';
  const versionChange = previous !== null;
  const rule = versionChange ? RULES.versionChange : subject.kind === 'http' ? RULES.newHttpPath : RULES.newDnsName;
  const what =
    subject.kind === 'http'
      ? edge.dir === 'out'
        ? `sent ${subject.method} ${subject.pattern} to ${describePeer(edge.peer)} on ${edge.proto}/${edge.port}`
        : `served ${subject.method} ${subject.pattern} to ${describePeer(edge.peer)} on ${edge.proto}/${edge.port}`
      : `resolved ${subject.name}`;
  const why = subject.kind === 'http' ? (subject.newMethod ? 'a method this edge never carried' : 'a path outside its baseline') : 'a name it never resolved';
  const diff = versionChange ? `${previous?.version ?? 'unknown'} -> ${c.version?.version ?? 'unknown'}` : null;
  const message = versionChange
    ? `${c.key} version ${c.version?.version ?? 'unknown'} ${what}, which no earlier version did (version ${diff}, mode ${c.mode})`
    : `${c.key}${v} ${what}: ${why} (mode ${c.mode})`;
  const fields: Evidence =
    subject.kind === 'http'
      ? { l7_protocol: 'http', http_method: subject.method, http_path_pattern: subject.pattern, http_status: subject.code, http_new_method: subject.newMethod }
      : { l7_protocol: 'dns', dns_name: subject.name, dns_query: subject.query, dns_rcode: subject.rcode };
  const versionFields: Evidence = versionChange
    ? { previous_version: previous?.version ?? null, version_diff: diff, version_first_seen: c.version?.first ?? null }
    : {};
  return base(rule, severity, c, [itemKey], message, firstSeen, count, [{ ...edgeEvidence(c, edge, firstSeen, count), ...fields, ...versionFields }], [
    ...(versionChange ? [{ technique_uid: 'T1525', tactic: 'Persistence' }] : []),
    ...l7Attacks(edge, subject),
  ]);
}

/** A new workload client of a shared service (rule new_shared_service_client): learned, reported once. */
export function sharedServiceClientFinding(c: FindingContext, edgeKey: string, clients: number, severity: SeverityName): Finding {
  const edge = parseEdgeKey(edgeKey);
  return base(
    RULES.sharedServiceClient,
    severity,
    c,
    [edgeKey],
    `${c.key} has a new client, ${describePeer(edge.peer)}, on ${edge.proto}/${edge.port}, which it already serves to ${clients} workloads (learned; mode ${c.mode})`,
    c.event.time,
    1,
    [{ ...edgeEvidence(c, edge, c.event.time, 1), shared_service_clients: clients }],
    [],
  );
}
