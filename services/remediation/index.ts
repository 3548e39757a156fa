/** Remediation: action events, the webhook sender, the executors (S3, EC2, IAM, Azure Blob, GCS), their results and the enforcer. See README.md. */
export { remediationAction, executorAction, accessKeyTarget } from '../core/actions.ts';
export type { RemediationAction, RemediationActionInput, ExecutorActionInput, ExecutorActionName } from '../core/actions.ts';
export { RemediationWebhook, signBody, WEBHOOK_HEADERS } from './webhook.ts';
export type { RemediationWebhookOptions, ActionRecord } from './webhook.ts';
export { RemediatorService, webhookResult } from './service.ts';
export type { RemediatorStats } from './service.ts';
export { ExecutorRunner } from './runner.ts';
export type { ExecutorRunnerOptions } from './runner.ts';
export { ACTION_KINDS, AZURE_ACTION_KINDS, GCS_ACTION_KINDS, parseAction } from './requests.ts';
export type { ActionKind, ExecutorRequest, ExecutableAction, ParsedAction } from './requests.ts';
export { ActionResultWriter, OUTCOMES } from './results.ts';
export type { ActionResult, Outcome } from './results.ts';
export { ActionResultRecorder } from './results-recorder.ts';
export type { ActionResultStore, ActionResultRecorderStats } from './results-recorder.ts';
export { EnforcerService } from './enforcement/index.ts';
