/**
 * The config fields every rule-running detector has (posture, signatures): whether it runs, which
 * rule packs it loads and which rules it leaves out. One definition, so their rules and wording stay the same.
 */
import { z } from 'zod';

/** What a rule-running detector says about its own settings. */
export interface RuleDetectorSettingsText {
  /** Description of `enabled`. */
  enabled: string;
  /** The bundled pack: `@builtin/<builtin>` is the default of `packs`. */
  builtin: string;
  /** Description of `packs`. */
  packs: string;
  /** A rule id, as the example of `disabledRules`. */
  disabledExample: string;
}

/** `enabled`, `packs` and `disabledRules`, in that order: spread them into the detector's config schema. */
export function ruleDetectorSettings(text: RuleDetectorSettingsText) {
  return {
    enabled: z.boolean().default(true).describe(text.enabled),
    packs: rulePacksSetting(text.builtin, text.packs),
    disabledRules: disabledRulesSetting(text.disabledExample),
  };
}

/** `packs`: rule pack directories, at least one; `@builtin/<name>` is services/rules/packs/<name>. */
export function rulePacksSetting(builtin: string, description: string) {
  return z.array(z.string().min(1)).min(1).default([`@builtin/${builtin}`]).describe(description);
}

/** `disabledRules`: rule ids not to run; `example` is one such id. */
export function disabledRulesSetting(example: string) {
  return z
    .array(z.string().min(1))
    .default([])
    .describe(`Rule ids not to run, e.g. ["${example}"]. An id that no pack defines is a config error.`);
}
