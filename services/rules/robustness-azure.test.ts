/**
 * Metamorphic robustness of the Azure Activity rules: every inline test of every azure_activity
 * rule is rendered as raw records in each form Azure documents (test/fixtures/azure/variants.ts:
 * export form, Event Hubs envelope, operationName casing, Succeeded/Failed words, properties as
 * JSON text, upper-cased resourceId, category as operation type, level words, request-body key and
 * enum casing and the body as an object, REST/Get-AzLog form, Log Analytics AzureActivity row,
 * activity-log alert notifications), normalized by the azure_activity collector, and replayed
 * through the rule: the answer (finding or none) must be the inline test's on every form. A second
 * test checks that every form normalizes to the same event fields as the export form.
 *
 * A test whose events cannot be rendered as records (its canonical export rendering does not give
 * the inline answer, or its raw record is an alert notification) is listed, not failed; the test
 * below bounds how many there are, so the check cannot silently become empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collectorSpec } from '../collectors/registry.ts';
import type { ApiActivity } from '../core/events.ts';
import type { CompiledRule } from './compile.ts';
import { BUILTIN_PACKS_DIR, compileRuleSources } from './loader.ts';
import type { RuleTestCase } from './schema.ts';
import { activityFindings, testEvents } from './testing.ts';
import { azureRequest, igetPath } from './helpers.ts';
import { AZURE_VARIANTS, exportRecordOf, type Variant } from '../../test/fixtures/azure/variants.ts';

const AZURE_DIR = join(BUILTIN_PACKS_DIR, 'activity', 'azure');
const files = readdirSync(AZURE_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(AZURE_DIR, f));
const { rules, problems } = compileRuleSources(files.map((f) => ({ file: relative(BUILTIN_PACKS_DIR, f), text: readFileSync(f, 'utf8') })));
const azure = rules.filter((r) => r.sources?.includes('azure_activity'));
const collector = collectorSpec('azure_activity')!;

/** Normalizes one rendered input; exactly one activity event is expected. */
function normalize(bytes: string): ApiActivity {
  const outs = [...collector.create().collect({ name: 'variant', bytes: Buffer.from(bytes) })];
  const events = outs.filter((o) => o.kind === 'event');
  if (events.length !== 1 || outs.length !== 1) {
    throw new Error(outs.map((o) => (o.kind === 'dead_letter' ? `dead letter: ${o.reason}` : `${o.kind}`)).join('; ') || 'no output');
  }
  return events[0]!.event as ApiActivity;
}

/** Findings of the rule over the events on a fresh window state; a condition error is a failure. */
function findingsOf(rule: CompiledRule, events: ApiActivity[]): number {
  const { findings, errors } = activityFindings(rule, events);
  if (errors.length > 0) throw new Error(`condition error: ${errors[0]}`);
  return findings;
}

interface Outcome {
  /** variant name -> answer matches the inline test's (null: not applicable). */
  results: Map<string, boolean | null>;
  /** Why a variant failed (the error, or the finding count). */
  notes: Map<string, string>;
}

/** Renders one inline test's events in a variant and checks the rule's answer. */
function runVariant(rule: CompiledRule, t: RuleTestCase, originals: ApiActivity[], records: Record<string, unknown>[], v: Variant): [boolean | null, string] {
  const rendered = records.map((r) => v.render(r));
  if (rendered.some((b) => b === null)) return [null, 'not applicable'];
  try {
    const events = rendered.map((b, i) => {
      const e = normalize(b!);
      // Same identity for windows as the inline runner: copies of one record keep distinct uids.
      return { ...e, time: originals[i]!.time, metadata: { ...e.metadata, uid: originals[i]!.metadata.uid } };
    });
    const n = findingsOf(rule, events);
    const ok = (n > 0) === t.expect && (t.findings === undefined || t.findings === n);
    return [ok, `${n} finding(s)`];
  } catch (err) {
    return [false, err instanceof Error ? err.message : String(err)];
  }
}

