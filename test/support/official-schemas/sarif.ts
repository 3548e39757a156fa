/**
 * Validation of SARIF logs against the official OASIS SARIF 2.1.0 JSON schema
 * (test/fixtures/schemas/sarif/sarif-schema-2.1.0.json, see the README there), with ajv, plus the
 * few "SHALL" rules of the specification that a JSON schema cannot express and that Sluice's
 * output depends on (rule indexes, URI base ids).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ajvMessages } from './messages.ts';

const addFormats = addFormatsModule.default;

/** The official schema, parsed. */
export const SARIF_SCHEMA = JSON.parse(readFileSync(new URL('../../fixtures/schemas/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as { $id: string };

// unicodeRegExp: false: the 2.1.0 schema's `language` pattern has a stray `]`, which is legal in a
// JavaScript regular expression without the u flag (and in the ECMA 262 dialect JSON schema names).
// strictSchema stays on (an unknown keyword would be an error); strictRequired/strictTypes are style checks
// of schema authoring that the official schema does not follow (required properties defined elsewhere).
const ajv = new Ajv({ allErrors: true, strictSchema: true, strictRequired: false, strictTypes: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(SARIF_SCHEMA);

/** The schema violations of `log` (empty when it validates). */
export function sarifSchemaErrors(log: unknown): string[] {
  return validate(log) ? [] : ajvMessages(validate.errors);
}

interface LooseLocation {
  physicalLocation?: { artifactLocation?: { uri?: string; uriBaseId?: string } };
}
interface LooseRun {
  tool?: { driver?: { rules?: Array<{ id?: string }> } };
  originalUriBaseIds?: Record<string, { uri?: string; uriBaseId?: string }>;
  results?: Array<{ ruleId?: string; ruleIndex?: number; locations?: LooseLocation[] }>;
  invocations?: Array<{ toolExecutionNotifications?: Array<{ locations?: LooseLocation[] }> }>;
}

const ABSOLUTE_URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/**
 * Specification rules beyond the schema: ruleIndex points at the rule whose id is ruleId
 * (§3.27.6); rule ids are unique; a uriBaseId is declared in run.originalUriBaseIds (§3.4.4) and
 * its uri is relative (§3.4.3); an originalUriBaseIds entry without uriBaseId has an absolute uri
 * or none, and every uri there ends with "/" (§3.14.14).
 */
export function sarifSpecErrors(log: unknown): string[] {
  const out: string[] = [];
  const runs = ((log as { runs?: LooseRun[] }).runs ?? []);
  runs.forEach((run, r) => {
    const ids = (run.tool?.driver?.rules ?? []).map((x) => x.id);
    if (new Set(ids).size !== ids.length) out.push(`/runs/${r}: rule ids are not unique`);
    const bases = run.originalUriBaseIds ?? {};
    for (const [name, base] of Object.entries(bases)) {
      if (base.uri !== undefined && !base.uri.endsWith('/')) out.push(`/runs/${r}/originalUriBaseIds/${name}: uri does not end with /`);
      if (base.uriBaseId === undefined && base.uri !== undefined && !ABSOLUTE_URI.test(base.uri)) out.push(`/runs/${r}/originalUriBaseIds/${name}: uri is relative without a uriBaseId`);
    }
    const checkLocation = (loc: LooseLocation | undefined, where: string): void => {
      const a = loc?.physicalLocation?.artifactLocation;
      if (!a?.uriBaseId) return;
      if (!(a.uriBaseId in bases)) out.push(`${where}: uriBaseId ${a.uriBaseId} is not declared in originalUriBaseIds`);
      if (a.uri !== undefined && ABSOLUTE_URI.test(a.uri)) out.push(`${where}: uri ${a.uri} is absolute although a uriBaseId is given`);
    };
    (run.results ?? []).forEach((res, i) => {
      if (res.ruleIndex !== undefined && ids[res.ruleIndex] !== res.ruleId) out.push(`/runs/${r}/results/${i}: ruleIndex ${res.ruleIndex} does not point at ${String(res.ruleId)}`);
      (res.locations ?? []).forEach((l, j) => checkLocation(l, `/runs/${r}/results/${i}/locations/${j}`));
    });
    (run.invocations ?? []).forEach((inv, i) =>
      (inv.toolExecutionNotifications ?? []).forEach((n, j) => (n.locations ?? []).forEach((l, k) => checkLocation(l, `/runs/${r}/invocations/${i}/toolExecutionNotifications/${j}/locations/${k}`))),
    );
  });
  return out;
}

/** Schema and specification errors together. */
export function sarifErrors(log: unknown): string[] {
  return [...sarifSchemaErrors(log), ...sarifSpecErrors(log)];
}
