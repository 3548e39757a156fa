/**
 * Evidence masking: what of a matched value may leave the detector. Only the last 4 characters (of
 * values of at least 8) and a non-secret prefix such as "ghp_", or a keyed HMAC-SHA256 for
 * correlation across objects without revealing the value. Raw values never leave.
 */
import { createHmac } from 'node:crypto';

export type EvidenceMode = 'last4' | 'hmac' | 'last4+hmac';

export interface MaskedValue {
  /** e.g. `****1111`, `ghp_****Ab3x`, or `****` for short values; null in hmac mode. */
  masked: string | null;
  /** `hmac-sha256:<hex>` of the normalized value, or null in last4 mode. */
  hash: string | null;
}

/** Masks values according to the configured mode; holds the HMAC key. */
export class Masker {
  private readonly key: Buffer | null;

  constructor(
    readonly mode: EvidenceMode,
    hmacKey: string | undefined,
  ) {
    this.key = hmacKey === undefined ? null : Buffer.from(hmacKey, 'utf8');
    if (mode !== 'last4' && this.key === null) throw new Error(`evidence mode ${mode} needs an HMAC key`);
  }

  /** `normalized`: the value as hashed (e.g. digits only); `prefix`: the public prefix of the value, if any. */
  mask(normalized: string, prefix: string): MaskedValue {
    return {
      masked: this.mode === 'hmac' ? null : last4(normalized, prefix),
      hash: this.mode === 'last4' || this.key === null ? null : `hmac-sha256:${createHmac('sha256', this.key).update(normalized, 'utf8').digest('hex')}`,
    };
  }
}

/** The last 4 characters after `****` (and the public prefix before), or only `****` for values shorter than 8. */
export function last4(value: string, prefix = ''): string {
  const rest = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  if (rest.length < 8) return `${prefix}****`;
  return `${prefix}****${rest.slice(-4)}`;
}