function runTest(rule: CompiledRule, t: RuleTestCase): Outcome | null {
  const originals = testEvents(rule, t);
  const records = originals.map(exportRecordOf);
  if (records.some((r) => r === null)) return null;
  const recs = records as Record<string, unknown>[];
  const results = new Map<string, boolean | null>();
  const notes = new Map<string, string>();
  const [base] = runVariant(rule, t, originals, recs, AZURE_VARIANTS[0]!);
  if (base !== true) return null; // not renderable as records: listed by the summary test
  for (const v of AZURE_VARIANTS) {
    const [ok, note] = runVariant(rule, t, originals, recs, v);
    results.set(v.name, ok);
    if (ok === false) notes.set(v.name, note);
  }
  return { results, notes };
}

/**
 * The normalized fields rules read, compared across forms: Azure compares ids, operation, provider
 * and resource names case-insensitively, so resource ids are compared lower-cased.
 */
function signature(e: ApiActivity, variant = 'export'): string {
  return JSON.stringify({
    time: e.time,
    activity_id: e.activity_id,
    status_id: e.status_id,
    operation: e.api.operation,
    service: e.api.service_name,
    principal: e.actor.user.uid,
    principal_type: e.actor.user.type,
    tenant: e.actor.user.account_uid,
    mfa: e.actor.session?.is_mfa ?? null,
    invoked_by: e.actor.invoked_by,
    category: e.metadata.log_name,
    subscription: e.cloud.account_uid,
    // The AzureActivity table has no location column.
    region: variant === 'log-analytics' ? '(not in this form)' : e.cloud.region,
    ip: e.src_endpoint.ip,
    resources: e.resources.map((r) => [r.uid?.toLowerCase() ?? null, r.type?.toLowerCase() ?? null, r.name?.toLowerCase() ?? null]),
  });
}

const unrenderable: string[] = [];
/** Forms reported rather than required of every rule (see Variant.tracked), and the rules that miss them. */
const TRACKED = new Set(AZURE_VARIANTS.filter((v) => v.tracked).map((v) => v.name));
const trackedMisses = new Set<string>();
/**
 * Rules that read the response body too: they must give their answer on the tracked form. The Azure
 * rules still missing it judge a change to an existing resource (a PATCH: the request has no
 * location) or a write-only setting (a password), which the response alone cannot show.
 */
const READS_RESPONSE = [
  'azure.authorization.privileged_role_assigned', 'azure.authorization.sensitive_role_assigned', 'azure.authorization.custom_role_wildcard', 'azure.network.nsg_rule_open_to_internet',
  // Settings judged from the request body, else from the response body (some only when the write created the resource: status Created).
  'azure.compute.gpu_vm_created', 'azure.compute.script_extension', 'azure.compute.vm_access_extension',
  'azure.insights.alerting_disabled', 'azure.insights.diagnostic_setting_weakened', 'azure.keyvault.network_or_protection_weakened',
  'azure.network.bastion_shareable_link_created', 'azure.network.firewall_allow_any_rule', 'azure.network.firewall_protection_disabled',
  'azure.network.monitoring_removed', 'azure.network.vnet_peering_external', 'azure.policy.deploying_definition_written',
  'azure.policy.enforcement_disabled', 'azure.recoveryservices.backup_protection_removed', 'azure.recoveryservices.soft_delete_disabled',
  'azure.security.alert_suppression_rule', 'azure.security.defender_plan_disabled', 'azure.security.settings_weakened',
  'azure.sentinel.detection_removed', 'azure.sql.auditing_or_threat_detection_disabled', 'azure.sql.firewall_open_to_all',
  'azure.storage.blob_public_access_enabled', 'azure.web.basic_auth_publishing_enabled',
];
/** The rules that may miss the tracked form, and why the response body alone cannot give their answer. */
const RESPONSE_CANNOT_TELL: Record<string, string> = {
  'azure.storage.shared_key_access_enabled': 'judges an update of an existing account (no location in the request); the response repeats the setting, as on creation',
  'azure.storage.transport_security_weakened': 'judges an update of an existing account; the response cannot tell an update from a creation or a tags-only PATCH',
  'azure.storage.customer_managed_key_changed': 'judges a re-key of an existing account; the response shows the key source whether or not this write changed it',
  'azure.storage.public_network_access_enabled': 'judges an update of an existing account; most accounts answer defaultAction Allow to any write',
  'azure.storage.local_user_or_sftp_enabled': 'SFTP enabled on an existing account is an update; the response cannot tell it from a creation',
  'azure.containerregistry.access_opened': 'judges an update of an existing registry; the response cannot tell an update from a creation',
  'azure.storage.recovery_disabled': 'blob and file service properties always exist (never Created) and a write of other properties (CORS, change feed) repeats soft-delete states set long before',
  'azure.sql.admin_credentials_changed': 'administratorLoginPassword is write-only: ARM never returns it',
};
const perVariant = new Map<string, { pass: number; fail: number }>(AZURE_VARIANTS.map((v) => [v.name, { pass: 0, fail: 0 }]));

