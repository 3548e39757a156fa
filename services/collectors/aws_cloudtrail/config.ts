import { z } from 'zod';
import { sqsSection } from '../s3_notifications/config.ts';
import { kinesisSection } from './kinesis-config.ts';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes, missingTime } from '../config-common.ts';

/** Configuration of the aws_cloudtrail collector. Unknown keys are rejected. */
export const AwsCloudTrailConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(
    'Largest raw record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. ' +
      'At most 64 KiB, the cap of the wire contract; 0 never keeps raw_data.',
  ),
  unmappedCapBytes: unmappedCapBytes('requestParameters, responseElements, ...'),
  maxDecompressedBytes: maxDecompressedBytes(),
  missingTime: missingTime('no eventTime, nor the Logstash @timestamp'),
  sqs: sqsSection(),
  kinesis: kinesisSection(),
});

export type AwsCloudTrailConfig = Readonly<z.output<typeof AwsCloudTrailConfigSchema>>;
export type AwsCloudTrailConfigInput = z.input<typeof AwsCloudTrailConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsCloudTrailConfig(input: unknown = {}): AwsCloudTrailConfig {
  return parseCollectorConfig(AwsCloudTrailConfigSchema, input, 'aws_cloudtrail');
}
