// Entry of a flows-bench worker thread: registers tsx in this thread, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./bench-worker.ts');