test('iget reads property names ignoring case (an exact name wins); azureRequest parses the ARM body in any form', () => {
  const body = { Properties: { NetworkAcls: { DefaultAction: 'Allow' } }, properties: { exact: 1 } };
  assert.equal(igetPath(body, 'properties.networkAcls.defaultAction'), null, 'the exact "properties" wins over "Properties"');
  assert.equal(igetPath({ Properties: { NetworkAcls: { DefaultAction: 'Allow' } } }, 'properties.networkAcls.defaultAction'), 'Allow');
  assert.equal(igetPath({ a: [{ B: 2 }] }, 'A.0.b'), 2);
  assert.equal(igetPath('text', 'a'), null);
  const text = { unmapped: { properties: { requestbody: '{"properties":{"x":1}}' } } };
  assert.deepEqual(azureRequest(text), { properties: { x: 1 } });
  assert.deepEqual(azureRequest({ unmapped: { Properties: { requestBody: { properties: { x: 2 } } } } }), { properties: { x: 2 } });
  assert.equal(azureRequest({ unmapped: { properties: { requestbody: 'not json' } } }), null);
  assert.equal(azureRequest({ unmapped: {} }), null);
});

test('the azure pack loads', () => {
  assert.equal(problems.length, 0);
  assert.ok(azure.length >= 80, `only ${azure.length} azure rules`);
});

