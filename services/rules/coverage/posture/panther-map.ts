/**
 * The posture coverage table against Panther's public AWS policies (panther-aws-policies.yaml next
 * to this file): each peer policy id, the scanner resource type it judges, and the Sluice posture
 * rules that check the same behaviour, or `none` with the reason. Read by
 * test/shared-data/check-resource-policies.ts and by panther-map.test.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SluiceError } from '../../../core/errors.ts';

export const PANTHER_MAP_FILE = fileURLToPath(new URL('./panther-aws-policies.yaml', import.meta.url));

const Entry = z
  .strictObject({
    id: z.string().regex(/^AWS\.[A-Za-z0-9.]+$/, 'a Panther policy id such as AWS.S3.Bucket.PublicRead'),
    resource: z.string().regex(/^AWS(\.[A-Za-z0-9]+)+$/, 'the scanner resource type, e.g. AWS.S3.Bucket'),
    rules: z.union([z.literal('none'), z.array(z.string().min(3)).min(1)]),
    reason: z.string().min(10).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.rules === 'none' && !e.reason) ctx.addIssue({ code: 'custom', message: `${e.id}: an entry with rules: none needs a reason` });
  });

const FileSchema = z.strictObject({ source: z.string().min(10), policies: z.array(Entry).min(1) });

export interface PantherPolicyEntry {
  id: string;
  resource: string;
  /** Sluice rule ids; empty when none matches. */
  rules: string[];
  reason: string | null;
}

/** The mapping by peer policy id. Throws SLUICE_ERR_CONFIG_INVALID on a malformed file or a duplicate id. */
export function loadPantherPolicyMap(file: string = PANTHER_MAP_FILE): Map<string, PantherPolicyEntry> {
  const parsed = FileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const out = new Map<string, PantherPolicyEntry>();
  for (const e of parsed.data.policies) {
    if (out.has(e.id)) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `${file}: policy ${e.id} is listed twice`);
    out.set(e.id, { id: e.id, resource: e.resource, rules: e.rules === 'none' ? [] : e.rules, reason: e.reason ?? null });
  }
  return out;
}
