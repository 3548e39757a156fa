/** Splunk HEC sink: findings as HTTP Event Collector events. */
export { splunkHecSinkSpec, SplunkHecSinkConfig } from './spec.ts';
export { SplunkHecSink, hecEvent } from './sink.ts';
