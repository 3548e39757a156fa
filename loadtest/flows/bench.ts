/**
 * `npm run bench -- flows [options]`: flow_baseline throughput per worker thread calling the
 * detector in-process, and memory per tracked edge. Each thread simulates its own cluster
 * (scaledTopology: many workloads and edges), generates its flows first (not timed), then times a
 * learning pass and a monitoring pass over them. Memory: JSON bytes of the state per edge, and
 * heap growth per edge (each thread forces a garbage collection before measuring).
 *
 * Options: --threads=N (2) --flows=N per thread (300000) --services=N (400) --fanout=N (8) --seed=N (1)
 *          --l7=on|off (on: flows carry HTTP and DNS records, learned by flow_baseline)
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BenchWorkerInput, BenchWorkerResult } from './bench-worker.ts';
import { runProcessBench } from './process-bench.ts';

function opt(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

function runWorker(input: BenchWorkerInput): Promise<BenchWorkerResult> {
  return new Promise((resolve, reject) => {
    // The .mjs entry registers tsx inside the thread, then imports the TypeScript worker.
    const w = new Worker(new URL('./bench-worker-entry.mjs', import.meta.url), { workerData: input });
    w.once('message', (m: BenchWorkerResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench worker ${input.index} exited with ${code}`));
    });
  });
}

/** Runs the bench and returns per-thread and total numbers. */
export async function runFlowsBench(args: string[]): Promise<unknown> {
  const threads = opt(args, 'threads', 2);
  const l7Arg = args.find((x) => x.startsWith('--l7='))?.slice(5) ?? 'on';
  if (l7Arg !== 'on' && l7Arg !== 'off') throw new Error('--l7 must be on or off');
  const input = { flows: opt(args, 'flows', 300_000), services: opt(args, 'services', 400), fanout: opt(args, 'fanout', 8), seed: opt(args, 'seed', 1), l7: l7Arg === 'on' };
  const results = await Promise.all(Array.from({ length: threads }, (_, index) => runWorker({ ...input, index })));
  // process_baseline on Tetragon process events, one thread (options --process-<name>=N, --process=off to skip).
  const processBench = args.includes('--process=off')
    ? null
    : await runProcessBench(args.filter((a) => a.startsWith('--process-')).map((a) => `--${a.slice('--process-'.length)}`));
  const sum = (f: (r: BenchWorkerResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const edges = sum((r) => r.edges);
  const heap = results.every((r) => r.heapBytes !== null) ? sum((r) => r.heapBytes ?? 0) : null;
  return {
    bench: 'flows',
    threads,
    options: input,
    perThread: results,
    total: {
      learnFlowsPerSec: sum((r) => r.learnFlowsPerSec),
      monitorFlowsPerSec: sum((r) => r.monitorFlowsPerSec),
      workloads: sum((r) => r.workloads),
      edges,
      jsonBytesPerEdge: Math.round(sum((r) => r.stateJsonBytes) / Math.max(1, edges)),
      heapBytesPerEdge: heap === null ? null : Math.round(heap / Math.max(1, edges)),
      alertsOnReplay: sum((r) => r.alertsOnReplay),
      l7Flows: sum((r) => r.l7Flows),
      httpPaths: sum((r) => r.httpPaths),
      dnsNames: sum((r) => r.dnsNames),
      jsonBytesPerApplication: Math.round(sum((r) => r.stateJsonBytes) / Math.max(1, sum((r) => r.workloads))),
      heapBytesPerApplication: heap === null ? null : Math.round(heap / Math.max(1, sum((r) => r.workloads))),
    },
    process: processBench,
    note: 'per-edge bytes include each workload\'s fixed overhead (identity, labels, versions, counters) spread over its edges',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await runFlowsBench(process.argv.slice(2)), null, 2)}\n`);
}
