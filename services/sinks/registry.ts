import type { SinkSpec } from '../core/components.ts';
import { clickhouseSinkSpec } from './clickhouse/index.ts';
import { ndjsonSinkSpec } from './ndjson/index.ts';
import { siemKafkaSinkSpec } from './siem_kafka/index.ts';
import { slackSinkSpec } from './slack/index.ts';
import { webhookSinkSpec } from './webhook/index.ts';
import { pagerdutySinkSpec } from './pagerduty/index.ts';
import { splunkHecSinkSpec } from './splunk_hec/index.ts';
import { elasticsearchSinkSpec } from './elasticsearch/index.ts';
import { snsSinkSpec } from './sns/index.ts';

/** Every findings sink Sluice ships, by name (`sinks.<name>` in the config). */
export const SINK_SPECS = [
  siemKafkaSinkSpec,
  clickhouseSinkSpec,
  ndjsonSinkSpec,
  // Alert outputs (services/sinks/alerting/ holds what they share; docs/alerting.md).
  slackSinkSpec,
  webhookSinkSpec,
  pagerdutySinkSpec,
  splunkHecSinkSpec,
  elasticsearchSinkSpec,
  snsSinkSpec,
] as const satisfies readonly SinkSpec[];

export function sinkSpec(name: string): SinkSpec | undefined {
  return (SINK_SPECS as readonly SinkSpec[]).find((s) => s.name === name);
}
