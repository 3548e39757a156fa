import { Piscina } from 'piscina';

/** What piscina's load balancer sees of a worker (piscina 5's PiscinaWorker). */
export interface BalancedWorker {
  readonly id: number;
  readonly currentUsage: number;
}

/** The queue options a shard-routed task carries under Piscina.queueOptionsSymbol. */
export interface ShardQueueOptions {
  shard: number;
}

/**
 * Key affinity for piscina: every state shard has one owning worker thread, so a detector's state
 * for a key always lives in the same thread. A shard is owned by the first worker it is given to
 * (the one with the fewest shards); it moves only when its owner is gone (a crashed thread is
 * replaced), and then to the least-loaded live worker. Returning the owner even when it is busy
 * keeps each shard's tasks in submission order; the caller bounds how many are in flight.
 */
export class ShardBalancer {
  private readonly owner = new Map<number, number>();
  private readonly moved: number[] = [];

  /** The piscina `loadBalancer` option. */
  readonly balance = (task: object, workers: readonly BalancedWorker[]): BalancedWorker | null => {
    const opts = (task as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] as ShardQueueOptions | null | undefined;
    if (workers.length === 0) return null;
    if (!opts || typeof opts.shard !== 'number') {
      // Not shard-routed (e.g. a control task): least busy.
      return workers.reduce((a, b) => (b.currentUsage < a.currentUsage ? b : a));
    }
    const ownerId = this.owner.get(opts.shard);
    const current = ownerId === undefined ? undefined : workers.find((w) => w.id === ownerId);
    if (current) return current;
    const chosen = this.leastLoaded(workers);
    if (ownerId !== undefined) this.moved.push(opts.shard);
    this.owner.set(opts.shard, chosen.id);
    return chosen;
  };

  private leastLoaded(workers: readonly BalancedWorker[]): BalancedWorker {
    const load = new Map<number, number>(workers.map((w) => [w.id, 0]));
    for (const id of this.owner.values()) if (load.has(id)) load.set(id, load.get(id)! + 1);
    return workers.reduce((a, b) => (load.get(b.id)! < load.get(a.id)! ? b : a));
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
