import { Worker } from 'node:worker_threads';

export interface BoundedOptions {
  /** Wall-clock limit: the worker is terminated after it and the promise rejects. */
  timeoutMs: number;
  /** Heap limit of the worker (V8 old generation), MiB; exceeding it rejects (ERR_WORKER_OUT_OF_MEMORY). */
  maxHeapMb?: number;
}

/**
 * Runs `source` (an async function `(modules) => value`, as source text) in a worker thread that
 * imports `modules` (name -> module path or URL, resolved against `base`) and is killed after
 * timeoutMs. For regression tests of attacks on the CPU or memory: a hung or runaway computation
 * cannot be interrupted on the test's own thread, so the bound holds even when the code regresses.
 */
export function runBounded<T>(base: string | URL, modules: Record<string, string>, source: string, options: BoundedOptions): Promise<T> {
  const urls = Object.fromEntries(Object.entries(modules).map(([k, p]) => [k, p.startsWith('node:') ? p : new URL(p, base).href]));
  const w = new Worker(new URL('./bounded-worker.mjs', import.meta.url), {
    workerData: { urls, source },
    execArgv: [],
    ...(options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {}),
  });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    w.once('message', (msg: { ok: boolean; value?: T; error?: string }) => {
      clearTimeout(timer);
      void w.terminate();
      if (msg.ok) resolve(msg.value as T);
      else reject(new Error(msg.error));
    });
    w.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
