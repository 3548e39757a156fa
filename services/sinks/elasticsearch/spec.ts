import { z } from 'zod';
import { secretString } from '../alerting/config.ts';
import { alertSinkConfig, defineAlertSink, setOnly } from '../alerting/spec.ts';
import { ElasticsearchSink } from './sink.ts';

/** `sinks.elasticsearch`: findings indexed into Elasticsearch or OpenSearch with the bulk API. */
export const ElasticsearchSinkConfig = alertSinkConfig(
  'elasticsearch',
  'Index findings into Elasticsearch or OpenSearch (`_bulk`). Example: true.',
  {
    url: z.url({ protocol: /^https?$/ }).optional().describe('Cluster URL; requests go to `<url>/_bulk`. Example: "https://es.example.com:9200".'),
    index: z.string().min(1).default('sluice-findings').describe('Index (or alias) the findings go to. Example: "sluice-findings".'),
    apiKey: secretString('Elasticsearch API key (the base64 `id:key` form), sent as `Authorization: ApiKey <key>`; or use username/password.').optional(),
    username: z.string().min(1).optional().describe('Basic-auth user (with `password`). Example: "sluice".'),
    password: secretString('Basic-auth password.').optional(),
    batchSize: z.number().int().min(1).max(10_000).default(500).describe('Findings per bulk request. Example: 500.'),
  },
  'Informational',
  { url: 'url' },
);
export type ElasticsearchSinkConfig = z.output<typeof ElasticsearchSinkConfig>;

export const elasticsearchSinkSpec = defineAlertSink(
  'elasticsearch',
  'Findings indexed into Elasticsearch or OpenSearch with `_bulk` (`index` action, `_id` = finding id, so a retry or redelivery overwrites instead of duplicating); per-item errors dead-letter that finding only.',
  ElasticsearchSinkConfig,
  (config) => ({ url: config.url!, index: config.index, ...setOnly({ apiKey: config.apiKey, username: config.username, password: config.password }), batchSize: config.batchSize }),
  (options) => new ElasticsearchSink(options),
);
