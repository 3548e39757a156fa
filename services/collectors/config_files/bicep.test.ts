/**
 * The Bicep parser, evaluator and reader, case by case from the language reference (file
 * structure, data types, operators, resource declarations, loops, conditions, modules,
 * `existing`, decorators, multi-line strings, interpolation, comments), and parseConfigFile on
 * `.bicep` / `.bicepparam` files. Fixtures: test/fixtures/iac/bicep/ (SOURCE.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BicepError, parseBicep, parseBicepExpression } from './bicep-parse.ts';
import { evalBicep, withLocals, type BicepScope } from './bicep-eval.ts';
import { readBicep } from './bicep.ts';
import { UNKNOWN, type Val } from './hcl-eval.ts';
import { parseConfigFile } from './parse.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import type { IacResource } from './resource.ts';

const FX = (p: string): string => fileURLToPath(new URL(`../../../test/fixtures/iac/bicep/${p}`, import.meta.url));
const noNames: BicepScope = { lookup: () => undefined };
const ev = (src: string, vars: Record<string, Val> = {}): Val => evalBicep(parseBicepExpression(src), withLocals(noNames, vars));

function resources(text: string, sources?: Map<string, string>, file = 'main.bicep'): IacResource[] {
  return readBicep(file, text, sources ? { sources } : {}).flatMap((i) => (i.kind === 'resource' ? [i.resource] : []));
}

function parseError(src: string): BicepError {
  try {
    parseBicep(src);
  } catch (err) {
    assert.ok(err instanceof BicepError, `expected a BicepError, got ${String(err)}`);
    return err;
  }
  assert.fail(`parsed without error: ${src}`);
}

describe('Bicep expressions', () => {
  it('strings: escapes, interpolation (nested), multi-line verbatim strings', () => {
    assert.equal(ev("'it\\'s \\\\ \\n\\t \\$x \\u{41}'"), "it's \\ \n\t $x A");
    assert.equal(ev("'${a}-${toUpper(b)}-${'x${a}'}'", { a: 'p', b: 'q' }), 'p-Q-xp');
    assert.equal(ev("'''\nline 1\n${not} interpolated\n'''"), 'line 1\n${not} interpolated\n');
    assert.equal(ev("'n=${n} ${o}'", { n: 3, o: { k: true } }), 'n=3 {"k":true}');
  });

  it('operators with precedence, comparisons (=~ ignores case), ?? and ?:', () => {
    assert.equal(ev('1 + 2 * 3 - 4 / 2 % 3'), 5);
    assert.equal(ev("!(a == 'x') || b && c", { a: 'x', b: true, c: false }), false);
    assert.equal(ev("'ABC' =~ 'abc'"), true);
    assert.equal(ev("'ABC' == 'abc'"), false);
    assert.equal(ev('n >= 2 ? "big" : "small"'.replace(/"/g, "'"), { n: 3 }), 'big');
    assert.equal(ev("x ?? 'default'", { x: null }), 'default');
    assert.equal(ev('-n', { n: 4 }), -4);
  });

  it('unknown propagates, except where the result does not depend on it', () => {
    assert.equal(ev("'${resourceGroup().location}-x'"), UNKNOWN);
    assert.equal(ev('uniqueString(resourceGroup().id)'), UNKNOWN);
    assert.equal(ev('u && false', { u: UNKNOWN }), false);
    assert.equal(ev('u || true', { u: UNKNOWN }), true);
    assert.equal(ev('u ? 1 : 1', { u: UNKNOWN }), 1);
    assert.equal(ev('u ? 1 : 2', { u: UNKNOWN }), UNKNOWN);
    assert.equal(ev('!u', { u: UNKNOWN }), UNKNOWN);
    assert.equal(ev('undeclared'), UNKNOWN);
  });

  it('objects, arrays (newlines or commas), property and index access, .? and !', () => {
    const o = ev("{\n  a: 1\n  'b-c': [\n    1\n    2\n  ]\n  d: { e: 'f', g: null }\n}");
    assert.deepEqual(o, { a: 1, 'b-c': [1, 2], d: { e: 'f', g: null } });
    assert.equal(ev("o.d.e", { o }), 'f');
    assert.equal(ev("o['b-c'][1]", { o }), 2);
    assert.equal(ev('o.?d.e!', { o }), 'f');
    assert.equal(ev('o.A', { o }), 1, 'property names ignore case, as in ARM');
    assert.equal(ev('o.missing', { o }), UNKNOWN);
    assert.equal(ev('o.?missing', { o }), null, 'safe dereference of a missing property');
    assert.equal(ev('n.?x', { n: null }), null);
    assert.equal(ev('l[?5]', { l: [1] }), null);
  });

  it('spread: ...object in an object, ...array in an array; an unknown spread is unknown as a whole', () => {
    assert.deepEqual(ev('{\n  ...base\n  b: 2\n}', { base: { a: 1, b: 1 } }), { a: 1, b: 2 });
    assert.deepEqual(ev('[0, ...l, 3]', { l: [1, 2] }), [0, 1, 2, 3]);
    assert.equal(ev('{ ...u, b: 2 }', { u: UNKNOWN }), UNKNOWN);
    assert.equal(ev('[...u]', { u: UNKNOWN }), UNKNOWN);
  });

  it('pure functions; loops; map and filter lambdas', () => {
    assert.equal(ev("concat('a', 'b', 1)"), 'ab1');
    assert.deepEqual(ev('concat([1], [2, 3])'), [1, 2, 3]);
    assert.equal(ev("format('{0}-{1}', 'x', 2)"), 'x-2');
    assert.equal(ev("toLower('AbC')"), 'abc');
    assert.equal(ev("empty('')"), true);
    assert.equal(ev("contains(['a'], 'a')"), true);
    assert.equal(ev('length(range(0, 5))'), 5);
    assert.deepEqual(ev("union({ a: 1 }, { b: 2 })"), { a: 1, b: 2 });
    assert.equal(ev("join(split('a,b', ','), '-')"), 'a-b');
    assert.equal(ev("sys.string(3)"), '3');
    assert.deepEqual(ev('[for (x, i) in [10, 20]: x + i]'), [10, 21]);
    assert.deepEqual(ev('[for x in [1, 2, 3]: if (x > 1) x]'), [2, 3]);
    assert.deepEqual(ev('map([1, 2], x => x * 2)'), [2, 4]);
    assert.deepEqual(ev('filter([1, 2, 3], x => x != 2)'), [1, 3]);
    assert.equal(ev('[for x in u: x]', { u: UNKNOWN }), UNKNOWN);
  });
});

describe('Bicep declarations', () => {
  it('parses every declaration kind with decorators, comments and lines', () => {
    const decls = parseBicep(
      [
        "targetScope = 'subscription' // comment",
        "metadata description = 'x'",
        "import { t } from 'types.bicep'",
        '/* a',
        '   block comment */',
        "@description('The location')",
        '@allowed([',
        "  'westeurope'",
        '])',
        "param location string = 'westeurope'",
        '@secure()',
        'param password string',
        'param tags object?',
        'type pair = {',
        "  @description('k')",
        '  key: string',
        '  value: int?',
        '}',
        'func pre(n string) string => toUpper(n)',
        "var name = 'x'",
        "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {",
        '  name: name',
        '}',
        "output id string = sa.id",
        '#disable-next-line no-unused-vars',
        "var unused = 'x'",
        'import {',
        '  a',
        '  b',
        "} from 'shared.bicep'",
        "param tls resourceInput<'Microsoft.Storage/storageAccounts@2025-06-01'>.properties.minimumTlsVersion = 'TLS1_2'",
      ].join('\n'),
    );
    assert.deepEqual(
      decls.map((d) => [d.kind, d.line]),
      [['other', 1], ['other', 2], ['other', 3], ['param', 10], ['param', 12], ['param', 13], ['other', 14], ['other', 19], ['var', 20], ['resource', 21], ['other', 24], ['var', 26], ['other', 27], ['param', 31]],
    );
    const p = decls.filter((d) => d.kind === 'param');
    assert.deepEqual(p.map((d) => [d.name, d.secure, d.nullable]), [['location', false, false], ['password', true, false], ['tags', false, true], ['tls', false, false]]);
  });

  it('a file that does not parse throws BicepError with line and column', () => {
    assert.match(parseError("param x string = 'unterminated\n").message, /^line 1 column 18: unterminated string/);
    assert.match(parseError("resource r 'T@1' = {\n  a: 1 b: 2\n}").message, /^line 2 column 8: expected a new line, "," or "}"/);
    assert.match(parseError('var x = [\n  1\n').message, /^line 3 column 1: expected a value/);
    assert.match(parseError('resource r = {}').message, /expected the resource type \(a string\)/);
    assert.match(parseError('foo = 1').message, /^line 1 column 1: expected a declaration/);
    assert.match(parseError("var x = '${a'").message, /unterminated \$\{…\}/);
    assert.match(parseError("var x = 1 +\n").message, /expected a value/);
  });
});

