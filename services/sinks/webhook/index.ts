/** Generic webhook sink: findings as signed OCSF JSON POSTs. */
export { webhookSinkSpec, WebhookSinkConfig } from './spec.ts';
export { WebhookSink, signFindingBody, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './sink.ts';
