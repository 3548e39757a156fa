import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectedEvent } from '../../core/components.ts';
import { ALPINE_CDX_JSON, ALPINE_ZLIB_CDX, readBytes } from '../../../test/fixtures/sbom/load.ts';
import { sbomCollector } from './index.ts';

type Out = Extract<CollectedEvent, { stream: 'image_inventory' }>;

function outputs(name: string, bytes: Buffer, packageRecords?: boolean): Out[] {
  return [...sbomCollector(packageRecords === undefined ? {} : { packageRecords }).collect({ name, bytes })].map((o) => {
    assert.equal(o.kind, 'event');
    return o as Out;
  });
}

test('alpine:latest: the inventory keyed by digest, then one record per source package keyed by package', () => {
  const out = outputs('alpine.cdx.json', readBytes(ALPINE_CDX_JSON));
  const [whole, ...records] = out;
  assert.equal(whole!.key, whole!.event.image.uid);
  assert.ok(whole!.event.packages.length > records.length, 'binaries of one source package share a record');
  const openssl = records.find((r) => r.key === 'Alpine/openssl');
  assert.ok(openssl, 'libcrypto3 and libssl3 are keyed by their origin, openssl');
  assert.deepEqual(openssl.event.packages.map((p) => `${p.name}@${p.version}`).sort(), ['libcrypto3@3.0.8-r0', 'libssl3@3.0.8-r0']);
  assert.equal(openssl.event.image.uid, whole!.event.image.uid, 'the image header rides along');
  assert.deepEqual(openssl.event.image.os, { family: 'alpine', version: '3.17.2' });
  assert.equal(openssl.event.raw_data, null);
  assert.equal(openssl.event.metadata.uid, `${whole!.event.metadata.uid}#Alpine/openssl`);
  assert.equal(openssl.position, whole!.position);
  assert.equal(new Set(records.map((r) => r.key)).size, records.length, 'one record per package key');
  for (const r of records) assert.notEqual(r.key, r.event.image.uid);
});

test('packageRecords: false publishes the whole inventory only', () => {
  assert.equal(outputs('zlib.cdx.json', readBytes(ALPINE_ZLIB_CDX), false).length, 1);
  const withRecords = outputs('zlib.cdx.json', readBytes(ALPINE_ZLIB_CDX));
  assert.deepEqual(withRecords.map((o) => o.key).slice(1), ['Alpine/zlib']);
});
