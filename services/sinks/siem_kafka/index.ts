export { SiemKafkaSink } from './sink.ts';
