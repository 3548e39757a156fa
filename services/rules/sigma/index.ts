import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { compileRule } from '../compile.ts';
import { RuleSchema } from '../schema.ts';
import { convertSigmaRule, Unsupported, type ConvertedRule } from './convert.ts';

/** One problem or note of an import: the file, the Sigma rule (title) when known, and what happened. */
export interface SigmaReportEntry {
  file: string;
  rule?: string;
  problem: string;
}

/** The result of `importSigma`: a rule pack file (YAML) and the report. */
export interface SigmaImport {
  yaml: string;
  report: SigmaReportEntry[];
}

/** Deepest YAML nesting a Sigma file may have; the parser and the converter recurse per level. */
const MAX_NESTING = 64;

/**
 * The line where a YAML text nests deeper than `max` (block indicators `- `, `? `, `: ` and
 * indentation on a line, or open flow brackets), or null: a linear pre-check, because deep
 * nesting makes the YAML parser overflow its stack or slow down quadratically (`- - - - …`).
 */
export function yamlNestingOver(text: string, max: number): number | null {
  let flow = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const lead = /^([ \t]*)((?:[-?:][ \t]+)*)/.exec(line)!;
    if (lead[1]!.length / 2 + (lead[2]!.match(/[-?:]/g)?.length ?? 0) > max) return lineNo;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        if (++flow > max) return lineNo;
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    }
  }
  return null;
}

/**
 * Converts Sigma rules (logsources aws/cloudtrail, azure/activitylogs, kubernetes/audit) into a
 * Sluice rule pack file (`rules:` list, YAML). A rule with any construct that cannot be converted
 * faithfully (an unsupported modifier, an aggregation, another logsource, an undefined search
 * identifier...) is left out and reported with the reason; nothing is dropped silently.
 * Approximations that keep a rule (a field read from a fallback) are reported as notes
 * (`problem` starting with "note:"). Every converted rule is compiled with the rule engine before
 * it is written. Imported rules carry no inline tests: add them before putting the file in a pack.
 * Backs `sluice rules import-sigma <files>`.
 */
export function importSigma(files: string[]): SigmaImport {
  const report: SigmaReportEntry[] = [];
  const rules: ConvertedRule[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      report.push({ file, problem: `cannot read the file: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const depth = yamlNestingOver(text, MAX_NESTING);
    if (depth !== null) {
      report.push({ file, problem: `not converted: nesting deeper than ${MAX_NESTING} levels (line ${depth}); a Sigma rule is a few levels deep` });
      continue;
    }
    let docs: ReturnType<typeof parseAllDocuments>;
    try {
      docs = parseAllDocuments(text, { prettyErrors: false });
    } catch (err) {
      report.push({ file, problem: `YAML error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      const label = list.length > 1 ? `${file}#${index}` : file;
      if (doc.errors.length > 0) {
        const e = doc.errors[0]!;
        report.push({ file: label, problem: `YAML error at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}` });
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS();
      } catch (err) {
        // Errors the parser leaves to conversion: an alias to no anchor, an alias expanding too much.
        report.push({ file: label, problem: `YAML error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
        return;
      }
      if (value === null || value === undefined) return;
      const title = value && typeof value === 'object' && typeof (value as { title?: unknown }).title === 'string' ? (value as { title: string }).title : undefined;
      const at = title === undefined ? {} : { rule: title };
      if (typeof value !== 'object' || Array.isArray(value)) {
        report.push({ file: label, problem: 'not a Sigma rule (a YAML map is expected)' });
        return;
      }
      let converted: { rule: ConvertedRule; notes: string[] };
      try {
        converted = convertSigmaRule(value as Record<string, unknown>, file);
      } catch (err) {
        if (!(err instanceof Unsupported)) throw err;
        report.push({ file: label, ...at, problem: `not converted: ${err.message}` });
        return;
      }
      const rule = converted.rule;
      let id = rule.id;
      for (let n = 2; ids.has(id); n++) id = `${rule.id}_${n}`;
      rule.id = id;
      const doc2 = RuleSchema.safeParse(rule);
      const compiled = doc2.success ? compileRule(doc2.data, { file: label, line: 1 }) : null;
      const problems = !doc2.success ? doc2.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) : compiled && compiled.rule === null ? compiled.problems : [];
      if (problems.length > 0) {
        report.push({ file: label, ...at, problem: `not converted: the generated rule does not compile: ${problems.join('; ')}` });
        return;
      }
      ids.add(id);
      rules.push(rule);
      for (const n of converted.notes) report.push({ file: label, ...at, problem: `note: ${n}` });
    });
  }
  const header = [
    '# Sluice rules imported from Sigma by `sluice rules import-sigma`.',
    '# Review each rule and add inline tests (at least one match and one non-match) before adding this file to a pack.',
  ].join('\n');
  const yaml = rules.length === 0 ? `${header}\n# No rule could be converted; see the report.\n` : `${header}\n${stringify({ rules }, { lineWidth: 0 })}`;
  return { yaml, report };
}

export { convertSigmaRule, Unsupported } from './convert.ts';
export type { ConvertedRule } from './convert.ts';
export { parseCondition } from './condition.ts';
export { fieldRef, sigmaSource } from './fields.ts';
