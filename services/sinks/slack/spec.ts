import type { z } from 'zod';
import { secretString } from '../alerting/config.ts';
import { alertSinkConfig, defineAlertSink } from '../alerting/spec.ts';
import { SlackSink } from './sink.ts';

/** `sinks.slack`: findings as messages to a Slack incoming webhook. */
export const SlackSinkConfig = alertSinkConfig(
  'slack',
  'Post findings to a Slack incoming webhook. Example: true.',
  {
    webhookUrl: secretString('The incoming webhook URL (https://hooks.slack.com/services/…); it carries the key, so it is a secret. Example: "https://hooks.slack.com/services/T000/B000/XXXX".').optional(),
  },
  'High',
  { webhookUrl: 'url' },
);
export type SlackSinkConfig = z.output<typeof SlackSinkConfig>;

export const slackSinkSpec = defineAlertSink(
  'slack',
  'One Slack message per finding (Block Kit with a text fallback) to an incoming webhook; filtered by severity, detector and rule; once per finding id.',
  SlackSinkConfig,
  (config) => ({ webhookUrl: config.webhookUrl! }),
  (options) => new SlackSink(options),
);
