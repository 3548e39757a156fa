/**
 * `npm run bench -- posture`: config events per second through the posture detector with the full
 * bundled pack, single thread, in-process. The events are the scan fixtures (CloudFormation,
 * Terraform plan, Kubernetes) parsed by config_files, replayed over 500 keys per resource: every
 * event is evaluated by every rule of its kind; findings come only on a key's first visit.
 * Then `sluice scan` itself (scan-bench.ts): files/s and resources/s on a Terraform HCL corpus and a
 * YAML (Kubernetes, CloudFormation) corpus built from the config_files fixtures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runScanBench, type ScanBenchResult } from './scan-bench.ts';
import { fileURLToPath } from 'node:url';
import { parseConfigFile } from '../collectors/config_files/index.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { MemoryKeyedState } from '../core/state.ts';
import { PostureConfig } from '../detectors/posture/config.ts';
import { PostureDetector, type PostureState } from '../detectors/posture/detector.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ya?ml|json)$/.test(n) ? [p] : [];
  });
}

/** Runs the bench; args: [`--events=<n>`] (default 50 000), [`--copies=<n>`] copies of each scan corpus (default 100). Prints and returns the figures. */
export async function runPostureBench(args: string[]): Promise<unknown> {
  const n = Number(args.find((a) => a.startsWith('--events='))?.slice(9) ?? 50_000);
  const root = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const base: ConfigState[] = files(root).flatMap((f) => parseConfigFile(f, readFileSync(f), { time: 0 }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : [])));
  const detector = new PostureDetector(PostureConfig.parse({ enabled: true }), { state: new MemoryKeyedState<PostureState>(), emit: () => {} });
  let findings = 0;
  const pass = (count: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const e = base[i % base.length]!;
      // Resources cycle through 500 keys so state lookups are realistic.
      const key = `${e.resource.uid}#${i % 500}`;
      findings += detector.process({ ...e, metadata: { ...e.metadata, uid: `${e.metadata.uid}#${i}` } }, { key, topic: 'config', partition: 0, offset: String(i) }).length;
    }
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  pass(Math.min(5000, n));
  const seconds = pass(n);
  const result = { bench: 'posture', events: n, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(n / seconds), rules: detector['rules'].rules.length, distinctResources: base.length, findings, threads: 1 };
  console.log(`posture: ${result.eventsPerSecond} config events/s on one thread (${result.rules} rules, ${n} events over ${base.length} template resources)`);
  const copies = Number(args.find((a) => a.startsWith('--copies='))?.slice(9) ?? 100);
  const scan: ScanBenchResult[] = runScanBench(copies);
  return { ...result, scan };
}
