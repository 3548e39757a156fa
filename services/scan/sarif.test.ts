/**
 * SARIF output of `sluice scan` against the official OASIS SARIF 2.1.0 JSON schema
 * (test/fixtures/schemas/sarif), the spec rules a schema cannot express, and artifact URIs
 * relative to `%SRCROOT%` also when the scanned paths are absolute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scanCommand, scanFiles, postureRuleSet, toSarif, workTreeOf, SARIF_SCHEMA_URI, type SarifOptions } from './index.ts';
import { artifactLocation } from './sarif-uri.ts';
import { SARIF_SCHEMA, sarifErrors, sarifSchemaErrors, sarifSpecErrors } from '../../test/support/official-schemas/sarif.ts';

const VIOLATING = fileURLToPath(new URL('./fixtures/violating', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface Log {
  $schema: string;
  runs: Array<{
    tool: { driver: { name: string; informationUri?: string; version: string } };
    originalUriBaseIds: Record<string, { uri?: string }>;
    results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { artifactLocation: ArtifactLocation; region?: { startLine: number } } }> }>;
  }>;
}

async function sarifOf(paths: string[], srcRoot?: string): Promise<{ code: number; log: Log }> {
  let text = '';
  const code = await scanCommand(paths, { format: 'sarif', failOn: 'high', ...(srcRoot ? { srcRoot } : {}) }, (s) => (text += s));
  return { code, log: JSON.parse(text) as Log };
}

/** The file a result's location designates, resolved through originalUriBaseIds. */
function fileOf(log: Log, a: ArtifactLocation): string {
  const base = a.uriBaseId ? log.runs[0]!.originalUriBaseIds[a.uriBaseId]!.uri! : undefined;
  return fileURLToPath(new URL(a.uri, base));
}

test('the SARIF of absolute paths validates against the official schema, with URIs relative to %SRCROOT%', async () => {
  const { code, log } = await sarifOf([VIOLATING], REPO);
  assert.equal(code, 1);
  assert.deepEqual(sarifErrors(log), []);
  assert.equal(log.$schema, SARIF_SCHEMA.$id, '$schema names the official schema');
  assert.equal(log.$schema, SARIF_SCHEMA_URI);
  const run = log.runs[0]!;
  assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: `${pathToFileURL(REPO).href}/` } });
  assert.equal(run.results.length, 36);
  for (const r of run.results) {
    const { artifactLocation: a, region } = r.locations[0]!.physicalLocation;
    assert.equal(a.uriBaseId, '%SRCROOT%');
    assert.match(a.uri, /^services\/scan\/fixtures\/violating\/[^/]/, 'relative to the repository root, not /work/...');
    assert.ok(existsSync(fileOf(log, a)), `${a.uri} resolves to the scanned file`);
    assert.ok(region!.startLine >= 1);
  }
});

test('the default %SRCROOT% is the git work tree of the working directory; relative and absolute names give the same URI', async () => {
  const cwd = process.cwd();
  const root = workTreeOf(cwd);
  const rel = relative(cwd, VIOLATING);
  const fromAbsolute = await sarifOf([`${VIOLATING}/network.yaml`]);
  const fromRelative = await sarifOf([`${rel}/network.yaml`]);
  assert.deepEqual(sarifErrors(fromAbsolute.log), []);
  const uris = (l: Log) => l.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation);
  assert.deepEqual(uris(fromAbsolute.log), uris(fromRelative.log));
  assert.equal(fromAbsolute.log.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri, `${pathToFileURL(root).href.replace(/\/$/, '')}/`);
  if (!relative(root, VIOLATING).startsWith('..')) assert.equal(uris(fromAbsolute.log)[0]!.uriBaseId, '%SRCROOT%');
});

