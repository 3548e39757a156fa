import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { SiemKafkaSink } from './sink.ts';

/** `sinks.siem_kafka`: findings as OCSF JSON on `topics.findings` for SIEM subscribers. */
export const SiemKafkaSinkConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('Publish every finding on the findings topic (topics.findings), keyed by finding id. Example: true.'),
});
export type SiemKafkaSinkConfig = z.output<typeof SiemKafkaSinkConfig>;

export const siemKafkaSinkSpec = defineSink<SiemKafkaSinkConfig>(
  'siem_kafka',
  'Findings as OCSF JSON on the findings topic (Kafka or the embedded log), keyed by finding id, with the trace context in headers.',
  SiemKafkaSinkConfig,
  (_config, ctx) => new SiemKafkaSink(ctx.producer, ctx.app.topics.findings, ctx.telemetry),
);
