/**
 * GCP Cloud Audit Logs from Pub/Sub: a Cloud Logging sink routes the audit LogEntries to a topic,
 * one LogEntry (JSON) per message. The follower listens on a pull subscription
 * (@google-cloud/pubsub streaming pull), hands each message's data to the gcp_audit collector,
 * publishes the outputs in rounds (batchMessages, or after flushIntervalMs), and acknowledges the
 * messages of a round only after Kafka acknowledged its events. The client's flow control
 * (maxMessages, maxBytes) counts unacknowledged messages, so a slow Kafka stops the pulling.
 *
 * At least once: a crash before the ack redelivers the messages (after their ack deadline); their
 * events keep their ids (metadata.uid = the LogEntry insertId), so downstream stays idempotent.
 * A Kafka failure nacks the round's messages (redelivered at once) and stops the role (exit 1).
 */
import type { Counter } from '@opentelemetry/api';
import type { Collector } from '../../core/components.ts';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';
import type { PubSubFollowConfig } from './pubsub-config.ts';

/** What the follower uses of a @google-cloud/pubsub Message. */
export interface PubSubMessageLike {
  id: string;
  data: Buffer;
  deliveryAttempt?: number;
  ack(): void;
  nack(): void;
}

/** What the follower uses of a @google-cloud/pubsub Subscription (tests give a fake one). */
export interface PubSubSubscriptionLike {
  on(event: 'message', listener: (message: PubSubMessageLike) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): Promise<void>;
}

export interface PubSubFollowStats extends PublishCounts {
  messages: number;
  acked: number;
  nacked: number;
  rounds: number;
  /** Stream errors the client reported (it reconnects by itself). */
  receiveErrors: number;
}

export interface PubSubFollowerDeps {
  subscription: PubSubSubscriptionLike;
  /** The subscription's name, for positions (`pubsub:<name>/<messageId>#<n>`). */
  subscriptionName: string;
  collector: Collector;
  publisher: EventPublisher;
  config: PubSubFollowConfig;
  logger: Logger;
  telemetry: Telemetry;
}

export class PubSubFollower {
  readonly stats: PubSubFollowStats;
  private readonly labels: ComponentLabels;
  private readonly messagesCounter: Counter;
  private pending: PubSubMessageLike[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private fatal: unknown;
  private readonly failed = new AbortController();
  private stopping = false;
  private listening = false;

  constructor(private readonly deps: PubSubFollowerDeps) {
    this.stats = Object.assign(deps.publisher.counts as PubSubFollowStats, { messages: 0, acked: 0, nacked: 0, rounds: 0, receiveErrors: 0 });
    this.labels = componentLabels('collector', deps.collector.type);
    this.messagesCounter = deps.telemetry.meter.createCounter('sluice_pubsub_messages_total', {
      description: 'Pub/Sub messages handled by a follow-mode collector, by outcome: acked (after Kafka acknowledged), nacked (Kafka failed, or arrived while stopping).',
    });
  }

  get ready(): boolean {
    return this.listening && this.fatal === undefined && !this.stopping;
  }

  /** Listens until `stop` is aborted (the messages in hand are then published and acked) or Kafka fails (thrown). */
  async run(stop: AbortSignal): Promise<PubSubFollowStats> {
    const { subscription, logger } = this.deps;
    subscription.on('message', (m) => this.receive(m));
    subscription.on('error', (err) => {
      this.stats.receiveErrors++;
      this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
      logger.warn({ err }, 'Pub/Sub streaming pull error; the client reconnects');
    });
    this.listening = true;
    await new Promise<void>((resolve) => {
      if (stop.aborted) return resolve();
      stop.addEventListener('abort', () => resolve(), { once: true });
      this.failed.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.fatal === undefined) this.flushNow();
    await this.queue;
    subscription.removeAllListeners('message');
    // close() stops the stream and sends the acks still queued in the client.
    await subscription.close();
    if (this.fatal !== undefined) throw this.fatal;
    return this.stats;
  }

  private receive(m: PubSubMessageLike): void {
    this.stats.messages++;
    if (this.stopping || this.fatal !== undefined) {
      m.nack();
      this.count('nacked', 1);
      return;
    }
    this.pending.push(m);
    if (this.pending.length >= this.deps.config.batchMessages) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.deps.config.flushIntervalMs);
  }

  private count(outcome: 'acked' | 'nacked', n: number): void {
    if (outcome === 'acked') this.stats.acked += n;
    else this.stats.nacked += n;
    this.messagesCounter.add(n, { ...this.labels, outcome });
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const round = this.pending;
    this.pending = [];
    if (round.length === 0) return;
    const run = (): Promise<void> => this.publish(round);
    this.queue = this.queue.then(run, run).catch(() => undefined);
  }

  private async publish(round: PubSubMessageLike[]): Promise<void> {
    const { collector, publisher, logger, subscriptionName } = this.deps;
    if (this.fatal !== undefined) {
      for (const m of round) m.nack();
      this.count('nacked', round.length);
      return;
    }
    try {
      for (const m of round) {
        for (const out of collector.collect({ name: `pubsub:${subscriptionName}/${m.id}`, bytes: m.data })) await publisher.add(out);
      }
      await publisher.flush();
    } catch (err) {
      publisher.fail(err);
      for (const m of round) m.nack();
      this.count('nacked', round.length);
      this.fatal = err;
      logger.error({ err, messages: round.length }, 'publishing Pub/Sub messages failed; they were nacked (redelivered); stopping');
      this.failed.abort();
      return;
    }
    // Kafka acknowledged every output of the round: only now are its messages acked.
    for (const m of round) m.ack();
    this.count('acked', round.length);
    this.stats.rounds++;
  }
}
