/**
 * `npm run probes [-- --verbose]`: alert recall and specificity of the bundled activity pack on the
 * blind probes (test/probes/*.jsonl), per file, with every probe whose verdict differs
 * from its expectation (`--verbose`: every probe); a probe with a `gap` is marked GAP and counted
 * in the scores. Exit 1 when some other probe's verdict is wrong, as probes.test.ts fails then too.
 */
import { loadRulePacks } from '../../services/rules/loader.ts';
import { describeResult, loadProbes, probeHolds, runProbe } from './probes.ts';

const verbose = process.argv.includes('--verbose');
const rules = loadRulePacks(['@builtin/activity']);
let wrong = 0;
let gaps = 0;
console.log(`${'file'.padEnd(28)} ${'recall'.padStart(14)} ${'specificity'.padStart(14)}`);
for (const { file, probes } of loadProbes()) {
  let tp = 0, fn = 0, tn = 0, fp = 0;
  const lines: string[] = [];
  for (const p of probes) {
    const r = runProbe(p, rules);
    const alerted = r.alerts.length > 0;
    if (p.expect === 'alert') alerted ? tp++ : fn++;
    else alerted ? fp++ : tn++;
    const ok = probeHolds(p, r);
    if (!ok && p.gap === undefined) wrong++;
    if (!ok && p.gap !== undefined) gaps++;
    if (!ok || verbose) {
      const mark = ok ? 'ok   ' : p.gap === undefined ? 'WRONG' : 'GAP  ';
      lines.push(`  ${mark} ${p.id} (expects ${p.expect}): ${describeResult(r)}${!ok && p.gap ? ` (known gap: ${p.gap})` : ''}`);
    }
  }
  const ratio = (a: number, b: number): string => (b === 0 ? '-' : `${(a / b).toFixed(3)} (${a}/${b})`);
  console.log(`${file.padEnd(28)} ${ratio(tp, tp + fn).padStart(14)} ${ratio(tn, tn + fp).padStart(14)}`);
  for (const l of lines) console.log(l);
}
console.log(wrong === 0 ? `Every probe gets the verdict it expects, except ${gaps} known gap(s).` : `${wrong} probe(s) get a verdict other than the one expected (and ${gaps} known gap(s)).`);
process.exit(wrong === 0 ? 0 : 1);
