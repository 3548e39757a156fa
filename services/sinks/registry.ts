import type { SinkSpec } from '../core/components.ts';
import { clickhouseSinkSpec } from './clickhouse/spec.ts';
import { ndjsonSinkSpec } from './ndjson/spec.ts';
import { siemKafkaSinkSpec } from './siem_kafka/spec.ts';
import { slackSinkSpec } from './slack/spec.ts';
import { webhookSinkSpec } from './webhook/spec.ts';
import { pagerdutySinkSpec } from './pagerduty/spec.ts';
import { splunkHecSinkSpec } from './splunk_hec/spec.ts';
import { elasticsearchSinkSpec } from './elasticsearch/spec.ts';
import { snsSinkSpec } from './sns/spec.ts';

/** Every findings sink Sluice ships, by name (`sinks.<name>` in the config); the specs (spec.ts) import no sink module until a sink starts. */
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
