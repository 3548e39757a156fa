/**
 * Signed action records. The processor signs every record it writes to the actions topic with the
 * shared `remediation.actionsKey` (HMAC-SHA256 over topic, key and value, in the header
 * ACTION_SIGNATURE_HEADER); the remediator verifies it before acting and dead-letters a record that
 * is unsigned or forged (SLUICE_ERR_ACTION_SIGNATURE). A principal that can write to the topic but
 * does not hold the key therefore cannot make the remediator act. See SECURITY.md.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ACTION_SIGNATURE_HEADER = 'sluice-action-signature';

/** `v1=` + hex HMAC-SHA256(key, `sluice-action-v1\n<topic>\n<key>\n` + value). */
export function signActionRecord(secret: string, topic: string, key: string | null, value: Buffer): string {
  const h = createHmac('sha256', secret);
  h.update(`sluice-action-v1\n${topic}\n${key ?? ''}\n`, 'utf8');
  h.update(value);
  return `v1=${h.digest('hex')}`;
}

/** Why a record's signature is not valid, or null when it is (constant-time comparison). */
export function actionSignatureProblem(secret: string, topic: string, key: string | null, value: Buffer, header: string | undefined): string | null {
  if (header === undefined || header === '') return `unsigned action record (no ${ACTION_SIGNATURE_HEADER} header)`;
  const expected = Buffer.from(signActionRecord(secret, topic, key, value), 'utf8');
  const got = Buffer.from(header, 'utf8');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return `action record signature does not verify (${ACTION_SIGNATURE_HEADER}); forged or signed with another key`;
  return null;
}
