// Worker side of runBounded (bounded.ts), plain JS so that it loads without a TypeScript loader:
// registers tsx, imports the named modules and runs the function source on them.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { urls, source } = workerData;
try {
  const modules = {};
  for (const [name, url] of Object.entries(urls)) modules[name] = await import(url);
  const run = new Function(`return (${source});`)();
  parentPort.postMessage({ ok: true, value: await run(modules) });
} catch (err) {
  parentPort.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
