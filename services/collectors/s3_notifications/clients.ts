/**
 * The S3 and SQS clients of the follower, from its config. Credentials come from the AWS SDK's
 * default chain (environment, shared config, web identity / IRSA, ECS or EC2 instance role): Sluice
 * never reads or stores them itself.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SluiceError } from '../../core/errors.ts';
import type { S3NotificationsConfig } from './config.ts';

/** The region of an AWS queue URL (`https://sqs.eu-west-1.amazonaws.com/…`), else undefined. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return /^sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ?? /^sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\.api\.aws$/.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

/** config.region, else the queue URL's, else AWS_REGION / AWS_DEFAULT_REGION; SLUICE_ERR_CONFIG_INVALID when none. */
export function resolveRegion(config: S3NotificationsConfig, queueUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const region = config.region ?? regionOfQueueUrl(queueUrl) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'no AWS region: set collectors.<type>.sqs.region or AWS_REGION (the queue URL does not name one)');
  return region;
}

export async function createSqsClient(config: S3NotificationsConfig, region: string): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const endpoint = config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {};
  if (config.sqsProtocol === 'json') return new SQSClient({ region, ...endpoint });
  // The Query protocol (form-encoded requests, XML answers) SQS spoke before JSON, for emulators that only know it.
  const { AwsQueryProtocol } = await import('@aws-sdk/core/protocols');
  return new SQSClient({
    region,
    ...endpoint,
    protocol: new AwsQueryProtocol({ defaultNamespace: 'com.amazonaws.sqs', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/', version: '2012-11-05' }),
  });
}

export async function createS3Client(config: S3NotificationsConfig, region: string): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ region, forcePathStyle: config.s3ForcePathStyle, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
}
