import type { ApiActivity } from '../../services/core/events.ts';
import { ATTACK_KINDS, planAttacks, type AttackKind, type AttackTruth } from './attacks.ts';
import { BenignRunner, type BenignTag } from './benign.ts';
import { apiCall, eventUid, type CallSpec } from './events.ts';
import { buildAccounts, buildPrincipals, DAY_MS, type Account, type Principal } from './population.ts';

/** Options of the labelled activity generator. */
export interface GeneratorOptions {
  seed: number;
  accounts: number;
  principals: number;
  days: number;
  /** Approximate benign events over the whole stream. */
  events: number;
  /** Attacks are injected only after this many days (the learning period). */
  learnDays: number;
  /** Attacks per kind. */
  perKind: number;
  kinds: readonly AttackKind[];
  /** Stream start (ms); a Monday 00:00 UTC by default. */
  start: number;
  zipfS: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  seed: 1,
  accounts: 20,
  principals: 10_000,
  days: 45,
  events: 1_500_000,
  learnDays: 7,
  perKind: 12,
  kinds: ATTACK_KINDS,
  start: Date.UTC(2024, 0, 1),
  zipfS: 1,
};

/** One event of the stream and its label: the attack it belongs to, or null when benign. */
export interface LabelledEvent {
  event: ApiActivity;
  attack: string | null;
  /** For benign events: the benign oddity it is part of (travel, backfill...), or null. */
  benign: BenignTag | null;
}

/** A generated stream: its population, ground truth, and events (in time order, generated lazily). */
export interface ActivityStream {
  options: GeneratorOptions;
  accounts: Account[];
  principals: Principal[];
  attacks: AttackTruth[];
  /** Iterates the events in time order; each call starts again from the beginning and gives the same events. */
  events(): Generator<LabelledEvent>;
}

/** A binary min-heap of runners by their next event time (ties by principal index, so the order is deterministic). */
class RunnerHeap {
  private readonly items: BenignRunner[] = [];

  get size(): number {
    return this.items.length;
  }

  private less(a: BenignRunner, b: BenignRunner): boolean {
    return a.next! < b.next! || (a.next === b.next && a.p.index < b.p.index);
  }

  push(r: BenignRunner): void {
    const items = this.items;
    items.push(r);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  peek(): BenignRunner | undefined {
    return this.items[0];
  }

  pop(): BenignRunner | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Builds a labelled stream: a benign population with Zipf-distributed activity, plus perKind
 * injected attacks of each kind after the learning period. Deterministic from the seed.
 */
export function generateActivity(partial: Partial<GeneratorOptions> = {}): ActivityStream {
  const options: GeneratorOptions = { ...DEFAULT_GENERATOR_OPTIONS, ...partial };
  const popOpts = { seed: options.seed, accounts: options.accounts, principals: options.principals, days: options.days, start: options.start, events: options.events, zipfS: options.zipfS };
  const accounts = buildAccounts(popOpts);
  const principals = buildPrincipals(popOpts, accounts);
  const streamEnd = options.start + options.days * DAY_MS;
  const planned = planAttacks(
    { seed: options.seed, perKind: options.perKind, kinds: options.kinds, from: options.start + (options.learnDays + 1) * DAY_MS, to: streamEnd - DAY_MS },
    principals,
    accounts,
  );
  const attackCalls: Array<{ call: CallSpec; attack: string }> = [];
  for (const a of planned) for (const call of a.calls) attackCalls.push({ call, attack: a.truth.id });
  attackCalls.sort((a, b) => a.call.time - b.call.time || (a.call.uid < b.call.uid ? -1 : 1));

  function* events(): Generator<LabelledEvent> {
    // Fresh principals each pass: runners mutate habits (new tools) as they go.
    const fresh = buildPrincipals(popOpts, accounts);
    const heap = new RunnerHeap();
    for (const p of fresh) {
      const r = new BenignRunner(p, options.seed, streamEnd);
      if (r.next !== null) heap.push(r);
    }
    let n = 0;
    let ai = 0;
    for (;;) {
      const top = heap.peek();
      const nextAttack = attackCalls[ai];
      if (top === undefined && nextAttack === undefined) return;
      if (nextAttack !== undefined && (top === undefined || nextAttack.call.time <= top.next!)) {
        ai++;
        if (nextAttack.call.time < streamEnd) yield { event: apiCall(nextAttack.call), attack: nextAttack.attack, benign: null };
        continue;
      }
      const runner = heap.pop()!;
      const call = runner.emit(eventUid(options.seed, n++));
      if (runner.next !== null) heap.push(runner);
      if (call !== null) yield { event: apiCall(call), attack: null, benign: runner.tag };
    }
  }

  return { options, accounts, principals, attacks: planned.map((a) => a.truth), events };
}