describe('Bicep resources (readBicep)', () => {
  it('evaluates params, vars and interpolation into the ARM resource shape; unknowns are listed, never guessed', () => {
    const [r] = resources(
      [
        "param prefix string = 'shop'",
        'param location string = resourceGroup().location',
        'param allowHttp bool = true',
        "var name = toLower('${prefix}Data')",
        "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {",
        '  name: name',
        '  location: location',
        "  sku: { name: 'Standard_LRS' }",
        '  properties: {',
        '    supportsHttpsTrafficOnly: !allowHttp',
        "    encryption: { keySource: uniqueString('x') }",
        '  }',
        "  tags: { env: 'prod' }",
        '}',
      ].join('\n'),
    );
    assert.ok(r);
    assert.equal(r.id, 'Microsoft.Storage/storageAccounts/shopdata');
    assert.equal(r.type, 'Microsoft.Storage/storageAccounts');
    assert.equal(r.name, 'shopdata');
    assert.equal(r.line, 5);
    assert.deepEqual(r.configuration, {
      type: 'Microsoft.Storage/storageAccounts',
      apiVersion: '2023-01-01',
      name: 'shopdata',
      sku: { name: 'Standard_LRS' },
      properties: { supportsHttpsTrafficOnly: false, encryption: {} },
      tags: { env: 'prod' },
    });
    assert.deepEqual(r.unmapped.unknown, ['location', 'properties.encryption.keySource']);
    assert.deepEqual(r.tags, [{ key: 'env', value: 'prod' }]);
  });

  it('conditions: statically false gives no resource, unknown is kept and marked', () => {
    const rs = resources(
      [
        'param deployOld bool = false',
        'param maybe bool',
        "resource a 'Microsoft.Web/sites@2022-09-01' = if (deployOld) { name: 'old' }",
        "resource b 'Microsoft.Web/sites@2022-09-01' = if (!deployOld) { name: 'new' }",
        "resource c 'Microsoft.Web/sites@2022-09-01' = if (maybe) { name: 'perhaps' }",
      ].join('\n'),
    );
    assert.deepEqual(rs.map((r) => [r.name, r.unmapped.condition ?? null]), [['new', null], ['perhaps', 'not known statically']]);
  });

  it('loops: one resource per item of a static array or range; one standing for all over an unknown value', () => {
    const rs = resources(
      [
        "param names array = [ 'a', 'b' ]",
        'param unknownList array',
        "resource byName 'Microsoft.Network/publicIPAddresses@2023-04-01' = [for (n, i) in names: { name: 'ip-${n}-${i}' }]",
        "resource byRange 'Microsoft.Network/publicIPAddresses@2023-04-01' = [for i in range(1, 2): if (i > 1) { name: 'r${i}' }]",
        "resource opaque 'Microsoft.Network/publicIPAddresses@2023-04-01' = [for n in unknownList: { name: n }]",
      ].join('\n'),
    );
    assert.deepEqual(rs.map((r) => r.name), ['ip-a-0', 'ip-b-1', 'r2', 'opaque']);
    assert.equal(rs[3]!.unmapped.instances, 'for loop over a value not known statically: one resource stands for every instance');
    assert.deepEqual(rs.map((r) => r.line), [3, 3, 4, 5]);
  });

  it('child resources: nested declarations (relative types, parent apiVersion), parent:, ::, and existing parents', () => {
    const rs = resources(
      [
        "resource sql 'Microsoft.Sql/servers@2022-05-01-preview' = {",
        "  name: 'shop-sql'",
        "  resource fw 'firewallRules' = {",
        "    name: 'office'",
        "    properties: { startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.1' }",
        '  }',
        '}',
        "resource audit 'Microsoft.Sql/servers/auditingSettings@2022-05-01-preview' = {",
        '  parent: sql',
        "  name: 'default'",
        "  properties: { state: 'Enabled', storageEndpoint: sql::fw.name }",
        '}',
        "resource old 'Microsoft.Storage/storageAccounts@2023-01-01' existing = { name: 'legacy' }",
        "resource blob 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {",
        '  parent: old',
        "  name: 'default'",
        '}',
      ].join('\n'),
    );
    assert.deepEqual(
      rs.map((r) => [r.type, r.name, r.line, (r.configuration as { apiVersion?: string }).apiVersion]),
      [
        ['Microsoft.Sql/servers', 'shop-sql', 1, '2022-05-01-preview'],
        ['Microsoft.Sql/servers/firewallRules', 'shop-sql/office', 3, '2022-05-01-preview'],
        ['Microsoft.Sql/servers/auditingSettings', 'shop-sql/default', 8, '2022-05-01-preview'],
        ['Microsoft.Storage/storageAccounts/blobServices', 'legacy/default', 14, '2023-01-01'],
      ],
      'the existing storage account is not deployed: no resource of its own',
    );
    assert.equal((rs[2]!.configuration as { properties: { storageEndpoint: string } }).properties.storageEndpoint, 'office');
    assert.equal((rs[2]!.configuration as Record<string, unknown>).parent, undefined, 'parent is a reference, not a setting');
  });

  it('resource references: name, type and apiVersion are known, id and properties are not', () => {
    const [, app] = resources(
      [
        "resource plan 'Microsoft.Web/serverfarms@2022-09-01' = { name: 'plan-1' }",
        "resource app 'Microsoft.Web/sites@2022-09-01' = {",
        "  name: '${plan.name}-app'",
        '  properties: { serverFarmId: plan.id, note: plan.type, state: plan.properties.status }',
        '  dependsOn: [ plan ]',
        '}',
      ].join('\n'),
    );
    assert.equal(app!.name, 'plan-1-app');
    assert.deepEqual((app!.configuration as { properties: unknown }).properties, { note: 'Microsoft.Web/serverfarms' });
    assert.deepEqual(app!.unmapped.unknown, ['properties.serverFarmId', 'properties.state']);
  });

  it('a @secure() parameter never reaches the configuration, even with a default', () => {
    const [r] = resources(["@secure()\nparam pw string = 'Passw0rd!'", "resource s 'Microsoft.Sql/servers@2022-05-01-preview' = { name: 's', properties: { administratorLoginPassword: pw } }"].join('\n'));
    assert.doesNotMatch(JSON.stringify(r!.configuration), /Passw0rd/);
    assert.deepEqual(r!.unmapped.unknown, ['properties.administratorLoginPassword']);
  });

  it('modules: a local module is followed with its params; a registry module is noted as not followed', () => {
    const sources = new Map([
      ['infra/mod/sa.bicep', "param n string\nparam https bool = true\nresource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: n\n  properties: { supportsHttpsTrafficOnly: https }\n}"],
    ]);
    const rs = resources(
      [
        "module one './mod/sa.bicep' = {",
        "  name: 'one'",
        "  params: { n: 'stone', https: false }",
        '}',
        "module reg 'br/public:avm/res/storage/storage-account:0.9.0' = {",
        "  name: 'reg'",
        "  params: { name: 'x', adminPassword: 'secret' }",
        '}',
        "module missing './mod/none.bicep' = { name: 'missing' }",
      ].join('\n'),
      sources,
      'infra/main.bicep',
    );
    assert.deepEqual(
      rs.map((r) => [r.id, r.line]),
      [
        ['module.one/Microsoft.Storage/storageAccounts/stone', 1],
        ['Microsoft.Resources/deployments/reg', 5],
        ['Microsoft.Resources/deployments/missing', 9],
      ],
    );
    assert.equal((rs[0]!.configuration as { properties: { supportsHttpsTrafficOnly: boolean } }).properties.supportsHttpsTrafficOnly, false);
    assert.deepEqual(rs[0]!.unmapped.module, { symbol: 'module.one', path: './mod/sa.bicep', file: 'infra/mod/sa.bicep' });
    assert.match(String((rs[1]!.unmapped.module as { reason: string }).reason), /^registry module br\/public:.* not followed/);
    assert.doesNotMatch(JSON.stringify(rs[1]!.configuration), /secret/, 'module params are not copied into the deployment resource');
    assert.match(String((rs[2]!.unmapped.module as { reason: string }).reason), /not among the files read/);
  });

  it('a module that includes itself is not followed forever', () => {
    const sources = new Map([['a.bicep', "module self './a.bicep' = { name: 'self' }\nresource r 'Microsoft.Web/sites@2022-09-01' = { name: 'r' }"]]);
    const rs = resources(sources.get('a.bicep')!, sources, 'a.bicep');
    assert.ok(rs.length < 20, `bounded, got ${rs.length}`);
    assert.ok(rs.some((r) => String((r.unmapped.module as { reason?: string } | undefined)?.reason ?? '').includes('cycle')));
  });
});

