/**
 * OpenTelemetry semantic-convention names Sluice uses (https://opentelemetry.io/docs/specs/semconv/messaging/).
 * The stable ones come from @opentelemetry/semantic-conventions. The messaging ones are still
 * "incubating" there, and the package asks that incubating names be copied rather than imported
 * at run time (they may change in a minor release); semconv.test.ts checks each copy against the
 * package's `incubating` entry point, so an upgrade that renames one fails a test.
 */
export { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ERROR_TYPE_VALUE_OTHER } from '@opentelemetry/semantic-conventions';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system' as const;
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name' as const;
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type' as const;
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name' as const;
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id' as const;
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name' as const;
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count' as const;

export const MESSAGING_SYSTEM_VALUE_KAFKA = 'kafka' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = 'send' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_RECEIVE = 'receive' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = 'process' as const;

export const METRIC_MESSAGING_CLIENT_SENT_MESSAGES = 'messaging.client.sent.messages' as const;
export const METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES = 'messaging.client.consumed.messages' as const;
export const METRIC_MESSAGING_CLIENT_OPERATION_DURATION = 'messaging.client.operation.duration' as const;
export const METRIC_MESSAGING_PROCESS_DURATION = 'messaging.process.duration' as const;

/**
 * `messaging.system` of the embedded in-process log. Semconv lists no value for it; a custom
 * value is what the convention asks for a system it does not know.
 */
export const MESSAGING_SYSTEM_VALUE_EMBEDDED = 'sluice_embedded' as const;

/** Bucket boundaries semconv advises for messaging durations, in seconds. */
export const MESSAGING_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
