import { ACTION_SIGNATURE_HEADER, signActionRecord } from '../core/action-signing.ts';
import type { SideOutput } from '../core/components.ts';

/**
 * The side outputs a consumer acts on (remediation actions, enforcement decisions, re-scan requests
 * whose stated change the aws_config_rescan role applies). All are signed with the actions key, so a writer to their topic who does not hold it cannot forge a
 * record that a remediator or an enforcement consumer would carry out (core/action-signing.ts).
 */
export const SIGNED_OUTPUT_STREAMS: ReadonlySet<SideOutput['stream']> = new Set(['actions', 'enforcement', 'rescan']);

/** The signature header of one side output record, or none (no key configured, or a stream nobody acts on). */
export function outputSignatureHeaders(stream: SideOutput['stream'], actionsKey: string | undefined, topic: string, key: string | null, value: Buffer): Record<string, string> {
  return actionsKey && SIGNED_OUTPUT_STREAMS.has(stream) ? { [ACTION_SIGNATURE_HEADER]: signActionRecord(actionsKey, topic, key, value) } : {};
}
