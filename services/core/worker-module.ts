import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The worker module beside a module, for piscina: `<name>.js` when Sluice runs compiled (`npm run
 * build`, dist/), `<name>.ts` from source. From source the worker thread needs tsx to load
 * TypeScript, so `execArgv` adds its loader unless the process already has it; compiled, the
 * thread runs plain JavaScript and starts without it.
 */
export function workerModule(moduleUrl: string, name: string): { filename: string; execArgv: string[] } {
  const compiled = moduleUrl.endsWith('.js');
  const filename = new URL(`./${name}.${compiled ? 'js' : 'ts'}`, moduleUrl).href;
  if (compiled) return { filename, execArgv: process.execArgv.filter((a, i, all) => !a.includes('tsx') && !(a === '--import' && all[i + 1]?.includes('tsx'))) };
  const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return { filename, execArgv: process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv] : [...process.execArgv, '--import', tsx] };
}
