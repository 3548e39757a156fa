/** SIEM sink: findings as OCSF JSON on the findings topic. */
export { siemKafkaSinkSpec, SiemKafkaSinkConfig } from './spec.ts';
export { SiemKafkaSink } from './sink.ts';
