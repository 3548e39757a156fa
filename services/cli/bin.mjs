#!/usr/bin/env node
// Entry of the `sluice` command. It runs the compiled JavaScript in dist/ when `npm run build`
// has made it (the fast path: no transpiling at start-up, in the CLI or its worker threads), and
// the TypeScript sources through tsx otherwise, or when SLUICE_FROM_SOURCE=1 (development, tests).
import { existsSync } from 'node:fs';

const compiled = new URL('../../dist/services/cli/main.js', import.meta.url);
const fromSource = process.env.SLUICE_FROM_SOURCE === '1' || !existsSync(compiled);
let main;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
} else {
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv);
