/**
 * `npm run bench -- flows-eval [options]`: precision and recall of flow_baseline per injected kind
 * on generated traffic (loadtest/flows/generator.ts), and false alerts per 10,000 benign flows
 * after discovery. One run per kind (benign traffic + that kind's incidents, same seed), so each
 * kind's precision counts only its own alerts against the benign false alerts.
 *
 * Options: --hours=N (6) --discovery-hours=N (2) --incidents=N per kind (40) --seed=N (1)
 *          --rate-scale=X (1) --drift=N benign new edges after discovery (2) --kinds=a,b (all) --quiet
 *          --new-applications=off (new applications learn unreported, as before issue 22)
 *          --l7 (flows carry HTTP and DNS records; adds the L7 kinds http_path and dns_name)
 * Targets: recall >= 0.95 per kind, <= 1 false alert per 10,000 benign flows after discovery.
 */
import { pathToFileURL } from 'node:url';
import type { Finding } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { FlowBaselineConfig } from '../../services/detectors/flow_baseline/index.ts';
import { FlowBaselineDetector } from '../../services/detectors/flow_baseline/index.ts';
import { RULES } from '../../services/detectors/flow_baseline/index.ts';
import type { FlowBaselineState } from '../../services/detectors/flow_baseline/index.ts';
import { flowGenerator, INJECTED_KINDS, L7_KINDS, type InjectedKind, type Truth } from './generator.ts';
import { shopTopology } from './topology.ts';

const HOUR = 3_600_000;
export const TARGET_RECALL = 0.95;
export const TARGET_FALSE_PER_10K = 1;

/** Result of one kind's run. */
export interface KindResult {
  kind: InjectedKind;
  incidents: number;
  detected: number;
  recall: number;
  /** Incidents with an alert of the rule expected for the kind (new_edge to a workload / external peer, version_change, burst). */
  classified: number;
  alerts: number;
  trueAlerts: number;
  falseAlerts: number;
  precision: number;
  flows: number;
  benignFlowsAfterDiscovery: number;
  falseAlertsPer10k: number;
  missed: string[];
  seconds: number;
}

function opt(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : def;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
}

const EXPECTED_RULE: Record<InjectedKind, (f: Finding) => boolean> = {
  lateral_movement: (f) => f.rule === RULES.newEdge && f.evidences[0]?.peer_type === 'workload',
  c2_egress: (f) => f.rule === RULES.newEdge && f.evidences[0]?.peer_type === 'external',
  version_backdoor: (f) => f.rule === RULES.versionChange,
  port_scan: (f) => f.rule === RULES.burst,
  new_workload: (f) => f.rule === RULES.newApplicationEdge,
  http_path: (f) => f.rule === RULES.newHttpPath || (f.rule === RULES.versionChange && f.evidences[0]?.l7_protocol === 'http'),
  dns_name: (f) => f.rule === RULES.newDnsName || (f.rule === RULES.versionChange && f.evidences[0]?.l7_protocol === 'dns'),
};

