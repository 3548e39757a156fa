/** Elasticsearch / OpenSearch sink: findings with the bulk API. */
export { elasticsearchSinkSpec, ElasticsearchSinkConfig } from './spec.ts';
export { ElasticsearchSink, bulkBody, findingDocument } from './sink.ts';
