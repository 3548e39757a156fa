/** Remediation hooks: action events of posture failures, and a webhook sender for them. See README.md. */
export { remediationAction } from './actions.ts';
export type { RemediationAction, RemediationActionInput } from './actions.ts';
export { RemediationWebhook, signBody, WEBHOOK_HEADERS } from './webhook.ts';
export type { RemediationWebhookOptions, ActionRecord } from './webhook.ts';