/** Runs the detector over one generated scenario and scores it. */
export function evaluateKind(
  kind: InjectedKind,
  o: { hours: number; discoveryHours: number; incidents: number; seed: number; rateScale: number; drift: number; judgeNew?: 'namespace' | 'off'; l7?: boolean },
): KindResult {
  const t0 = performance.now();
  const start = Date.UTC(2025, 0, 6, 0, 0, 0);
  const gen = flowGenerator({
    topology: shopTopology(),
    seed: o.seed,
    start,
    durationMs: o.hours * HOUR,
    rateScale: o.rateScale,
    injectFromMs: (o.discoveryHours + 0.25) * HOUR,
    incidents: { [kind]: o.incidents },
    drift: o.drift,
    // The L7 kinds need L7 records.
    l7: o.l7 === true || L7_KINDS.includes(kind),
  });
  const state = new MemoryKeyedState<FlowBaselineState>();
  const config = FlowBaselineConfig.parse({ enabled: true, mode: 'monitor', discovery: { maxMs: o.discoveryHours * HOUR }, newApplications: { judge: o.judgeNew ?? 'namespace' } });
  const detector = new FlowBaselineDetector(config, { state, emit: () => undefined });
  const truthByUid = new Map<string, Truth>();
  const detected = new Map<string, Finding[]>();
  let flows = 0;
  let benignAfter = 0;
  let alerts = 0;
  let trueAlerts = 0;
  let falseAlerts = 0;
  let offset = 0;
  for (const g of gen.flows()) {
    flows++;
    if (g.truth) truthByUid.set(g.event.metadata.uid, g.truth);
    else if (state.get(g.key)?.phase === 'active') benignAfter++;
    const found = detector.process(g.event, { key: g.key, topic: 'loadtest', partition: 0, offset: String(offset++) });
    for (const f of found) {
      if (f.severity === 'Informational') continue;
      alerts++;
      const truth = f.finding_info.related_events.map((e) => truthByUid.get(e.uid)).find((t) => t !== undefined);
      if (truth) {
        trueAlerts++;
        const list = detected.get(truth.incident) ?? [];
        list.push(f);
        detected.set(truth.incident, list);
      } else {
        falseAlerts++;
      }
    }
  }
  const incidents = gen.incidents.filter((i) => i.kind === kind);
  const found = incidents.filter((i) => detected.has(i.id));
  return {
    kind,
    incidents: incidents.length,
    detected: found.length,
    recall: incidents.length ? found.length / incidents.length : 1,
    classified: found.filter((i) => detected.get(i.id)!.some(EXPECTED_RULE[kind])).length,
    alerts,
    trueAlerts,
    falseAlerts,
    precision: alerts ? trueAlerts / alerts : 1,
    flows,
    benignFlowsAfterDiscovery: benignAfter,
    falseAlertsPer10k: benignAfter ? (falseAlerts / benignAfter) * 10_000 : 0,
    missed: incidents.filter((i) => !detected.has(i.id)).map((i) => `${i.id}: ${i.description}`),
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
}

/** The evaluation: one run per kind; returns the scores and whether the targets are met. */
export async function runFlowsEval(args: string[]): Promise<unknown> {
  const o = {
    hours: opt(args, 'hours', 6),
    discoveryHours: opt(args, 'discovery-hours', 2),
    incidents: opt(args, 'incidents', 40),
    seed: opt(args, 'seed', 1),
    rateScale: opt(args, 'rate-scale', 1),
    drift: opt(args, 'drift', 2),
    judgeNew: args.includes('--new-applications=off') ? ('off' as const) : ('namespace' as const),
    l7: args.includes('--l7'),
  };
  const kindsArg = args.find((a) => a.startsWith('--kinds='))?.slice(8);
  const known: readonly string[] = [...INJECTED_KINDS, ...L7_KINDS];
  const kinds = kindsArg ? (kindsArg.split(',').filter((k) => known.includes(k)) as InjectedKind[]) : [...INJECTED_KINDS, ...(o.l7 ? L7_KINDS : [])];
  const quiet = args.includes('--quiet');
  const results: KindResult[] = [];
  for (const kind of kinds) {
    const res = evaluateKind(kind, o);
    results.push(res);
    if (!quiet) {
      process.stderr.write(
        `${kind.padEnd(17)} recall ${res.recall.toFixed(3)} (${res.detected}/${res.incidents}, classified ${res.classified})  precision ${res.precision.toFixed(3)} (${res.trueAlerts}/${res.alerts})  ` +
          `false ${res.falseAlerts} = ${res.falseAlertsPer10k.toFixed(2)}/10k benign after discovery (${res.benignFlowsAfterDiscovery})  ${res.flows} flows ${res.seconds}s\n`,
      );
    }
  }
  const benign = results.reduce((n, x) => n + x.benignFlowsAfterDiscovery, 0);
  const falseAlerts = results.reduce((n, x) => n + x.falseAlerts, 0);
  const per10k = benign ? (falseAlerts / benign) * 10_000 : 0;
  const met = results.every((x) => x.recall >= TARGET_RECALL) && per10k <= TARGET_FALSE_PER_10K;
  return {
    eval: 'flows',
    options: o,
    kinds: Object.fromEntries(results.map((x) => [x.kind, { ...x, missed: x.missed.slice(0, 10) }])),
    benign: { flowsAfterDiscovery: benign, falseAlerts, falseAlertsPer10k: +per10k.toFixed(3) },
    targets: { recall: TARGET_RECALL, falseAlertsPer10k: TARGET_FALSE_PER_10K, met },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = (await runFlowsEval(process.argv.slice(2))) as { targets: { met: boolean } };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.targets.met ? 0 : 1);
}
