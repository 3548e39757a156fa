/** Remediation hooks: action events of posture failures, and a webhook sender for them. See README.md. */
export { remediationAction } from '../core/actions.ts';
export type { RemediationAction, RemediationActionInput } from '../core/actions.ts';
export { RemediationWebhook, signBody, WEBHOOK_HEADERS } from './webhook.ts';
export type { RemediationWebhookOptions, ActionRecord } from './webhook.ts';
