/** Finding builders of process_baseline. */
import type { Finding, SeverityName } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import type { ProcessEvent } from '../../core/model/process-event.ts';
import type { ServerReason, SpawnKind } from './classify.ts';
import type { ProcessMode } from './config.ts';
import type { ProcessBaselineState } from './state.ts';

export const DETECTOR_NAME = 'process_baseline';

/** Rule ids (finding `rule` and analytic uid). */
export const RULES = {
  newBinary: 'process_baseline.new_binary',
  shellFromServer: 'process_baseline.shell_from_server',
  toolFromServer: 'process_baseline.tool_from_server',
  discoveryEnded: 'process_baseline.discovery_ended',
} as const;
export type ProcessBaselineRule = (typeof RULES)[keyof typeof RULES];

type Evidence = Record<string, string | number | boolean | null>;

const INFO: Record<ProcessBaselineRule, { title: string; desc: string; severity: SeverityName; type: 'Rule' | 'Behavioral'; attacks: Finding['finding_info']['attacks'] }> = {
  [RULES.newBinary]: {
    title: 'New binary executed in an application',
    desc: 'A binary that the application (any of its versions) never ran during its baseline was executed: a dropped tool, an interactive session or a changed image.',
    severity: 'Medium',
    type: 'Behavioral',
    attacks: [
      { technique_uid: 'T1059', tactic: 'Execution' },
      { technique_uid: 'T1609', tactic: 'Execution' },
    ],
  },
  [RULES.shellFromServer]: {
    title: 'Shell spawned by a server process',
    desc: 'A long-running server process (the container entrypoint or a known server binary) started a shell: command injection, a web shell or remote code execution.',
    severity: 'High',
    type: 'Rule',
    attacks: [
      { technique_uid: 'T1059.004', tactic: 'Execution' },
      { technique_uid: 'T1505.003', tactic: 'Persistence' },
    ],
  },
  [RULES.toolFromServer]: {
    title: 'Network tool spawned by a server process',
    desc: 'A long-running server process started a network or reconnaissance tool (nc, socat, curl, wget, nmap...) or an interpreter running inline code: a reverse shell, tool download or scan.',
    severity: 'High',
    type: 'Rule',
    attacks: [
      { technique_uid: 'T1059', tactic: 'Execution' },
      { technique_uid: 'T1105', tactic: 'Command and Control' },
    ],
  },
  [RULES.discoveryEnded]: {
    title: 'Process baseline discovery ended',
    desc: 'The application left discovery: from now on binaries outside its baseline are reported (monitor).',
    severity: 'Informational',
    type: 'Rule',
    attacks: [],
  },
};

/** What the detector knows when it builds a finding about one process event. */
export interface FindingContext {
  key: string;
  state: ProcessBaselineState;
  event: ProcessEvent;
  mode: ProcessMode;
  version: string | null;
}

/** The parent chain, nearest first: `/usr/bin/sh < /bin/bash < /usr/bin/containerd-shim`. */
export function parentChain(e: ProcessEvent): string | null {
  const chain = [...(e.parent ? [e.parent.binary] : []), ...e.ancestors];
  return chain.length ? chain.join(' < ') : null;
}

/** The evidence naming the application, the process and its parent chain (never a pid as identity). */
export function processEvidence(c: FindingContext): Evidence {
  const e = c.event;
  const id = c.state.identity;
  const w = e.workload;
  return {
    application: c.key,
    cluster: id.cluster,
    namespace: id.namespace,
    application_name: id.kind === 'app' ? id.name : null,
    controller: w ? `${w.kind}/${w.name}` : null,
    version: c.version,
    image_repository: w?.image_repository ?? id.image_repository,
    pod: w?.pod ?? null,
    container: e.container?.name ?? null,
    binary: e.process.binary,
    args: e.process.args,
    cwd: e.process.cwd,
    uid: e.process.uid,
    parent_binary: e.parent?.binary ?? null,
    parent_args: e.parent?.args ?? null,
    parent_chain: parentChain(e),
    container_pid: e.process.container_pid,
    pid: e.process.pid,
    exec_id: e.process.exec_id,
    activity: e.activity_name,
    mode: c.mode,
  };
}

function base(rule: ProcessBaselineRule, c: FindingContext, idParts: readonly string[], message: string, firstSeen: number, count: number, evidence: Evidence): Finding {
  const e = c.event;
  const info = INFO[rule];
  const id = findingId(DETECTOR_NAME, rule, c.key, [...idParts, e.metadata.uid]);
  return {
    ...findingHeader(id, 2004, e.time, info.severity, message),
    finding_info: {
      uid: id,
      title: info.title,
      desc: info.desc,
      analytic: { uid: rule, name: info.title, type: info.type },
      attacks: info.attacks,
      first_seen_time: firstSeen,
      last_seen_time: e.time,
      related_events: [{ uid: e.metadata.uid }],
    },
    detector: DETECTOR_NAME,
    rule,
    entity: { kind: 'workload', key: c.key },
    count,
    evidences: [evidence],
    cloud: { provider: 'kubernetes', region: null, account_uid: null },
  };
}

function where(c: FindingContext): string {
  return `${c.key}${c.version ? ` version ${c.version}` : ''}`;
}

export function newBinaryFinding(c: FindingContext, firstSeen: number, count: number, knownBinaries: number): Finding {
  const e = c.event;
  const chain = parentChain(e);
  return base(
    RULES.newBinary,
    c,
    [e.process.binary],
    `${e.process.binary} executed${chain ? ` by ${chain}` : ''} in ${where(c)}, which never ran it before`,
    firstSeen,
    count,
    { ...processEvidence(c), first_seen: firstSeen, count, baseline_binaries: knownBinaries, discovery_end: c.state.discovery.end },
  );
}

export function spawnFinding(c: FindingContext, kind: SpawnKind, reason: ServerReason, firstSeen: number, count: number): Finding {
  const e = c.event;
  const rule = kind === 'shell' ? RULES.shellFromServer : RULES.toolFromServer;
  const what = kind === 'shell' ? 'a shell' : kind === 'network_tool' ? 'a network tool' : 'an interpreter running inline code';
  const why = reason === 'container_pid_1' ? 'the container entrypoint' : reason === 'entrypoint' ? 'an entrypoint of the application' : 'a server binary';
  return base(
    rule,
    c,
    [e.parent?.binary ?? '', e.process.binary],
    `server process ${e.parent?.binary ?? '?'} (${why}) started ${what}, ${e.process.binary}${e.process.args ? ` ${e.process.args}` : ''}, in ${where(c)}`,
    firstSeen,
    count,
    { ...processEvidence(c), spawned: kind, server_reason: reason, first_seen: firstSeen, count, phase: c.state.phase },
  );
}

export function discoveryEndedFinding(c: FindingContext, binaries: number): Finding {
  const s = c.state;
  return base(
    RULES.discoveryEnded,
    c,
    [String(s.discovery.end)],
    `${c.key} process baseline learned (${binaries} binaries, ${s.discovery.reason}); mode ${c.mode}`,
    s.discovery.start,
    1,
    { application: c.key, cluster: s.identity.cluster, namespace: s.identity.namespace, baseline_binaries: binaries, discovery_start: s.discovery.start, discovery_end: s.discovery.end, reason: s.discovery.reason, mode: c.mode },
  );
}
