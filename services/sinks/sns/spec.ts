import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { deliveryFields, filterFields, requireWhenEnabled } from '../alerting/config.ts';
import { SnsSink, topicRegion } from './sink.ts';

/** `sinks.sns`: each finding published as OCSF JSON to an AWS SNS topic. */
export const SnsSinkConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Publish every finding (OCSF JSON) to the SNS topic `topicArn`. Example: true.'),
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
    ...filterFields('Medium'),
    ...deliveryFields(),
  })
  .superRefine(requireWhenEnabled('sns', { topicArn: 'set' }));
export type SnsSinkConfig = z.output<typeof SnsSinkConfig>;

export const snsSinkSpec = defineSink<SnsSinkConfig>(
  'sns',
  'Each finding published to an AWS SNS topic (Message = OCSF JSON, short Subject, message attributes severity/detector/rule for subscription filters; FIFO topics get MessageGroupId and MessageDeduplicationId = finding id); credentials from the AWS default provider chain.',
  SnsSinkConfig,
  (config, ctx) =>
    new SnsSink({
      topicArn: config.topicArn!,
      ...(config.region ? { region: config.region } : {}),
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      filter: config,
      delivery: config,
      logger: ctx.logger,
    }),
);
