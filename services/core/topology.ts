/**
 * The topology as a value: which collectors feed which streams and topics, which detectors read
 * them (with their changelog topics), which sinks receive the findings, and the side topics.
 * Derived from the validated config and the component registries (handed in: core knows no
 * component), checked before anything is built, printed by `sluice config`, and what the
 * processor and `sluice run` are built from.
 */
import type { CollectorSpec, DetectorSpec, SinkSpec } from './components.ts';
import type { SluiceConfig } from './config.ts';
import { SluiceError } from './errors.ts';
import { STREAMS, topicFor, type StreamName } from './streams.ts';

export interface TopologyStream {
  readonly name: StreamName;
  readonly topic: string;
  /** What the topic is keyed by. */
  readonly key: string;
  /** Collector types that produce this stream. */
  readonly producers: readonly string[];
  /** Enabled detectors that consume it. */
  readonly consumers: readonly string[];
}

export interface TopologyDetector {
  readonly name: string;
  readonly stream: StreamName;
  /** Further streams joined with `stream`, keyed by the same entity key (DetectorSpec.alsoReads). */
  readonly alsoReads: readonly StreamName[];
  readonly inputTopic: string;
  /** `<app>-<name>-changelog`, or null for a detector that keeps no state or when changelogs are off. */
  readonly changelog: string | null;
  readonly stateful: boolean;
  readonly takesControl: boolean;
}

export interface TopologySink {
  readonly name: string;
  readonly requires: readonly string[];
}

export interface Topology {
  readonly collectors: ReadonlyArray<{ readonly type: string; readonly streams: readonly StreamName[] }>;
  readonly streams: readonly TopologyStream[];
  readonly detectors: readonly TopologyDetector[];
  readonly sinks: readonly TopologySink[];
  readonly topics: {
    readonly findings: string;
    readonly deadLetter: string;
    readonly actions: string;
    readonly actionResults: string;
    readonly enforcement: string;
    /** Re-scan requests (config_rescan -> the aws_config_rescan role). */
    readonly rescan: string;
    /** Read whole by every processor when a running detector takes control messages; else null. */
    readonly control: string | null;
  };
}

export interface ComponentRegistries {
  readonly collectors: readonly CollectorSpec[];
  readonly detectors: readonly DetectorSpec[];
  readonly sinks: readonly SinkSpec[];
}

export function changelogTopic(app: string, detector: string): string {
  return `${app}-${detector}-changelog`;
}

/** Derives the topology; does not judge it (see topologyProblems). */
export function deriveTopology(config: SluiceConfig, registries: ComponentRegistries): Topology {
  const detectors: TopologyDetector[] = registries.detectors
    .filter((spec) => config.detectors[spec.name]?.enabled === true)
    .map((spec) => {
      const stateful = spec.stateful !== false;
      return {
        name: spec.name,
        stream: spec.stream,
        alsoReads: [...(spec.alsoReads ?? [])],
        inputTopic: topicFor(spec.stream, config.topics),
        changelog: stateful && config.processor.changelog ? changelogTopic(config.app, spec.name) : null,
        stateful,
        takesControl: spec.takesControl === true,
      };
    });
  const streams: TopologyStream[] = (Object.keys(STREAMS) as StreamName[]).map((name) => ({
    name,
    topic: topicFor(name, config.topics),
    key: STREAMS[name].key,
    producers: registries.collectors.filter((c) => c.streams.includes(name)).map((c) => c.type),
    consumers: detectors.filter((d) => d.stream === name || d.alsoReads.includes(name)).map((d) => d.name),
  }));
  const sinks: TopologySink[] = registries.sinks
    .filter((spec) => spec.active(config.sinks[spec.name] as never, config))
    .map((spec) => ({ name: spec.name, requires: [...spec.requires] }));
  return {
    collectors: registries.collectors.map((c) => ({ type: c.type, streams: [...c.streams] })),
    streams,
    detectors,
    sinks,
    topics: {
      findings: config.topics.findings,
      deadLetter: config.topics.deadLetter,
      actions: config.topics.actions,
      actionResults: config.topics.actionResults,
      enforcement: config.topics.enforcement,
      rescan: config.topics.rescan,
      control: detectors.some((d) => d.takesControl) ? config.topics.control : null,
    },
  };
}

