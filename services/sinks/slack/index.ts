/** Slack sink: findings as messages to an incoming webhook. */
export { slackSinkSpec, SlackSinkConfig } from './spec.ts';
export { SlackSink, slackMessage } from './sink.ts';
