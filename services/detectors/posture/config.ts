import { z } from 'zod';
import { ruleDetectorSettings } from '../../rules/settings.ts';

/** Config of the posture detector (`detectors.posture`). */
export const PostureConfig = z.strictObject({
  ...ruleDetectorSettings({
    enabled: 'Run the posture rules on the config stream. Cheap: one view and the rules of its kind per change, about 10 rules per resource.',
    builtin: 'posture',
    packs: 'Rule pack directories holding posture rules (applies_to.input: resource). "@builtin/posture" is services/rules/packs/posture; other entries are paths. Example: ["@builtin/posture", "/etc/sluice/posture"].',
    disabledExample: 'posture.k8s.default_namespace',
  }),
  remediationActions: z.boolean().default(true).describe('Emit a remediation action on the actions stream for each new failure of a rule that has a remediation text.'),
  actions: z
    .strictObject({
      revokeIngress: z
        .boolean()
        .default(false)
        .describe('Emit a revoke_ingress executor action for the world-open ingress permissions behind a new failure of a security-group rule (SSH, RDP, all traffic, admin ports on ::/0, database ports), on live AWS Config items only.'),
      blockPublicAccess: z
        .boolean()
        .default(false)
        .describe('Emit a block_public_access executor action for a live S3 bucket that newly fails a public-access rule (Block Public Access off, public ACL, public policy).'),
    })
    .prefault({})
    .describe('Executor actions (carried out by the remediator when its allow-list permits; signed by the processor). Default: off.'),
  maxRulesPerResource: z.number().int().min(16).max(4096).default(512).describe('Failing rule ids kept per resource; beyond it the extra failures are still reported but not remembered (they are reported again on the next change).'),
});

export type PostureConfig = z.output<typeof PostureConfig>;
