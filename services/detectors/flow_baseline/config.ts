import { z } from 'zod';

/** discover: learn edges, never alert; monitor: alert on edges outside the baseline; protect: alert and emit a block decision. */
export const FlowMode = z.enum(['discover', 'monitor', 'protect']);
export type FlowMode = z.output<typeof FlowMode>;

/** The endpoint types a flow's source can have (NetworkFlow `src.type`). */
export const FlowSourceType = z.enum(['workload', 'external', 'host', 'remote-node', 'health', 'reserved', 'ip', 'unknown']);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One mode rule: the most specific matching rule (workload over namespace) wins. */
export const FlowModeRule = z.strictObject({
  namespace: z.string().min(1).max(253).describe('Namespace the rule applies to.'),
  workload: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .describe('`<kind>/<name>` (e.g. `Deployment/payments-api`) or a bare workload name; absent: the whole namespace.'),
  cluster: z.string().min(1).max(253).optional().describe('Cluster the rule applies to; absent: every cluster.'),
  mode: FlowMode.describe('Mode of the matching workloads once their discovery ends (`discover` keeps them learning).'),
});

/** Config of the flow_baseline detector. Unknown keys are rejected. */
export const FlowBaselineConfig = z.strictObject({
  enabled: z.boolean().default(false).describe('Run the flow_baseline detector on the `flow` stream.'),
  mode: FlowMode.default('monitor').describe(
    'Mode a workload enters when its discovery ends, unless a `modes` rule or a control message says otherwise: ' +
      '`discover` keeps learning and never alerts, `monitor` alerts on edges outside the baseline, `protect` also emits a block decision on the enforcement stream.',
  ),
  modes: z
    .array(FlowModeRule)
    .max(1000)
    .default([])
    .describe('Per-namespace or per-workload modes; a workload rule beats a namespace rule, which beats `mode`.'),
  discovery: z
    .strictObject({
      maxMs: z
        .number()
        .int()
        .min(0)
        .default(DAY)
        .describe('Discovery ends at the latest this long (event time) after the workload\'s first flow or its last baseline reset.'),
      stableMs: z
        .number()
        .int()
        .min(0)
        .default(2 * HOUR)
        .describe('Discovery ends earlier once no new edge was learned for this long (event time); 0 turns the stability rule off.'),
      minMs: z
        .number()
        .int()
        .min(0)
        .default(30 * MINUTE)
        .describe('The stability rule never ends discovery before this much event time has passed since it started.'),
    })
    .prefault({})
    .describe('When a workload\'s learning phase ends (each workload has its own).'),
  dedupWindowMs: z
    .number()
    .int()
    .min(0)
    .default(HOUR)
    .describe('A new edge is reported once per window: later flows on it only raise its count until the window has passed.'),
  burst: z
    .strictObject({
      windowMs: z.number().int().min(1).default(5 * MINUTE).describe('Window over which a workload\'s new-edge findings are counted.'),
      maxFindings: z
        .number()
        .int()
        .min(1)
        .default(5)
        .describe('New-edge findings per workload per window; beyond this one burst finding (a scan) is raised and the rest of the window is only counted.'),
    })
    .prefault({})
    .describe('Limits on findings when one workload opens many new edges at once (scans, fan-out).'),
  versions: z
    .strictObject({
      labels: z
        .array(z.string().min(1).max(317))
        .max(8)
        .default(['app.kubernetes.io/version', 'version'])
        .describe('Pod labels read as the version when a flow carries no image version (tried in order).'),
      max: z.number().int().min(2).max(30).default(8).describe('Versions remembered per workload; the least recently seen is forgotten beyond this.'),
      changeWindowMs: z
        .number()
        .int()
        .min(0)
        .default(DAY)
        .describe('A new edge first used by a version younger than this (since its first flow) is reported as a behaviour change between versions.'),
      removedAfterMs: z
        .number()
        .int()
        .min(0)
        .nullable()
        .default(DAY)
        .describe('Once a new version has been seen this long, the edges its predecessor used and it never did are reported (informational); null never reports.'),
    })
    .prefault({})
    .describe('Image versions: a new version inherits the baseline; edges only it uses are a behaviour change.'),
  newApplications: z
    .strictObject({
      judge: z
        .enum(['namespace', 'off'])
        .default('namespace')
        .describe(
          'How an application without a baseline of its own (in discovery) is watched while its namespace is in monitor or protect: ' +
            '`namespace` reports, from its first connection, each outbound edge that no application of its namespace with a baseline uses ' +
            '(a never-seen external endpoint, a new port to a known service, a workload the namespace never talks to) while it learns its own baseline; ' +
            '`off` lets it learn unreported until its discovery ends.',
        ),
      severity: z
        .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
        .default('Medium')
        .describe('Severity of the `flow_baseline.new_application_edge` findings.'),
      minApplications: z
        .number()
        .int()
        .min(1)
        .default(1)
        .describe('Applications with a baseline (past discovery) a namespace needs before its new applications are judged against it.'),
    })
    .prefault({})
    .describe('New applications are watched from their first connection against their namespace\'s baseline (no free discovery day).'),
  l7: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('Learn HTTP (method, path pattern) per edge and the DNS names each application resolves from L7 flows (Hubble L7 visibility), and report new ones after discovery.'),
      http: z
        .strictObject({
          severity: z
            .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
            .default('Low')
            .describe('Severity of `flow_baseline.new_http_path` when the method is known on the edge and only the path pattern is new (APIs grow; generalisation can miss a parameter).'),
          newMethodSeverity: z
            .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
            .default('Medium')
            .describe('Severity of `flow_baseline.new_http_path` when the edge never carried that method (e.g. the first DELETE or PUT where only GET was seen).'),
          maxPathsPerEdge: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(64)
            .describe('(method, path pattern) pairs learned per edge; the least recently used is evicted beyond this.'),
          maxPaths: z.number().int().min(1).max(100_000).default(512).describe('(method, path pattern) pairs learned per application over all its edges (LRU).'),
        })
        .prefault({})
        .describe('HTTP paths: numeric ids, UUIDs, hex ids, dates, long tokens and emails in a path become `{id}`.'),
      dns: z
        .strictObject({
          severity: z
            .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
            .default('Medium')
            .describe('Severity of `flow_baseline.new_dns_name`: the application resolved a name it never resolved.'),
          maxNames: z.number().int().min(1).max(100_000).default(256).describe('DNS names learned per application (LRU).'),
          resolvers: z
            .array(z.string().min(1).max(253))
            .max(100)
            .default(['coredns', 'kube-dns', 'node-local-dns'])
            .describe(
              'Applications that are DNS resolvers: the names they look up are their clients\' (forwarded), so they are not learned or reported for them. ' +
                'An application that answers DNS (a DNS reply from it) is also one.',
            ),
        })
        .prefault({})
        .describe('DNS names (search-list expansions reduced to the asked name; id-like labels become `*`).'),
    })
    .prefault({})
    .describe('L7 learning (HTTP paths, DNS names) on the flows that carry an L7 record.'),
  sharedServices: z
    .strictObject({
      minClients: z
        .number()
        .int()
        .min(0)
        .default(3)
        .describe(
          'A served port (protocol, port) that already has this many distinct workload clients in the baseline is a shared service (CoreDNS, ' +
            'Prometheus targets, a message broker): a new workload client of it is learned and reported as `flow_baseline.new_shared_service_client` ' +
            '(severity below), not as a new edge. The client\'s own outbound edge is still judged in its state. 0 turns this off.',
        ),
      severity: z
        .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
        .default('Informational')
        .describe('Severity of `flow_baseline.new_shared_service_client`.'),
    })
    .prefault({})
    .describe('New clients of shared services (every new application is a new client of CoreDNS).'),
  limits: z
    .strictObject({
      maxEdges: z.number().int().min(1).max(100_000).default(512).describe('Baseline edges per workload; the least recently used is evicted beyond this.'),
      maxNovelEdges: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(128)
        .describe('Edges outside the baseline remembered per workload for deduplication; the least recently used is evicted beyond this.'),
      maxWorkloads: z
        .number()
        .int()
        .min(1)
        .default(50_000)
        .describe('Workload baselines held by one detector instance; beyond this the least recently seen are deleted (tombstoned).'),
      idleTtlMs: z
        .number()
        .int()
        .min(0)
        .default(14 * DAY)
        .describe('A workload without a flow for this long (event time) is deleted by the periodic sweep; 0 never expires.'),
      sweepEveryFlows: z
        .number()
        .int()
        .min(0)
        .default(50_000)
        .describe('Flows between two sweeps for idle workloads; 0 never sweeps inside process().'),
    })
    .prefault({})
    .describe('Memory bounds.'),
  sources: z
    .array(FlowSourceType)
    .min(1)
    .default(['workload'])
    .describe(
      'Source endpoint types whose flows are baselined (by their key). Other sources are skipped: their traffic is still learned by the ' +
        'destination workload from its replies.',
    ),
  inbound: z
    .enum(['alert', 'learn', 'ignore'])
    .default('alert')
    .describe(
      'Edges a workload serves (learned from its replies: a peer connects to its port): `alert` treats them like outbound edges, ' +
        '`learn` learns them (for policy export) but never alerts, `ignore` drops reply flows.',
    ),
  inboundExternal: z
    .enum(['world', 'bucket'])
    .default('world')
    .describe(
      'Peer of an inbound edge from an external client: `world` (any address: the clients of a public service come from anywhere, so only its port is learned) ' +
        'or `bucket` (the client\'s FQDN or CIDR bucket, for services with a fixed set of external clients).',
    ),
  learnDropped: z
    .boolean()
    .default(false)
    .describe('Learn edges from DROPPED/ERROR flows during discovery; by default they are only checked (a denied attempt is still reported).'),
  processIdentity: z
    .enum(['off', 'binary', 'binary_and_parent'])
    .default('binary')
    .describe(
      'When a flow names its process (tetragon collector), make the binary (and its parent binary) part of the edge: edges are then ' +
        '(application, version, binary), so `curl` or `nc` in a web container talking to a peer is told apart from the application\'s own traffic; ' +
        'flows without a process (Hubble, VPC) are unaffected. `off` ignores the process.',
    ),
  ephemeralPortMin: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(32768)
    .describe(
      'Lowest ephemeral (client) port: a flow without reply or TCP flag information from a port below this to a port at or above it is read as a reply.',
    ),
});

/** The validated config (defaults filled in). */
export type FlowBaselineSettings = z.output<typeof FlowBaselineConfig>;
/** The config as written (every field optional). */
export type FlowBaselineConfigInput = z.input<typeof FlowBaselineConfig>;
