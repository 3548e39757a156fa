export { NdjsonSink } from './sink.ts';
