import { z } from 'zod';

/** Config of the sensitive_operation detector. */
export const SensitiveOperationConfig = z.strictObject({
  enabled: z.boolean().default(false).describe('Run the sensitive_operation detector (off by default: the signatures pack covers its rules and more).'),
  extraOperations: z.array(z.string().min(1)).default([]).describe('More "service:Operation" names to flag, e.g. "kms.amazonaws.com:ScheduleKeyDeletion".'),
});
