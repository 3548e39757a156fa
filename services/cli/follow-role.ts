/**
 * What every `--follow` collector role shares: a producer and a publisher for the collector's
 * events and dead letters, health endpoints on http.port (/readyz once the follower is ready and
 * not stopping), SIGTERM/SIGINT (or the caller's stop signal) asking the follower to finish what it
 * holds, and a grace period after which the role stops anyway (what was not acknowledged is read
 * again after the restart). The source-specific part is the follower a role builds.
 */
import { once } from 'node:events';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { EventPublisher } from '../collectors/publisher.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

/** A follow-mode reader: runs until `stop` aborts, then finishes what it holds (`kill`: the grace period is over). */
export interface Follower<S> {
  run(stop: AbortSignal, kill: AbortSignal): Promise<S>;
  readonly stats: S;
  readonly ready: boolean;
}

export interface FollowRoleSpec<S> {
  /** The collector type: the publisher's source (header, dead letters, metrics). */
  source: string;
  /** Records per produce round (the publisher's default when absent). */
  batchSize?: number;
  /** How long the follower may take to finish once asked to stop. */
  shutdownGraceMs: number;
  /** An embedded transport (tests); else Kafka from the config. */
  transport?: Transport;
  /** Stops the role like SIGTERM (tests). */
  stop?: AbortSignal;
  /** Builds the follower once the publisher exists. */
  follower(publisher: EventPublisher): Follower<S> | Promise<Follower<S>>;
  /** Logged (info) when the follower starts: fields and message. */
  started: [Record<string, unknown>, string];
  /** Logged (info) when a stop is asked, if given. */
  stopping?: string;
  /** Logged (warn) when the grace period expires: what is left behind. */
  expired: string;
  /** Closes the source's client (always called). */
  close?(): void | Promise<void>;
}

/** Refuses to start a follow role without Kafka (an embedded transport is for tests only). */
export function requireFollowKafka(ctx: AppContext, transport: Transport | undefined): void {
  if (!ctx.config.kafka && !transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
}

export async function runFollowRole<S>(ctx: AppContext, spec: FollowRoleSpec<S>): Promise<S> {
  const transport = spec.transport ?? createTransport(ctx);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let killTimer: NodeJS.Timeout | undefined;
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      const deadLetters = new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock);
      const publisher = new EventPublisher({
        source: spec.source,
        producer,
        codec,
        deadLetters,
        topics: ctx.config.topics,
        telemetry: ctx.telemetry,
        ...(spec.batchSize !== undefined ? { batchSize: spec.batchSize } : {}),
      });
      const follower = await spec.follower(publisher);
      health = await startHealthServer(ctx.config.http.port, async () => follower.ready && !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      spec.stop?.addEventListener('abort', onSignal, { once: true });
      if (spec.stop?.aborted) stop.abort();
      const kill = new AbortController();
      stop.signal.addEventListener(
        'abort',
        () => {
          if (spec.stopping) ctx.logger.info({ graceMs: spec.shutdownGraceMs }, spec.stopping);
          killTimer = setTimeout(() => kill.abort(), spec.shutdownGraceMs);
        },
        { once: true },
      );
      ctx.logger.info(...spec.started);
      const stats = await Promise.race([
        follower.run(stop.signal, kill.signal),
        once(kill.signal, 'abort').then(() => {
          ctx.logger.warn({ graceMs: spec.shutdownGraceMs }, spec.expired);
          return follower.stats;
        }),
      ]);
      ctx.logger.info(stats as Record<string, unknown>, 'collector stopped');
      return stats;
    } finally {
      await producer.close();
    }
  } finally {
    clearTimeout(killTimer);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    health?.close();
    await spec.close?.();
    if (!spec.transport) await transport.close();
  }
}