test('workTreeOf: the nearest ancestor holding .git (a folder, or a file in a worktree), else the directory itself', () => {
  const top = mkdtempSync(join(tmpdir(), 'sluice-srcroot-'));
  const sub = join(top, 'infra', 'k8s');
  mkdirSync(sub, { recursive: true });
  const outside = workTreeOf(sub);
  assert.ok(outside === sub || !outside.startsWith(top), 'no work tree inside the temporary folder yet');
  writeFileSync(join(top, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
  assert.equal(workTreeOf(sub), top);
  assert.equal(workTreeOf(REPO + '/services/scan'), REPO);
});

test('a file outside %SRCROOT% keeps an absolute file: URI, and the log still validates', async () => {
  const { log } = await sarifOf([`${VIOLATING}/network.yaml`], `${REPO}/docs`);
  assert.deepEqual(sarifErrors(log), []);
  const a = log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation;
  assert.deepEqual(a, { uri: pathToFileURL(`${VIOLATING}/network.yaml`).href });
  let out = '';
  assert.equal(await scanCommand([VIOLATING], { format: 'sarif', failOn: 'high', srcRoot: `${REPO}/no-such-dir` }, (s) => (out += s)), 2);
  assert.match(out, /--src-root must be a directory/);
});

test('informationUri is never the old placeholder: package.json homepage, an option, or absent', () => {
  const report = scanFiles([], { failOn: 'high', rules: postureRuleSet() });
  const driver = (o: SarifOptions) => (toSarif(report, o) as unknown as Log).runs[0]!.tool.driver;
  assert.notEqual(driver({}).informationUri, 'https://github.com/sluice/sluice');
  assert.equal(driver({ informationUri: 'https://docs.example.org/sluice/scan' }).informationUri, 'https://docs.example.org/sluice/scan');
  assert.equal(driver({ informationUri: 'not a uri' }).informationUri, undefined, 'a relative or malformed URI is left out');
  assert.deepEqual(sarifErrors(toSarif(report, { informationUri: 'https://docs.example.org/sluice/scan' })), []);
  assert.deepEqual(sarifErrors(toSarif(report)), [], 'an empty run validates');
});

test('artifact URIs: Windows paths, encoding, names that are labels', () => {
  assert.deepEqual(artifactLocation('C:\\repo\\infra\\net work.yaml', 'C:\\repo'), { uri: 'infra/net%20work.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('D:\\other\\a.yaml', 'C:\\repo'), { uri: 'file:///D:/other/a.yaml' });
  assert.deepEqual(artifactLocation('./infra/a.yaml'), { uri: 'infra/a.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('infra/a:b.yaml'), { uri: 'infra/a%3Ab.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('/abs/a.yaml'), { uri: 'file:///abs/a.yaml' });
  assert.deepEqual(artifactLocation('infra/a.yaml', '/repo', '/repo/sub'), { uri: 'sub/infra/a.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('../x.yaml', '/repo', '/repo'), { uri: 'file:///x.yaml' });
});

test('the validators can fail: broken logs are rejected by the official schema and by the spec checks', async () => {
  const { log } = await sarifOf([VIOLATING], REPO);
  const broken = (edit: (l: Log & Record<string, unknown>) => void): Log => {
    const copy = structuredClone(log) as Log & Record<string, unknown>;
    edit(copy);
    return copy;
  };
  assert.notDeepEqual(sarifSchemaErrors(broken((l) => (l.runs[0]!.results[0]!.level = 'fatal'))), []);
  assert.notDeepEqual(sarifSchemaErrors(broken((l) => (l.runs[0]!.tool.driver.informationUri = 'sluice/docs'))), [], 'informationUri must be an absolute URI');
  assert.notDeepEqual(sarifSchemaErrors(broken((l) => ((l.runs[0] as unknown as Record<string, unknown>).resultz = []))), [], 'unknown properties are rejected');
  assert.notDeepEqual(sarifSchemaErrors(broken((l) => (l.version = '2.0.0' as never))), []);
  assert.notDeepEqual(sarifSchemaErrors(broken((l) => (l.runs[0]!.results[0]!.locations[0]!.physicalLocation.region!.startLine = 0))), []);
  assert.deepEqual(sarifSpecErrors(broken((l) => (l.runs[0]!.results[0]!.ruleIndex = 999))).length, 1);
  assert.deepEqual(sarifSpecErrors(broken((l) => (l.runs[0]!.originalUriBaseIds = {}))).length, 36, 'every uriBaseId must be declared');
  assert.deepEqual(sarifSpecErrors(broken((l) => (l.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri = 'file:///repo'))).length, 1, 'a base URI ends with /');
});
