import { createHash } from 'node:crypto';

/**
 * Deterministic finding id: the same detector, rule, entity and triggering event(s) always give
 * the same id, so replays and at-least-once redelivery upsert instead of duplicating.
 * Formatted as a UUID (version nibble 5-like) for friendliness in SIEMs.
 */
export function findingId(detector: string, rule: string, entityKey: string, eventUids: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of [detector, rule, entityKey, ...eventUids]) {
    h.update(part);
    h.update('\u0000');
  }
  const hex = h.digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
