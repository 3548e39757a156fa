import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagePackageKey, packageKey } from './package-key.ts';

test('package keys fold what the ecosystem treats as the same name, and drop the release', () => {
  assert.equal(packageKey('PyPI', 'Jinja2'), 'PyPI/jinja2');
  assert.equal(packageKey('PyPI', 'zope.interface'), packageKey('PyPI', 'Zope_Interface'));
  assert.equal(packageKey('NuGet', 'Newtonsoft.Json'), 'NuGet/newtonsoft.json');
  assert.equal(packageKey('Go', 'github.com/BurntSushi/toml'), 'Go/github.com/BurntSushi/toml');
  assert.equal(packageKey('Maven', 'org.apache.logging.log4j:log4j-core'), 'Maven/org.apache.logging.log4j:log4j-core');
  assert.equal(packageKey('Debian:12', 'openssl'), 'Debian/openssl');
  assert.equal(packageKey('Alpine:v3.18', 'zlib'), 'Alpine/zlib');
  assert.notEqual(packageKey('crates.io', 'Serde'), packageKey('crates.io', 'serde'));
});

test('Debian and Alpine packages are keyed by their source package', () => {
  assert.equal(imagePackageKey({ ecosystem: 'Debian', name: 'libssl1.1', type: 'deb', source_package: 'openssl', purl: 'pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u4?distro=debian-11' }), 'Debian/openssl');
  assert.equal(imagePackageKey({ ecosystem: 'Alpine', name: 'libcrypto3', type: 'apk', source_package: 'openssl', purl: null }), 'Alpine/openssl');
  assert.equal(imagePackageKey({ ecosystem: 'PyPI', name: 'requests', type: 'pypi', source_package: null, purl: 'pkg:pypi/Requests@2.0.0' }), 'PyPI/requests');
  assert.equal(imagePackageKey({ ecosystem: null, name: 'thing', type: 'generic', source_package: null, purl: null }), null);
  assert.equal(imagePackageKey({ ecosystem: 'Go', name: 'toml', type: 'golang', source_package: null, purl: 'pkg:golang/github.com/BurntSushi/toml@v1.2.0' }), 'Go/github.com/BurntSushi/toml');
  assert.equal(imagePackageKey({ ecosystem: 'Maven', name: 'log4j-core', type: 'maven', source_package: null, purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }), 'Maven/org.apache.logging.log4j:log4j-core');
  assert.equal(imagePackageKey({ ecosystem: 'npm', name: 'node', type: 'npm', source_package: null, purl: 'pkg:npm/%40types/node@20.0.0' }), 'npm/@types/node');
});