for (const rule of azure) {
  test(`azure rule ${rule.id}: same answer on every documented form`, () => {
    const failures: string[] = [];
    for (const t of rule.tests) {
      const out = runTest(rule, t);
      if (out === null) {
        unrenderable.push(`${rule.id} / ${t.name}`);
        continue;
      }
      for (const [name, ok] of out.results) {
        if (ok === null) continue;
        const tally = perVariant.get(name)!;
        if (ok) tally.pass++;
        else if (TRACKED.has(name)) {
          tally.fail++;
          trackedMisses.add(rule.id);
        } else {
          tally.fail++;
          failures.push(`${t.name} (expect ${t.expect}) in form ${name}: ${out.notes.get(name)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
}

test('the check catches a rule that depends on one spelling (a case-sensitive request-body read)', () => {
  const fragile = compileRuleSources([
    {
      file: 'fragile.yaml',
      text: `rules:
  - id: test.azure.fragile_nsg_allow
    title: fragile
    description: reads the body case-sensitively
    severity: medium
    applies_to: { sources: [azure_activity] }
    condition: >
      event.api.operation == 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE' && event.status_id == 1 &&
      get(json(get(event.unmapped, 'properties.requestbody')), 'properties.access') == 'Allow'
    tests:
      - name: allow
        expect: true
        event:
          api: { operation: MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE, service_name: MICROSOFT.NETWORK }
          unmapped: { properties: { requestbody: '{"properties":{"access":"Allow","direction":"Inbound"}}' } }
      - name: deny
        expect: false
        event:
          api: { operation: MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE, service_name: MICROSOFT.NETWORK }
          unmapped: { properties: { requestbody: '{"properties":{"access":"Deny","direction":"Inbound"}}' } }
`,
    },
  ]);
  assert.equal(fragile.problems.length, 0);
  const out = runTest(fragile.rules[0]!, fragile.rules[0]!.tests[0]!);
  assert.ok(out !== null);
  const failed = [...out.results].filter(([name, ok]) => ok === false && !TRACKED.has(name)).map(([name]) => name).sort();
  assert.deepEqual(failed, ['body-enum-case', 'body-pascal-keys']);
});

test('the rules that read the response body give their answer when a write carries only that body', () => {
  for (const id of READS_RESPONSE) assert.ok(azure.some((r) => r.id === id), `no rule ${id}`);
  assert.deepEqual(READS_RESPONSE.filter((id) => trackedMisses.has(id)), []);
});

test('every rule that misses the response-only form is one whose answer the response cannot show', () => {
  for (const id of Object.keys(RESPONSE_CANNOT_TELL)) assert.ok(azure.some((r) => r.id === id), `no rule ${id}`);
  assert.deepEqual([...trackedMisses].filter((id) => RESPONSE_CANNOT_TELL[id] === undefined).sort(), []);
});

test('most inline tests render as raw records, and every variant is exercised', () => {
  const total = azure.reduce((n, r) => n + r.tests.length, 0);
  // Tests that cannot be rendered: alert-notification records, and events whose fields have no raw
  // counterpart. They stay covered by packs.test.ts; here they must remain a small minority.
  assert.ok(unrenderable.length <= total * 0.1, `${unrenderable.length} of ${total} tests not renderable:\n${unrenderable.join('\n')}`);
  for (const [name, t] of perVariant) assert.ok(t.pass + t.fail >= 40, `variant ${name} exercised only ${t.pass + t.fail} times`);
});

test('every documented form normalizes to the same event fields as the export form', () => {
  const diffs = new Map<string, string[]>();
  let compared = 0;
  for (const rule of azure) {
    for (const t of rule.tests) {
      let originals: ApiActivity[];
      try {
        originals = testEvents(rule, t);
      } catch {
        continue;
      }
      for (const e of originals.slice(0, 1)) {
        const rec = exportRecordOf(e);
        if (rec === null) continue;
        const exported = normalize(AZURE_VARIANTS[0]!.render(rec)!);
        for (const v of AZURE_VARIANTS.slice(1)) {
          const bytes = v.render(rec);
          if (bytes === null) continue;
          compared++;
          const base = signature(exported, v.name);
          let got: string;
          try {
            got = signature(normalize(bytes), v.name);
          } catch (err) {
            got = String(err);
          }
          if (got !== base) {
            const list = diffs.get(v.name) ?? [];
            if (list.length < 3) list.push(`${rule.id} / ${t.name}:\n    export ${base}\n    ${v.name} ${got}`);
            diffs.set(v.name, list);
          }
        }
      }
    }
  }
  assert.ok(compared >= 1000, `only ${compared} renderings compared`);
  assert.deepEqual([...diffs.values()].flat(), []);
});

test('the documented forms of one NSG rule write (test/fixtures/azure/docs-forms.json) all alert, and stay quiet from a private source', () => {
  const forms = JSON.parse(readFileSync(new URL('../../test/fixtures/azure/docs-forms.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const rule = azure.find((r) => r.id === 'azure.network.nsg_rule_open_to_internet')!;
  const fromOffice = (text: string): string => text.replaceAll('Internet', '10.20.0.0/16');
  for (const [name, form] of Object.entries(forms)) {
    const text = JSON.stringify(form);
    assert.equal(findingsOf(rule, [normalize(text)]), 1, `${name} form should alert`);
    assert.equal(findingsOf(rule, [normalize(fromOffice(text))]), 0, `${name} form from a private range should stay quiet`);
  }
});

test.after(() => {
  if (process.env.SLUICE_VARIANTS_VERBOSE) {
    process.stderr.write(`${JSON.stringify({ unrenderable, perVariant: Object.fromEntries(perVariant), trackedMisses: [...trackedMisses].sort() })}\n`);
  }
});
