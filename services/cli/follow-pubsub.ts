/**
 * `sluice collector gcp_audit --follow pubsub`: audit LogEntries a Cloud Logging sink routes to a
 * Pub/Sub topic, read from a pull subscription with @google-cloud/pubsub
 * (collectors/gcp_audit/pubsub.ts); messages acked after Kafka acknowledged. Credentials: Google's
 * Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, GKE Workload Identity). Health
 * endpoints on http.port; SIGTERM/SIGINT: the messages in hand are published and acked, then exit 0.
 */
import { invalidConfigError } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import type { GcpAuditConfigInput } from '../collectors/gcp_audit/config.ts';
import { PubSubFollowConfigSchema, type PubSubFollowConfig } from '../collectors/gcp_audit/pubsub-config.ts';
import { PubSubFollower, type PubSubFollowStats, type PubSubSubscriptionLike } from '../collectors/gcp_audit/pubsub.ts';
import { collectorFor } from './collectors.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

export interface PubSubFollowFlags {
  pubsubSubscription?: string;
}

export interface PubSubRoleOptions {
  stop?: AbortSignal;
  transport?: Transport;
  /** Builds the subscription instead of the client library (tests: a fake subscription). */
  subscription?: (config: PubSubFollowConfig & { subscription: string }) => Promise<PubSubSubscriptionLike>;
}

export function pubSubFollowConfig(ctx: AppContext, flags: PubSubFollowFlags): PubSubFollowConfig & { subscription: string } {
  const section = ((ctx.config.collectors.gcp_audit ?? {}) as GcpAuditConfigInput).pubsub ?? {};
  const parsed = PubSubFollowConfigSchema.safeParse({ ...section, ...(flags.pubsubSubscription ? { subscription: flags.pubsubSubscription } : {}) });
  if (!parsed.success) throw invalidConfigError('collectors.gcp_audit.pubsub', parsed.error.issues);
  const { subscription } = parsed.data;
  if (!subscription) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow pubsub needs a subscription: --pubsub-subscription or collectors.gcp_audit.pubsub.subscription');
  return { ...parsed.data, subscription };
}

export async function sdkSubscription(config: PubSubFollowConfig & { subscription: string }): Promise<PubSubSubscriptionLike> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ ...(config.projectId ? { projectId: config.projectId } : {}), ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}) });
  const subscription = client.subscription(config.subscription, {
    flowControl: { maxMessages: config.maxMessages, maxBytes: config.maxBytes, allowExcessMessages: false },
  });
  // The library's Message and Subscription are wider than what the follower uses.
  return subscription as unknown as PubSubSubscriptionLike;
}

export async function runPubSubFollowRole(ctx: AppContext, flags: PubSubFollowFlags, options: PubSubRoleOptions = {}): Promise<PubSubFollowStats> {
  requireFollowKafka(ctx, options.transport);
  const config = pubSubFollowConfig(ctx, flags);
  const collector = collectorFor('gcp_audit', ctx.config);
  return runFollowRole(ctx, {
    source: 'gcp_audit',
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    follower: async (publisher) => {
      const subscription = await (options.subscription ?? sdkSubscription)(config);
      return new PubSubFollower({ subscription, subscriptionName: config.subscription, collector, publisher, config, logger: ctx.logger, telemetry: ctx.telemetry });
    },
    started: [{ subscription: config.subscription }, 'collector following a Pub/Sub subscription'],
    expired: 'shutdown grace period expired; exiting with messages unacknowledged (they are redelivered)',
  });
}

export function renderPubSubCounts(stats: PubSubFollowStats): string {
  return (
    `pubsub messages ${stats.messages} (acked ${stats.acked}, nacked ${stats.nacked}) in ${stats.rounds} round(s), receive errors ${stats.receiveErrors}, ` +
    `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
