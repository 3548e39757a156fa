/** AWS SNS sink: findings published as OCSF JSON to a topic. */
export { snsSinkSpec, SnsSinkConfig } from './spec.ts';
export { SnsSink, snsPublishInput, snsSubject, isFifoTopic, topicRegion, SNS_SUBJECT_MAX } from './sink.ts';
