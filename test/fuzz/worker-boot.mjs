// Worker entry of the fuzz suite (run.ts), plain JS so that it loads without a TypeScript loader:
// registers tsx, then loads worker.ts, which reads workerData and reports to the parent.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
