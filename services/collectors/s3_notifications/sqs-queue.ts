/**
 * The SQS side of the follower: long-poll receives, deletes and visibility changes, one message at a
 * time (DeleteMessage, not the batch form: a message is deleted when its own objects are published).
 * IAM on the queue: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SluiceError } from '../../core/errors.ts';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** SQS's ApproximateReceiveCount: above 1, the message was received before and not deleted. */
  receiveCount: number;
}

/** What the follower needs of a queue. */
export interface NotificationQueue {
  /** Up to `max` messages, waiting up to `waitSeconds` for the first; each invisible for `visibilitySeconds`. */
  receive(max: number, waitSeconds: number, visibilitySeconds: number, signal?: AbortSignal): Promise<QueueMessage[]>;
  delete(message: QueueMessage): Promise<void>;
  /** Makes the message invisible for `seconds` from now (0: visible again at once). */
  setVisibility(message: QueueMessage, seconds: number): Promise<void>;
}

function unavailable(op: string, queueUrl: string, cause: unknown): SluiceError {
  const name = typeof cause === 'object' && cause !== null && 'name' in cause ? String((cause as { name: unknown }).name) : 'Error';
  return new SluiceError('SLUICE_ERR_QUEUE_UNAVAILABLE', `SQS ${op} on ${queueUrl} failed: ${name}: ${(cause as Error).message}`, { cause });
}

/** A NotificationQueue on an SQS queue through @aws-sdk/client-sqs. */
export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
  ) {}

  async receive(max: number, waitSeconds: number, visibilitySeconds: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    try {
      const res = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        signal ? { abortSignal: signal } : {},
      );
      const out: QueueMessage[] = [];
      for (const m of res.Messages ?? []) {
        if (!m.ReceiptHandle || m.MessageId === undefined) continue;
        const count = Number(m.Attributes?.ApproximateReceiveCount ?? '1');
        out.push({ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body ?? '', receiveCount: Number.isFinite(count) ? count : 1 });
      }
      return out;
    } catch (err) {
      if (signal?.aborted) return [];
      throw unavailable('ReceiveMessage', this.queueUrl, err);
    }
  }

  async delete(message: QueueMessage): Promise<void> {
    const { DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }));
    } catch (err) {
      throw unavailable('DeleteMessage', this.queueUrl, err);
    }
  }

  async setVisibility(message: QueueMessage, seconds: number): Promise<void> {
    const { ChangeMessageVisibilityCommand } = await import('@aws-sdk/client-sqs');
    try {
      await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: seconds }));
    } catch (err) {
      throw unavailable('ChangeMessageVisibility', this.queueUrl, err);
    }
  }
}
