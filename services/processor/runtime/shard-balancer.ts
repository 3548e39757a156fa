import { Piscina } from 'piscina';

/** What piscina's load balancer sees of a worker (piscina 5's PiscinaWorker). */
export interface BalancedWorker {
  readonly id: number;
  readonly currentUsage: number;
}

/** The queue options a shard-routed task carries under Piscina.queueOptionsSymbol. */
export interface ShardQueueOptions {
  shard: number;
  /** Every shard the task carries (a coalesced request); all share `shard`'s slot. Default [shard]. */
  shards?: readonly number[];
}

/**
 * Key affinity for piscina: every state shard has one owning worker thread, so a detector's state
 * for a key always lives in the same thread. Shards are grouped into fixed slots, shard mod
 * `threads`, and each slot is held by one live thread: the first ready thread that holds no slot
 * takes it, so which shards share a thread never depends on which thread got ready first (detectors
 * that aggregate over the shards of their thread, like principal_anomaly's populations, see the same
 * set after a restart). When a slot's thread is gone (a crash), the slot waits (null) for a ready
 * thread without a slot: the replacement piscina starts. Returning the owner even when it is busy
 * keeps each shard's tasks in submission order; the caller bounds how many are in flight.
 */
export class ShardBalancer {
  private readonly owner = new Map<number, number>();
  /** Slot -> the thread holding it. */
  private readonly slots = new Map<number, number>();
  private readonly moved: number[] = [];

  /** `threads`: the pool's fixed thread count (1 when unknown: every shard in one slot). */
  constructor(private readonly threads = 1) {}

  /** The piscina `loadBalancer` option. */
  readonly balance = (task: object, workers: readonly BalancedWorker[]): BalancedWorker | null => {
    const opts = (task as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] as ShardQueueOptions | null | undefined;
    if (workers.length === 0) return null;
    if (!opts || typeof opts.shard !== 'number') {
      // Not shard-routed (e.g. a control task): least busy.
      return workers.reduce((a, b) => (b.currentUsage < a.currentUsage ? b : a));
    }
    const slot = this.slotOf(opts.shard);
    const holder = this.slots.get(slot);
    let chosen = holder === undefined ? undefined : workers.find((w) => w.id === holder);
    if (!chosen) {
      const taken = new Set([...this.slots].filter(([s]) => s !== slot).map(([, id]) => id));
      chosen = workers.find((w) => !taken.has(w.id));
      if (!chosen) return null; // its thread is not ready yet: wait
      this.slots.set(slot, chosen.id);
    }
    for (const shard of opts.shards ?? [opts.shard]) {
      const ownerId = this.owner.get(shard);
      if (ownerId !== chosen.id) {
        if (ownerId !== undefined) this.moved.push(shard);
        this.owner.set(shard, chosen.id);
      }
    }
    return chosen;
  };

  /** The fixed slot of a shard: shards of one slot are always held by one thread. */
  slotOf(shard: number): number {
    return shard % Math.max(1, this.threads);
  }

  /** Thread id owning each shard, for tests and state handover. */
  owners(): ReadonlyMap<number, number> {
    return this.owner;
  }

  /** Shards whose owner was lost and that moved to another thread since the last call. */
  takeMovedShards(): number[] {
    return this.moved.splice(0);
  }
}
