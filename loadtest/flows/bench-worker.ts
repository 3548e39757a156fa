/**
 * One worker thread of the flows bench: generates its flows (not timed), then times the detector
 * in-process: a learning pass (discovery) and a monitoring pass (the same traffic a day later,
 * every edge known). Measures the state: JSON bytes and heap growth per tracked edge and per
 * application. With `l7`, flows carry HTTP and DNS records and flow_baseline learns them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { FlowBaselineConfig } from '../../services/detectors/flow_baseline/index.ts';
import { FlowBaselineDetector } from '../../services/detectors/flow_baseline/index.ts';
import type { FlowBaselineState } from '../../services/detectors/flow_baseline/index.ts';
import type { NetworkFlow } from '../../services/core/model/network-flow.ts';
import { flowGenerator } from './generator.ts';
import { scaledTopology } from './topology.ts';

/** What the bench sends each worker. */
export interface BenchWorkerInput {
  index: number;
  flows: number;
  services: number;
  fanout: number;
  seed: number;
  /** Generate L7 records and learn them (flow_baseline l7.enabled). */
  l7: boolean;
}

/** What a worker reports. */
export interface BenchWorkerResult {
  index: number;
  flows: number;
  learnFlowsPerSec: number;
  monitorFlowsPerSec: number;
  workloads: number;
  edges: number;
  novelEdges: number;
  stateJsonBytes: number;
  jsonBytesPerEdge: number;
  heapBytes: number | null;
  heapBytesPerEdge: number | null;
  alertsOnReplay: number;
  /** Flows carrying an L7 record. */
  l7Flows: number;
  httpPaths: number;
  dnsNames: number;
  jsonBytesPerApplication: number;
  heapBytesPerApplication: number | null;
}

/** A forced GC (exposed through a fresh context: --expose-gc cannot be given to one worker thread). */
const forceGc: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

function gc(): void {
  forceGc?.();
  forceGc?.();
}

function run(input: BenchWorkerInput): BenchWorkerResult {
  const DAY = 86_400_000;
  const gen = flowGenerator({
    topology: scaledTopology({ services: input.services, fanout: input.fanout, seed: input.seed + input.index, cluster: `bench-${input.index}` }),
    seed: input.seed + input.index,
    start: Date.UTC(2025, 0, 6),
    durationMs: 30 * DAY,
    drift: 0,
    rollouts: 0,
    l7: input.l7,
  });
  const flows: Array<{ key: string; event: NetworkFlow }> = [];
  for (const g of gen.flows()) {
    flows.push({ key: g.key, event: g.event });
    if (flows.length >= input.flows) break;
  }
  const span = flows.length ? flows[flows.length - 1]!.event.time - flows[0]!.event.time + 1 : 0;
  const state = new MemoryKeyedState<FlowBaselineState>();
  const config = FlowBaselineConfig.parse({ enabled: true, discovery: { maxMs: span + DAY / 2, stableMs: 0 }, l7: { enabled: input.l7 } });
  const l7Flows = flows.reduce((n, f) => n + (f.event.l7 ? 1 : 0), 0);
  const detector = new FlowBaselineDetector(config, { state, emit: () => undefined });
  gc();
  let offset = 0;
  const t0 = performance.now();
  for (const f of flows) detector.process(f.event, { key: f.key, topic: 'bench', partition: 0, offset: String(offset++) });
  const t1 = performance.now();
  // The monitoring pass: the same traffic a day later (times shifted in place, not timed).
  for (const f of flows) f.event.time += span + DAY;
  let alerts = 0;
  const t2 = performance.now();
  for (const f of flows) {
    for (const x of detector.process(f.event, { key: f.key, topic: 'bench', partition: 0, offset: String(offset++) })) if (x.severity !== 'Informational') alerts++;
  }
  const t3 = performance.now();
  const stats = detector.stats({ scan: true });
  const edges = stats.scan!.edges;
  // Heap held by the state: with it, then without it (everything else stays alive).
  gc();
  const withState = process.memoryUsage().heapUsed;
  for (const key of [...state.keys()]) state.delete(key);
  gc();
  const heapBytes = withState - process.memoryUsage().heapUsed;
  const hasGc = forceGc !== null;
  return {
    index: input.index,
    flows: flows.length,
    learnFlowsPerSec: Math.round(flows.length / ((t1 - t0) / 1000)),
    monitorFlowsPerSec: Math.round(flows.length / ((t3 - t2) / 1000)),
    workloads: stats.workloads,
    edges,
    novelEdges: stats.scan!.novelEdges,
    stateJsonBytes: stats.scan!.stateBytes,
    jsonBytesPerEdge: Math.round(stats.scan!.stateBytes / Math.max(1, edges)),
    heapBytes: hasGc ? heapBytes : null,
    heapBytesPerEdge: hasGc ? Math.round(heapBytes / Math.max(1, edges)) : null,
    alertsOnReplay: alerts,
    l7Flows,
    httpPaths: stats.scan!.httpPaths,
    dnsNames: stats.scan!.dnsNames,
    jsonBytesPerApplication: Math.round(stats.scan!.stateBytes / Math.max(1, stats.workloads)),
    heapBytesPerApplication: hasGc ? Math.round(heapBytes / Math.max(1, stats.workloads)) : null,
  };
}

if (parentPort) parentPort.postMessage(run(workerData as BenchWorkerInput));
