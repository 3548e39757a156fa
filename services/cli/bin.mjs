#!/usr/bin/env node
// Entry of the `sluice` command. Sluice runs from its TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
