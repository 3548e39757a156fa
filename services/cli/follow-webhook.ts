/**
 * `sluice collector k8s_audit --follow webhook`: the kube-apiserver audit webhook backend
 * (collectors/k8s_audit/webhook.ts) as a long-running role. Each request's events are published and
 * acknowledged by Kafka before it is answered 200; requests are published one at a time (the
 * publisher's rounds are not shared between requests), so a slow Kafka fills the
 * maxInFlightRequests slots and further batches get 503 with Retry-After before their bodies are
 * read. Health endpoints on http.port (/readyz while listening); SIGTERM/SIGINT: new requests get
 * 503, the ones in hand are published and answered, then exit 0 (after webhook.shutdownGraceMs
 * the role exits anyway: the API server retries what was not answered).
 */
import { once } from 'node:events';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { CollectorOutput } from '../core/components.ts';
import type { Transport } from '../core/transport.ts';
import { EventPublisher } from '../collectors/publisher.ts';
import type { K8sAuditConfigInput } from '../collectors/k8s_audit/config.ts';
import { parseK8sAuditWebhookConfig } from '../collectors/k8s_audit/config.ts';
import { startK8sAuditWebhook, type K8sAuditWebhook, type K8sAuditWebhookStats } from '../collectors/k8s_audit/webhook.ts';
import type { PublishCounts } from '../collectors/publisher.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

export interface WebhookRoleOptions {
  /** Stops the role like SIGTERM does (tests). */
  stop?: AbortSignal;
  /** Another transport than the configured Kafka (tests: the embedded log). */
  transport?: Transport;
  /** Called once the webhook listens, with its URL (tests). */
  onListening?: (url: string) => void;
}

export type WebhookFollowStats = K8sAuditWebhookStats & PublishCounts;

export async function runWebhookFollowRole(ctx: AppContext, options: WebhookRoleOptions = {}): Promise<WebhookFollowStats> {
  if (!ctx.config.kafka && !options.transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
  const { webhook: section, ...collectorConfig } = (ctx.config.collectors.k8s_audit ?? {}) as K8sAuditConfigInput;
  if (!section) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow webhook needs collectors.k8s_audit.webhook in the config (at least tokens, tokensFile or tls.clientCaFile)');
  const webhookConfig = parseK8sAuditWebhookConfig(section);
  const transport = options.transport ?? createTransport(ctx);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let server: K8sAuditWebhook | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      const deadLetters = new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock);
      const publisher = new EventPublisher({ source: 'k8s_audit', producer, codec, deadLetters, topics: ctx.config.topics, telemetry: ctx.telemetry });
      // One request's outputs at a time: its flush must cover exactly its own events.
      let queue: Promise<void> = Promise.resolve();
      const publish = (outputs: CollectorOutput[]): Promise<void> => {
        const run = async (): Promise<void> => {
          try {
            for (const out of outputs) await publisher.add(out);
            await publisher.flush();
          } catch (err) {
            publisher.fail(err);
            throw err;
          }
        };
        const result = queue.then(run, run);
        queue = result.catch(() => undefined);
        return result;
      };
      server = await startK8sAuditWebhook({
        config: webhookConfig,
        collector: collectorConfig,
        clock: ctx.clock,
        logger: ctx.logger,
        meter: ctx.telemetry.meter,
        onEvents: publish,
      });
      options.onListening?.(server.url);
      const webhookStats = server.stats;
      health = await startHealthServer(ctx.config.http.port, async () => !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      options.stop?.addEventListener('abort', onSignal, { once: true });
      if (options.stop?.aborted) stop.abort();
      if (!stop.signal.aborted) await once(stop.signal, 'abort');
      ctx.logger.info({ graceMs: webhookConfig.shutdownGraceMs }, 'collector stopping: answering the requests in hand');
      const expired = new Promise<'expired'>((resolve) => (killTimer = setTimeout(() => resolve('expired'), webhookConfig.shutdownGraceMs)));
      const closing = server.close();
      server = undefined;
      if ((await Promise.race([closing.then(() => 'closed' as const), expired])) === 'expired') {
        ctx.logger.warn({ graceMs: webhookConfig.shutdownGraceMs }, 'shutdown grace period expired; exiting with requests unanswered (the API server retries them)');
      }
      const stats: WebhookFollowStats = { ...webhookStats, ...publisher.counts };
      ctx.logger.info(stats, 'collector stopped');
      return stats;
    } finally {
      await server?.close().catch(() => undefined);
      await producer.close();
    }
  } finally {
    clearTimeout(killTimer);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    health?.close();
    if (!options.transport) await transport.close();
  }
}

/** The summary line of a webhook run, on stderr when it stops. */
export function renderWebhookCounts(stats: WebhookFollowStats): string {
  return (
    `webhook requests ${stats.requests} (accepted ${stats.accepted}, unauthorized ${stats.unauthorized}, overloaded ${stats.overloaded}, publish failed ${stats.publishFailed}, invalid ${stats.invalid}), ` +
    `audit events ${stats.events}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
