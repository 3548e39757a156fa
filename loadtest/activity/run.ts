/**
 * Local entry point until the lead wires these into the CLI and loadtest/bench.ts:
 *   node --import tsx loadtest/activity/run.ts eval [--principals=N ...]
 *   node --import tsx loadtest/activity/run.ts bench [--principals=N ...]
 * Prints the result as JSON on stdout (the eval's table goes to stderr).
 */
import { runDetectBench } from './detect.bench.ts';
import { runActivityEval } from './eval.ts';

const [what, ...args] = process.argv.slice(2);
const commands: Record<string, (a: string[]) => Promise<unknown>> = { eval: runActivityEval, bench: runDetectBench };
const command = what === undefined ? undefined : commands[what];
if (command === undefined) {
  process.stderr.write('usage: run.ts <eval|bench> [--key=value ...]\n');
  process.exit(2);
}
const result = await command(args);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
