/**
 * Metamorphic robustness of the AWS rules: every CloudTrail rule's inline tests are turned back
 * into native CloudTrail records (test/fixtures/cloudtrail-forms/render.ts), delivered in every
 * documented form (S3 file, JSON line, EventBridge, CloudWatch Logs subscription, CloudTrail Lake
 * row, Athena export, null optionals, another ARN partition, Panther enrichment) and, for Lambda and CloudFront, under
 * every API-version spelling of the operation; each rendering must give the same verdict (finding
 * or none) as the plain record. The raw records of test/fixtures/cloudtrail-forms/*.json (written
 * from the AWS docs, with their expected rule) go through the same forms.
 */
import { fileURLToPath } from 'node:url';
import { CLOUDTRAIL_FORMS, operationVariants, toCloudTrailRecord, type Json } from '../../test/fixtures/cloudtrail-forms/render.ts';
import type { CompiledRule } from './compile.ts';
import { loadRulePacks } from './index.ts';
import { collectActivity, registerFormTests, ruleFindings } from '../../test/support/rule-forms.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/cloudtrail-forms/', import.meta.url));
const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.sources?.includes('aws_cloudtrail'));
/** Each rendering of a record list: the forms, then the versioned-operation spellings (plain form). */
function renderings(records: readonly Json[]): Array<{ name: string; records: Json[]; form: (typeof CLOUDTRAIL_FORMS)[number] }> {
  const out = CLOUDTRAIL_FORMS.map((form) => ({ name: form.name, records: [...records], form }));
  const plain = CLOUDTRAIL_FORMS[0]!;
  const spellings = records.map(operationVariants);
  const count = Math.max(0, ...spellings.map((s) => s.length));
  for (let i = 0; i < count; i++) {
    const recs = records.map((r, j) => (spellings[j]![i] === undefined ? r : { ...r, eventName: spellings[j]![i] }));
    out.push({ name: `operation spelled ${String(recs[0]!.eventName)}`, records: recs, form: plain });
  }
  return out;
}

function verdicts(rule: CompiledRule, records: readonly Json[], label: string): { baseline: number; diffs: string[] } {
  const baseline = ruleFindings(rule, records.flatMap((r, i) => collectActivity(CLOUDTRAIL_FORMS[0]!.render(r).bytes, `${label}#${i}`)));
  const diffs: string[] = [];
  for (const v of renderings(records)) {
    let got: number;
    try {
      got = ruleFindings(rule, v.records.flatMap((r, i) => collectActivity(v.form.render(r).bytes, `${label}/${v.name}#${i}`)));
    } catch (err) {
      diffs.push(`${v.name}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (got > 0 !== baseline > 0) diffs.push(`${v.name}: ${got} finding(s), plain record ${baseline}`);
  }
  return { baseline, diffs };
}

registerFormTests({
  rules,
  toRecord: toCloudTrailRecord,
  verdicts,
  fixturesDir: FIXTURES,
  sourceName: 'CloudTrail',
  plainName: 'record',
  minRules: 100,
  minRendered: 500,
});
