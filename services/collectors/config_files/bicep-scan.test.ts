/**
 * `sluice scan` on Bicep (issue 18): bad templates exit 1 with the expected Azure rules in valid
 * SARIF, their hardened twins exit 0, a broken file exits 2 naming file, line and reason; the same
 * resources written as ARM JSON and as Bicep give the same rules; modules and parameters files
 * are followed. Fixtures: test/fixtures/iac/bicep/ (SOURCE.md) and the ARM fixture of
 * test/fixtures/config_files/arm/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { scanCommand } from '../../scan/index.ts';
import { sarifErrors } from '../../../test/support/official-schemas/sarif.ts';
import type { Severity } from '../../scan/report.ts';

const FX = (p: string): string => fileURLToPath(new URL(`../../../test/fixtures/iac/bicep/${p}`, import.meta.url));
const ARM = (p: string): string => fileURLToPath(new URL(`../../../test/fixtures/config_files/arm/${p}`, import.meta.url));

interface Report {
  suppressed: Array<{ rule: string; resource_name: string; suppression: { kind: string; justification: string } }>;
  files: number;
  resources: number;
  violations: Array<{ rule: string; resource_name: string; file: string; line: number | null }>;
  errors: Array<{ file: string; message: string }>;
  exit_code: number;
}
interface Sarif {
  runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: Array<{ name: string }> }> }> }>;
}

async function scan(paths: string[], failOn: Severity = 'high'): Promise<{ code: number; report: Report; sarif: Sarif }> {
  let json = '';
  const code = await scanCommand(paths, { format: 'json', failOn }, (s) => (json += s));
  let sarifText = '';
  const sarifCode = await scanCommand(paths, { format: 'sarif', failOn }, (s) => (sarifText += s));
  assert.equal(sarifCode, code, 'the SARIF run exits the same');
  const sarif = JSON.parse(sarifText) as Sarif;
  assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
  return { code, report: JSON.parse(json) as Report, sarif };
}

/** rule -> sorted resource names, from the SARIF results (what a CI system sees). */
function findings(sarif: Sarif): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of sarif.runs[0]!.results) out[r.ruleId] = [...(out[r.ruleId] ?? []), r.locations[0]!.logicalLocations[0]!.name].sort();
  return out;
}

const BAD: Array<{ file: string; failOn: Severity; rules: Record<string, string[]> }> = [
  {
    file: 'bad/storage.bicep',
    failOn: 'high',
    rules: {
      'posture.azure.storage.https_only_disabled': ['storage'],
      'posture.azure.storage.public_blob_access': ['storage'],
      'posture.azure.storage.network_default_allow': ['storage'],
      'posture.azure.storage.shared_key_access': ['storage'],
    },
  },
  { file: 'bad/nsg.bicep', failOn: 'high', rules: { 'posture.azure.nsg.rdp_open_to_internet': ['jump-nsg'], 'posture.azure.nsg.ssh_open_to_internet': ['jump-nsg'] } },
  {
    file: 'bad/sql.bicep',
    failOn: 'high',
    rules: {
      'posture.azure.sql.public_network_access': ['shop-sql'],
      'posture.azure.sql.aad_admin_missing': ['shop-sql'],
      'posture.azure.sql.firewall_allows_all': ['shop-sql/AllowAll'],
      'posture.azure.sql.auditing_disabled': ['shop-sql/default'],
    },
  },
  { file: 'bad/keyvault.bicep', failOn: 'medium', rules: { 'posture.azure.keyvault.purge_protection_disabled': ['vault'], 'posture.azure.keyvault.public_network_access': ['vault'] } },
  {
    file: 'bad/webapp.bicep',
    failOn: 'medium',
    rules: {
      'posture.azure.appservice.https_only_disabled': ['shop-app'],
      'posture.azure.appservice.min_tls_below_1_2': ['shop-app'],
      'posture.azure.appservice.ftp_allowed': ['shop-app'],
      'posture.azure.appservice.client_certificates_off': ['shop-app'],
      'posture.azure.appservice.http2_off': ['shop-app'],
      'posture.azure.appservice.managed_identity_off': ['shop-app'],
    },
  },
];

for (const { file, failOn, rules } of BAD) {
  test(`Bicep ${file}: exit 1 with its violations in valid SARIF at the resource's line`, async () => {
    const { code, report, sarif } = await scan([FX(file)], failOn);
    assert.equal(code, 1);
    assert.deepEqual(report.errors, []);
    // Each rule the template was written to break fires on exactly these resources (other rules may fire too as packs grow).
    const f = findings(sarif);
    for (const [rule, names] of Object.entries(rules)) assert.deepEqual(f[rule], names, rule);
    for (const r of sarif.runs[0]!.results) assert.match(r.locations[0]!.physicalLocation.artifactLocation.uri, new RegExp(`${file.replace('.', '\\.')}$`));
  });
}

