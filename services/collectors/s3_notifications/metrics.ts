import type { Counter, Meter } from '@opentelemetry/api';
import type { ComponentLabels } from '../../core/metrics.ts';

/** What became of one SQS message. */
export type NotificationOutcome = 'published' | 'ignored' | 'poison' | 'failed' | 'released';

/** The follower's own instruments (docs/telemetry.md), beside the component_* counters of its publisher. */
export class NotificationMetrics {
  private readonly messages: Counter;
  private readonly redelivered: Counter;
  private readonly objects: Counter;

  constructor(
    meter: Meter,
    private readonly labels: ComponentLabels,
  ) {
    this.messages = meter.createCounter('sluice_notifications_total', {
      description: 'SQS notification messages handled by a follow-mode collector, by outcome: published (then deleted), ignored (nothing to read; deleted), poison (dead-lettered; deleted), failed (left for redelivery), released (returned on shutdown).',
    });
    this.redelivered = meter.createCounter('sluice_notifications_redelivered_total', {
      description: 'SQS messages received again (ApproximateReceiveCount > 1): a crash or failure before their delete. Their events are published again with the same ids.',
    });
    this.objects = meter.createCounter('sluice_notification_objects_total', {
      description: 'Objects named by notifications, by outcome: read, skipped (excluded key), missing (dead-lettered after the retries).',
    });
  }

  message(outcome: NotificationOutcome): void {
    this.messages.add(1, { ...this.labels, outcome });
  }

  redelivery(): void {
    this.redelivered.add(1, this.labels);
  }

  object(outcome: 'read' | 'skipped' | 'missing'): void {
    this.objects.add(1, { ...this.labels, outcome });
  }
}
