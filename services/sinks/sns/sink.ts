import { PublishCommand, SNSClient, SNSServiceException, type MessageAttributeValue, type PublishCommandInput, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { Finding } from '../../core/events.ts';
import { isFifoTopic, topicRegion } from './arn.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { AlertSink, type AlertOutcome, type AlertRequest, type AlertResponse, type AlertSinkOptions, subjectOf, wholeRequestOutcome } from '../alerting/sink.ts';

/** SNS documents the Subject as "less than 100 characters": at most 99. */
export const SNS_SUBJECT_MAX = 99;
/** SNS limits MessageGroupId and MessageDeduplicationId to 128 characters. */
const SNS_ID_MAX = 128;

export { isFifoTopic, topicRegion };

/**
 * The Subject of a finding (email subscribers see it): `[High] <title>: <principal>`, printable
 * ASCII only (SNS refuses line breaks and control characters), cut to 99 characters.
 */
export function snsSubject(f: Finding): string {
  const text = `[${f.severity}] ${f.finding_info?.title || f.rule}: ${subjectOf(f)}`;
  const ascii = text.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
  return (ascii || 'Sluice finding').slice(0, SNS_SUBJECT_MAX).trimEnd();
}

/** The Publish parameters of a finding: Message (OCSF JSON), Subject, message attributes to filter on, FIFO fields. */
export function snsPublishInput(f: Finding, topicArn: string): PublishCommandInput {
  const attr = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value || 'unknown' });
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Message: JSON.stringify(findingToOcsf(f)),
    Subject: snsSubject(f),
    MessageAttributes: {
      severity: attr(f.severity),
      detector: attr(f.detector),
      rule: attr(f.rule),
    },
  };
  if (isFifoTopic(topicArn)) {
    input.MessageGroupId = (f.rule || 'sluice').slice(0, SNS_ID_MAX);
    input.MessageDeduplicationId = f.id.slice(0, SNS_ID_MAX);
  }
  return input;
}

/** SNS error codes that mean "slow down" (sent with a 400 or a 429): retried. */
const THROTTLED = new Set(['Throttled', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException', 'KMSThrottling']);

export interface SnsSinkOptions extends AlertSinkOptions {
  topicArn: string;
  /** Default: the region of the topic ARN. */
  region?: string;
  /** Another endpoint (LocalStack, a VPC endpoint); default: the region's SNS endpoint. */
  endpoint?: string;
  /** Default: the AWS SDK's default provider chain (env, shared config, SSO, web identity, ECS/EC2 roles). */
  credentials?: SNSClientConfig['credentials'];
}

/**
 * One SNS Publish per finding through @aws-sdk/client-sns. The SDK's own retries are off: the
 * alerting base retries (throttling, 5xx, network errors, timeouts) and dead-letters the rest.
 */
export class SnsSink extends AlertSink {
  readonly name = 'sns';
  private readonly client: SNSClient;

  constructor(private readonly sns: SnsSinkOptions) {
    super({ ...sns, batchSize: 1 });
    const region = sns.region ?? topicRegion(sns.topicArn);
    this.client = new SNSClient({
      maxAttempts: 1,
      ...(region ? { region } : {}),
      ...(sns.endpoint ? { endpoint: sns.endpoint } : {}),
      ...(sns.credentials ? { credentials: sns.credentials } : {}),
    });
  }

  /** Not used: the SDK builds and signs the request (see send()). */
  protected request(): AlertRequest {
    throw new Error('sns publishes through the AWS SDK');
  }

  protected override async send(findings: readonly Finding[], timeoutMs: number): Promise<AlertResponse> {
    try {
      const out = await this.client.send(new PublishCommand(snsPublishInput(findings[0]!, this.sns.topicArn)), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return { status: out.$metadata.httpStatusCode ?? 200, headers: new Headers(), body: out.MessageId ?? '' };
    } catch (err) {
      // A reply of the service becomes a response; anything else (network, timeout) is thrown and retried.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (!(err instanceof SNSServiceException) && status === undefined) throw err;
      const e = err as SNSServiceException;
      return { status: status ?? 500, headers: new Headers(), body: `${e.name}: ${e.message}` };
    }
  }

  /** 2xx delivered; throttling, 429 and 5xx retried; other errors (InvalidParameter, AuthorizationError, NotFound…) final. */
  protected override outcome(findings: readonly Finding[], res: AlertResponse): AlertOutcome {
    const code = res.body.split(':', 1)[0]!;
    const detail = this.scrub(res.body.slice(0, 200).trim());
    if (res.status >= 400 && THROTTLED.has(code)) return { delivered: [], refused: [], retry: findings.map((f) => ({ id: f.id, reason: `HTTP ${res.status}: ${detail}` })) };
    return wholeRequestOutcome(findings, res, res.status >= 300 ? detail : '');
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    const c = this.sns.credentials;
    return c && typeof c !== 'function' ? [c.secretAccessKey, c.sessionToken] : [];
  }

  override async close(): Promise<void> {
    this.client.destroy();
  }
}
