/**
 * `runDetectBench(args)`: speed and memory of principal_anomaly, in process, on one thread.
 *   - throughput: events/s of process() over a pre-generated labelled stream (generation excluded);
 *   - memory: state of the principals of a Zipf stream over N principals (default 100k; those that
 *     had at least one event are measured): JSON bytes per principal (what the changelog carries)
 *     and the heap growth of the detector (state, indexes, population), both scaled to 100k principals.
 * Options: --events=N (throughput stream, default 300000) --principals=N (throughput population, 10000)
 *          --memory-principals=N (100000) --memory-events=N (1500000) --seed=N
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EventMeta } from '../../services/core/components.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import type { PrincipalState } from '../../services/detectors/principal_anomaly/index.ts';
import { numArg, parseArgs } from './args.ts';
import { createPrincipalAnomaly } from './eval.ts';
import { generateActivity } from './generate.ts';

const KNOWN = ['events', 'principals', 'memory-principals', 'memory-events', 'seed'];

function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function settle(gc: (() => void) | null): number {
  if (gc !== null) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

export interface DetectBenchResult {
  throughput: { events: number; principals: number; seconds: number; eventsPerSecond: number; findings: number };
  memory: {
    principals: number;
    events: number;
    jsonBytesPerPrincipal: number;
    jsonBytesMaxPrincipal: number;
    jsonMBPer100kPrincipals: number;
    heapMBPer100kPrincipals: number | null;
    populationAccounts: number;
    populationJsonMB: number;
    gcExposed: boolean;
  };
}

export async function runDetectBench(args: string[]): Promise<DetectBenchResult> {
  const a = parseArgs(args, KNOWN);
  const seed = numArg(a, 'seed', 7);
  const gc = gcFunction();

  // Throughput: pre-generate, then time process() only.
  const stream = generateActivity({ seed, principals: numArg(a, 'principals', 10_000), events: numArg(a, 'events', 300_000), days: 30, perKind: 4 });
  const events: ApiActivity[] = [];
  for (const { event } of stream.events()) events.push(event);
  const detector = createPrincipalAnomaly();
  const meta: EventMeta = { key: '', topic: 'sluice.activity.v1', partition: 0, offset: '0' };
  let findings = 0;
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    meta.key = e.actor.user.uid;
    findings += detector.process(e, meta).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const processed = events.length;
  events.length = 0;

  // Memory: a Zipf stream over many principals, state measured at the end.
  const memPrincipals = numArg(a, 'memory-principals', 100_000);
  // A flatter Zipf (0.7) than the eval's, so that most of the principals are active at all.
  const memStream = generateActivity({ seed: seed + 1, principals: memPrincipals, accounts: 50, events: numArg(a, 'memory-events', 1_500_000), days: 30, perKind: 0, zipfS: 0.7 });
  const before = settle(gc);
  const state = new MemoryKeyedState<PrincipalState>();
  const mem = createPrincipalAnomaly({}, state);
  let memEvents = 0;
  for (const { event } of memStream.events()) {
    meta.key = event.actor.user.uid;
    mem.process(event, meta);
    memEvents++;
  }
  const after = settle(gc);
  let bytes = 0;
  let maxBytes = 0;
  for (const key of state.keys()) {
    const b = Buffer.byteLength(JSON.stringify(state.get(key)), 'utf8');
    bytes += b;
    if (b > maxBytes) maxBytes = b;
  }
  const n = Math.max(1, state.size);
  const popBytes = mem.population?.bytes() ?? 0;
  return {
    throughput: { events: processed, principals: stream.principals.length, seconds: Math.round(seconds * 100) / 100, eventsPerSecond: Math.round(processed / seconds), findings },
    memory: {
      principals: state.size,
      events: memEvents,
      jsonBytesPerPrincipal: Math.round(bytes / n),
      jsonBytesMaxPrincipal: maxBytes,
      jsonMBPer100kPrincipals: Math.round(((bytes / n) * 100_000) / 1e6 * 10) / 10,
      heapMBPer100kPrincipals: gc === null ? null : Math.round((((after - before) / n) * 100_000) / 1e6 * 10) / 10,
      populationAccounts: mem.population?.size ?? 0,
      populationJsonMB: Math.round(popBytes / 1e5) / 10,
      gcExposed: gc !== null,
    },
  };
}
