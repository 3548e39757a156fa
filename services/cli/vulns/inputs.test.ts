import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { imagePackageKey } from '../../collectors/sbom/index.ts';
import { inputKind, readGoMod, readInputs, readPackageLock, readPurlList, readRequirements, readTomlLock } from './inputs.ts';

const keys = (ps: ReturnType<typeof readRequirements>) => ps.map((p) => `${imagePackageKey(p.package)}@${p.package.version}`);

test('purl lists: one purl per line, # comments, bad lines reported with their number', () => {
  const text = '# image deps\npkg:pypi/Jinja2@2.10\n\npkg:golang/github.com/cri-o/cri-o@v1.19.5  # pinned\npkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u4?distro=debian-11&source=openssl\nnot-a-purl\n';
  const { packages, errors } = readPurlList('deps.purls', text);
  assert.deepEqual(keys(packages), ['PyPI/jinja2@2.10', 'Go/github.com/cri-o/cri-o@v1.19.5', 'Debian/openssl@1.1.1n-0+deb11u4']);
  assert.deepEqual(packages.map((p) => p.line), [2, 4, 5]);
  assert.equal(packages[2]!.osVersion, '11');
  assert.deepEqual(errors, [{ file: 'deps.purls', message: 'line 6: not a purl: not-a-purl' }]);
});

test('requirements.txt: pinned requirements only, extras and markers allowed', () => {
  const text = 'Django==3.2.1\nrequests[socks]==2.25.0 ; python_version > "3"\nflask>=2.0\n# comment\nPyYAML===5.3.1 # exact\n-r other.txt\n';
  assert.deepEqual(keys(readRequirements('requirements.txt', text)), ['PyPI/django@3.2.1', 'PyPI/requests@2.25.0', 'PyPI/pyyaml@5.3.1']);
});

test('go.mod: require lines and blocks, the go/toolchain directive as stdlib', () => {
  const text = 'module example.com/app\n\ngo 1.21\n\ntoolchain go1.21.5\n\nrequire github.com/BurntSushi/toml v1.2.0\n\nrequire (\n\tgolang.org/x/net v0.17.0 // indirect\n\tgithub.com/cri-o/cri-o v1.19.5\n)\n';
  assert.deepEqual(keys(readGoMod('go.mod', text)), ['Go/stdlib@v1.21.5', 'Go/github.com/BurntSushi/toml@v1.2.0', 'Go/golang.org/x/net@v0.17.0', 'Go/github.com/cri-o/cri-o@v1.19.5']);
});

test('package-lock.json v3 (packages) and v1 (dependencies), scoped names', () => {
  const v3 = JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app', version: '1.0.0' }, 'node_modules/lodash': { version: '4.17.20' }, 'node_modules/@babel/core': { version: '7.0.0' }, 'node_modules/a/node_modules/lodash': { version: '4.17.21' }, 'node_modules/linked': { link: true } } });
  assert.deepEqual(keys(readPackageLock('package-lock.json', v3)), ['npm/lodash@4.17.20', 'npm/@babel/core@7.0.0', 'npm/lodash@4.17.21']);
  const v1 = JSON.stringify({ lockfileVersion: 1, dependencies: { minimist: { version: '0.0.8', dependencies: { inner: { version: '1.0.0' } } }, gitdep: { version: 'github:x/y#abc' } } });
  assert.deepEqual(keys(readPackageLock('package-lock.json', v1)), ['npm/minimist@0.0.8', 'npm/inner@1.0.0']);
});

test('Cargo.lock and poetry.lock [[package]] tables', () => {
  const cargo = 'version = 3\n\n[[package]]\nname = "smallvec"\nversion = "1.6.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "smallvec",\n]\n';
  assert.deepEqual(keys(readTomlLock('Cargo.lock', cargo, 'cargo')), ['crates.io/smallvec@1.6.0', 'crates.io/app@0.1.0']);
  const poetry = '[[package]]\nname = "Pillow"\nversion = "8.1.0"\ndescription = "Python Imaging Library"\n\n[package.dependencies]\nfoo = "*"\n\n[[package]]\nname = "trac"\nversion = "0.9"\n';
  assert.deepEqual(keys(readTomlLock('poetry.lock', poetry, 'pypi')), ['PyPI/pillow@8.1.0', 'PyPI/trac@0.9']);
});

test('inputs are recognized by name and content; directories skip what is not an input; unknown explicit files are errors', () => {
  assert.equal(inputKind('x/requirements-dev.txt', 'a==1'), 'requirements');
  assert.equal(inputKind('deps.txt', '# list\npkg:npm/a@1'), 'purls');
  assert.equal(inputKind('bom.json', '{"bomFormat":"CycloneDX","specVersion":"1.5"}'), 'sbom');
  assert.equal(inputKind('notes.json', '{"a":1}'), null);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-vulns-inputs-'));
  try {
    writeFileSync(join(dir, 'requirements.txt'), 'trac==0.9\n');
    writeFileSync(join(dir, 'deps.purls.gz'), gzipSync('pkg:npm/lodash@4.17.20\n'));
    writeFileSync(join(dir, 'README.md'), '# app\n');
    writeFileSync(join(dir, 'other.json'), '{"a":1}');
    const r = readInputs([dir]);
    assert.deepEqual(r.packages.map((p) => p.package.purl).sort(), ['pkg:npm/lodash@4.17.20', 'pkg:pypi/trac@0.9']);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped.map((s) => s.slice(dir.length + 1)).sort(), ['README.md', 'other.json']);
    const explicit = readInputs([join(dir, 'other.json'), join(dir, 'missing.txt')]);
    assert.equal(explicit.errors.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