test('Bicep: each hardened twin exits 0, and none of the rules its bad twin breaks fires', async () => {
  const { code, report } = await scan([FX('good')]);
  assert.equal(code, 0);
  assert.deepEqual(report.errors, []);
  const all = await scan([FX('good')], 'informational');
  const targeted = new Set(BAD.flatMap((b) => Object.keys(b.rules)));
  assert.deepEqual(all.report.violations.filter((v) => targeted.has(v.rule)), []);
  assert.equal(report.files, 6);
  assert.equal(report.resources, 11, 'the conditional RDP rule in good/nsg.bicep is statically false: not counted');
});

test('Bicep: the lines of the findings are the resource declarations', async () => {
  const { report } = await scan([FX('bad/sql.bicep')], 'informational');
  const at = Object.fromEntries(report.violations.map((v) => [v.rule, v.line]));
  assert.equal(at['posture.azure.sql.public_network_access'], 9);
  assert.equal(at['posture.azure.sql.firewall_allows_all'], 30);
  assert.equal(at['posture.azure.sql.auditing_disabled'], 39);
});

test('Bicep: a file that does not parse exits 2 naming the file, line and reason', async () => {
  const { code, report } = await scan([FX('broken/broken.bicep'), FX('good/storage.bicep')]);
  assert.equal(code, 2);
  assert.equal(report.errors.length, 1);
  assert.match(report.errors[0]!.file, /broken\/broken\.bicep$/);
  assert.equal(report.errors[0]!.message, 'not valid Bicep: line 10 column 1: expected a property name or "}", found end of file');
  assert.equal(report.resources, 1, 'the other file is still scanned');
});

test('parity: the same resources as ARM JSON and as Bicep give the same rules on the same resources', async () => {
  const arm = await scan([ARM('insecure.json')], 'informational');
  const bicep = await scan([FX('parity/insecure.bicep')], 'informational');
  assert.equal(bicep.code, 1);
  assert.equal(bicep.report.resources, arm.report.resources);
  const a = findings(arm.sarif);
  const b = findings(bicep.sarif);
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  assert.ok(Object.keys(a).length >= 10, `a meaningful set of rules, got ${Object.keys(a).length}`);
  // The storage account's name holds uniqueString(): unknown in both; ARM shows the expression, Bicep the symbol.
  const known = (m: Record<string, string[]>): Record<string, string[]> => Object.fromEntries(Object.entries(m).filter(([rule]) => !rule.startsWith('posture.azure.storage.')));
  assert.deepEqual(known(b), known(a));
  for (const rule of Object.keys(a).filter((r) => r.startsWith('posture.azure.storage.'))) {
    assert.deepEqual(a[rule], ["[variables('storageName')]"]);
    assert.deepEqual(b[rule], ['storage']);
  }
});

test('Bicep modules: a local module is followed with the caller\'s params, a registry module is not (and is no error)', async () => {
  const { code, report } = await scan([FX('modules')]);
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(
    report.violations.filter((v) => v.rule === 'posture.azure.storage.https_only_disabled').map((v) => [v.rule, v.resource_name, v.line]),
    [['posture.azure.storage.https_only_disabled', 'stshopdev', 11]],
    'only the dev instance turns HTTPS off; the module file alone (its defaults) is clean',
  );
  assert.equal(report.files, 2);
  assert.equal(report.resources, 4, 'dev and prod storage through the module, the registry module as a deployment, the module file itself');
  // Naming only the main template reads its local module too.
  const named = await scan([FX('modules/main.bicep')]);
  assert.equal(named.report.files, 2);
  assert.deepEqual(named.report.violations.filter((v) => v.rule === 'posture.azure.storage.https_only_disabled').map((v) => v.resource_name), ['stshopdev']);
});

test('Bicep parameters files: a .bicepparam and an ARM parameters JSON beside the template are merged', async () => {
  const { code, report } = await scan([FX('params')], 'medium');
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  const watched = new Set(['posture.azure.nsg.ssh_open_to_internet', 'posture.azure.appservice.https_only_disabled']);
  assert.deepEqual(
    report.violations.filter((v) => watched.has(v.rule)).map((v) => [v.rule, v.resource_name]),
    [
      ['posture.azure.nsg.ssh_open_to_internet', 'admin-nsg'],
      ['posture.azure.appservice.https_only_disabled', 'params-app'],
    ],
  );
  // Naming a template alone still reads its parameters files beside it.
  const named = await scan([FX('params/main.bicep')], 'medium');
  assert.deepEqual(named.report.violations.filter((v) => watched.has(v.rule)).map((v) => v.resource_name), ['admin-nsg']);
  assert.equal(named.report.files, 2, 'main.bicep and main.bicepparam');
});

test('Bicep suppressions: a // sluice:skip= comment above the resource suppresses its rule, reported, not dropped', async () => {
  const { code, report } = await scan([FX('suppressed/storage.bicep')]);
  assert.equal(code, 0);
  assert.deepEqual(report.violations.filter((v) => v.rule === 'posture.azure.storage.public_blob_access'), []);
  assert.deepEqual(
    report.suppressed.map((v) => [v.rule, v.resource_name, v.suppression.kind, v.suppression.justification]),
    [['posture.azure.storage.public_blob_access', 'stshopweb', 'comment', 'static website assets are public by design']],
  );
});
