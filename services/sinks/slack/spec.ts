import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { deliveryFields, filterFields, requireWhenEnabled, secretString } from '../alerting/config.ts';
import { SlackSink } from './sink.ts';

/** `sinks.slack`: findings as messages to a Slack incoming webhook. */
export const SlackSinkConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Post findings to a Slack incoming webhook. Example: true.'),
    webhookUrl: secretString('The incoming webhook URL (https://hooks.slack.com/services/…); it carries the key, so it is a secret. Example: "https://hooks.slack.com/services/T000/B000/XXXX".').optional(),
    ...filterFields('High'),
    ...deliveryFields(),
  })
  .superRefine(requireWhenEnabled('slack', { webhookUrl: 'url' }));
export type SlackSinkConfig = z.output<typeof SlackSinkConfig>;

export const slackSinkSpec = defineSink<SlackSinkConfig>(
  'slack',
  'One Slack message per finding (Block Kit with a text fallback) to an incoming webhook; filtered by severity, detector and rule; once per finding id.',
  SlackSinkConfig,
  (config, ctx) => new SlackSink({ webhookUrl: config.webhookUrl!, filter: config, delivery: config, logger: ctx.logger }),
);