describe('parseConfigFile on .bicep and .bicepparam', () => {
  const events = (name: string, text: string, opts = {}): { events: ConfigState[]; reasons: string[] } => {
    const outs = parseConfigFile(name, Buffer.from(text), { time: 0, ...opts });
    return {
      events: outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : [])),
      reasons: outs.flatMap((o) => (o.kind === 'dead_letter' ? [o.reason] : [])),
    };
  };

  it('gives ARM-format events (same resource view as ARM templates) named for Bicep', () => {
    const { events: es, reasons } = events(FX('bad/sql.bicep'), readFileSync(FX('bad/sql.bicep'), 'utf8'));
    assert.deepEqual(reasons, []);
    assert.deepEqual(
      es.map((e) => [e.resource.type, e.resource.name, e.location?.line, e.location?.format, e.metadata.product_name]),
      [
        ['Microsoft.Sql/servers', 'shop-sql', 9, 'arm', 'Azure Bicep'],
        ['Microsoft.Sql/servers/databases', 'shop-sql/orders', 20, 'arm', 'Azure Bicep'],
        ['Microsoft.Sql/servers/firewallRules', 'shop-sql/AllowAll', 30, 'arm', 'Azure Bicep'],
        ['Microsoft.Sql/servers/auditingSettings', 'shop-sql/default', 39, 'arm', 'Azure Bicep'],
      ],
    );
    assert.equal(es[0]!.resource.uid, `iac:${FX('bad/sql.bicep')}#Microsoft.Sql/servers/shop-sql`);
  });

  it('a file that does not parse is one rejection naming line, column and reason; a .bicepparam is checked too', () => {
    const broken = events('broken.bicep', readFileSync(FX('broken/broken.bicep'), 'utf8'));
    assert.deepEqual(broken.events, []);
    assert.deepEqual(broken.reasons, ['not valid Bicep: line 10 column 1: expected a property name or "}", found end of file']);
    assert.deepEqual(events('main.bicepparam', "using './main.bicep'\nparam x = 'y'\n"), { events: [], reasons: [] });
    assert.match(events('main.bicepparam', "using './main.bicep'\nparam x = \n").reasons[0]!, /^not valid Bicep: line 3 column 1: expected a value/);
  });

  it('merges a .bicepparam or ARM parameters JSON given beside the template; a broken one is an error', () => {
    const main = readFileSync(FX('params/main.bicep'), 'utf8');
    const prefix = (e: ConfigState): unknown => (JSON.parse(e.configuration!) as { properties: { securityRules: Array<{ properties: { sourceAddressPrefix: string } }> } }).properties.securityRules[0]!.properties.sourceAddressPrefix;
    assert.equal(prefix(events('p/main.bicep', main).events[0]!), '10.10.0.0/16', 'alone: the default');
    const withParams = events('p/main.bicep', main, { bicepSources: new Map([['p/main.bicepparam', readFileSync(FX('params/main.bicepparam'), 'utf8')]]) });
    assert.equal(prefix(withParams.events[0]!), '*');
    assert.equal(JSON.parse(withParams.events[0]!.unmapped!).parameters_file, 'p/main.bicepparam');
    const web = events('p/web.bicep', readFileSync(FX('params/web.bicep'), 'utf8'), { bicepSources: new Map([['p/web.parameters.json', readFileSync(FX('params/web.parameters.json'), 'utf8')]]) });
    assert.equal((JSON.parse(web.events[0]!.configuration!) as { properties: { httpsOnly: boolean } }).properties.httpsOnly, false);
    const bad = events('p/web.bicep', 'param x bool = true', { bicepSources: new Map([['p/web.parameters.json', '{ not json']]) });
    assert.match(bad.reasons[0]!, /^not valid Bicep: its parameters file cannot be read: /);
  });
});
