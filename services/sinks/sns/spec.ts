import { z } from 'zod';
import { alertSinkConfig, defineAlertSink, setOnly, type AlertSinkCommon } from '../alerting/spec.ts';
import { lazySink } from '../lazy.ts';
import { topicRegion } from './arn.ts';

/** `sinks.sns`: each finding published as OCSF JSON to an AWS SNS topic. */
export const SnsSinkConfig = alertSinkConfig(
  'sns',
  'Publish every finding (OCSF JSON) to the SNS topic `topicArn`. Example: true.',
  {
    topicArn: z
      .string()
      .refine((v) => topicRegion(v) !== undefined, { message: 'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)' })
      .optional()
      .describe(
        'ARN of the topic; a name ending in `.fifo` is a FIFO topic (MessageGroupId = rule id, MessageDeduplicationId = finding id). Credentials come from the AWS default provider chain; the role needs `sns:Publish` on it. Example: "arn:aws:sns:eu-west-1:123456789012:sluice-findings".',
      ),
    region: z.string().min(1).optional().describe('AWS region of the SNS endpoint; default: the region of `topicArn`. Example: "eu-west-1".'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Another SNS endpoint (a VPC endpoint, LocalStack); default: the region\'s public endpoint. Example: "http://localhost:4566".'),
  },
  'Medium',
  { topicArn: 'set' },
);
export type SnsSinkConfig = z.output<typeof SnsSinkConfig>;

export const snsSinkSpec = defineAlertSink(
  'sns',
  'Each finding published to an AWS SNS topic (Message = OCSF JSON, short Subject, message attributes severity/detector/rule for subscription filters; FIFO topics get MessageGroupId and MessageDeduplicationId = finding id); credentials from the AWS default provider chain.',
  SnsSinkConfig,
  (config) => ({ topicArn: config.topicArn!, ...setOnly({ region: config.region, endpoint: config.endpoint }) }),
  // The AWS SDK is imported when the sink starts (lazy.ts), not with the spec.
  lazySink<{ topicArn: string; region?: string; endpoint?: string } & AlertSinkCommon>('sns', async () => {
    const { SnsSink } = await import('./sink.ts');
    return (options) => new SnsSink(options);
  }),
);