/** What is wrong with a topology, one sentence each; empty when it can be built. */
export function topologyProblems(topology: Topology, config: SluiceConfig): string[] {
  const problems: string[] = [];
  for (const d of topology.detectors) {
    for (const name of [d.stream, ...d.alsoReads]) {
      const stream = topology.streams.find((s) => s.name === name);
      if (!stream || stream.producers.length === 0) problems.push(`detectors.${d.name} reads the ${name} stream, which no registered collector produces`);
    }
  }
  for (const s of topology.sinks) {
    for (const r of s.requires) {
      if (r === 'clickhouse' && !config.clickhouse) problems.push(`sinks.${s.name} is enabled but the \`clickhouse\` connection is not configured (CLICKHOUSE_URL or --clickhouse-url)`);
    }
  }
  const topics = new Map<string, string>();
  const claim = (topic: string, what: string): void => {
    const prior = topics.get(topic);
    if (prior && prior !== what) problems.push(`topic ${topic} is used for both ${prior} and ${what}`);
    else topics.set(topic, what);
  };
  for (const s of topology.streams) claim(s.topic, `the ${s.name} stream`);
  claim(topology.topics.findings, 'findings');
  claim(topology.topics.deadLetter, 'dead letters');
  claim(topology.topics.actions, 'actions');
  claim(topology.topics.actionResults, 'action results');
  claim(topology.topics.enforcement, 'enforcement decisions');
  claim(topology.topics.rescan, 're-scan requests');
  if (topology.topics.control) claim(topology.topics.control, 'control messages');
  for (const d of topology.detectors) if (d.changelog) claim(d.changelog, `the ${d.name} changelog`);
  return problems;
}

/** Derives and checks the topology; throws SLUICE_ERR_CONFIG_INVALID listing every problem. */
export function buildTopology(config: SluiceConfig, registries: ComponentRegistries): Topology {
  const topology = deriveTopology(config, registries);
  const problems = topologyProblems(topology, config);
  if (problems.length > 0) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `invalid topology (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      details: { problems },
    });
  }
  return topology;
}

/** The topology as lines of text, for `sluice config` (one line per stream, then the outputs). */
export function describeTopology(t: Topology): string[] {
  const lines = ['topology:'];
  for (const s of t.streams) {
    const consumers = t.detectors
      .filter((d) => d.stream === s.name || d.alsoReads.includes(s.name))
      .map((d) => (d.changelog ? `${d.name} (state: ${d.changelog})` : d.name));
    lines.push(`  ${s.producers.join(', ') || '(no collector)'} -> ${s.name} [${s.topic}, keyed by ${s.key}] -> ${consumers.join(', ') || '(no detector enabled)'}`);
  }
  lines.push(`  findings -> ${t.sinks.map((s) => s.name).join(', ') || '(no sink)'} [${t.topics.findings}]`);
  lines.push(`  side outputs -> actions [${t.topics.actions}], enforcement [${t.topics.enforcement}], re-scan requests [${t.topics.rescan}]`);
  lines.push(`  aws_config_rescan: re-scan requests [${t.topics.rescan}] -> AWS Config -> config [${t.streams.find((s) => s.name === 'config')?.topic ?? 'config topic'}]`);
  lines.push(`  remediator: actions [${t.topics.actions}] -> results [${t.topics.actionResults}] (stored in ClickHouse action_results when configured)`);
  lines.push(`  enforcer: enforcement [${t.topics.enforcement}] -> network policies, results [${t.topics.actionResults}]`);
  lines.push(`  dead letters -> [${t.topics.deadLetter}]`);
  if (t.topics.control) lines.push(`  control <- [${t.topics.control}] (read whole by every processor)`);
  return lines;
}
