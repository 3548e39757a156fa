import { z } from 'zod';
import { secretString } from '../alerting/config.ts';
import { alertSinkConfig, defineAlertSink, setOnly } from '../alerting/spec.ts';
import { SplunkHecSink } from './sink.ts';

/** `sinks.splunk_hec`: findings as events to a Splunk HTTP Event Collector. */
export const SplunkHecSinkConfig = alertSinkConfig(
  'splunk_hec',
  'Send findings to a Splunk HTTP Event Collector (event endpoint). Example: true.',
  {
    url: z.url({ protocol: /^https?$/ }).optional().describe('HEC base URL; events go to `<url>/services/collector/event`. Example: "https://splunk.example.com:8088".'),
    token: secretString('HEC token, sent as `Authorization: Splunk <token>`.').optional(),
    index: z.string().min(1).optional().describe('Index for the events (must be allowed for the token); default: the token\'s. Example: "security".'),
    sourcetype: z.string().min(1).default('sluice:finding').describe('Source type of the events. Example: "sluice:finding".'),
    source: z.string().min(1).default('sluice').describe('Source of the events. Example: "sluice".'),
    host: z.string().min(1).optional().describe('Host field of the events; default: the HEC default. Example: "sluice-processor-0".'),
    batchSize: z.number().int().min(1).max(10_000).default(100).describe('Events per request (JSON objects one after another). Example: 100.'),
  },
  'Informational',
  { url: 'url', token: 'set' },
);
export type SplunkHecSinkConfig = z.output<typeof SplunkHecSinkConfig>;

export const splunkHecSinkSpec = defineAlertSink(
  'splunk_hec',
  'Findings as events to the Splunk HTTP Event Collector (`/services/collector/event`, `Authorization: Splunk <token>`), batched; a batch HEC refuses for one event dead-letters that event only.',
  SplunkHecSinkConfig,
  (config) => ({ url: config.url!, token: config.token!, sourcetype: config.sourcetype, source: config.source, ...setOnly({ index: config.index, host: config.host }), batchSize: config.batchSize }),
  (options) => new SplunkHecSink(options),
);
