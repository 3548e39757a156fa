import { performance } from 'node:perf_hooks';
import type { ApiActivity } from '../../core/events.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { SignaturesConfig } from './config.ts';
import { SignaturesDetector } from './detector.ts';
import { loadRulePacks } from '../../rules/loader.ts';
import type { CompiledRule } from '../../rules/compile.ts';
import type { WindowState } from '../../rules/windows.ts';

let cached: readonly CompiledRule[] | null = null;

/**
 * Throughput of the signatures detector with the full bundled pack, single thread: the events are
 * processed once to warm up (JIT, index caches) by a throw-away detector, then timed through a
 * fresh detector with empty state. Each event is keyed by its principal (actor.user.uid), as the
 * collectors key the activity topic. Rule loading and compiling are not timed. `conditionsPerEvent`
 * is the number of rule conditions the index let through per event (detector stats).
 * `eventsPerCpuSecond` divides by the process's CPU time over the timed pass instead of the wall
 * time: on a machine shared with other jobs it is the figure that does not depend on their load
 * (the pass runs on one thread; the garbage collector's helper threads count too).
 */
export function benchSignatures(events: ApiActivity[]): { eventsPerSecond: number; eventsPerCpuSecond: number; rules: number; conditionsPerEvent: number } {
  cached ??= loadRulePacks(['@builtin/activity']);
  const config = SignaturesConfig.parse({});
  const make = (): SignaturesDetector =>
    new SignaturesDetector(config, { clock: { now: () => 0 }, state: new MemoryKeyedState<WindowState>(), emit: () => undefined }, cached!);
  const run = (d: SignaturesDetector): number => {
    let findings = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      findings += d.process(e, { key: e.actor.user.uid, topic: 'bench', partition: 0, offset: String(i) }).length;
    }
    return findings;
  };
  run(make());
  const d = make();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  run(d);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const conditionsPerEvent = Math.round((d.stats().evaluated / Math.max(events.length, 1)) * 100) / 100;
  return { eventsPerSecond: events.length / Math.max(seconds, 1e-9), eventsPerCpuSecond: events.length / Math.max(cpuSeconds, 1e-9), rules: d.rules.length, conditionsPerEvent };
}
