import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { OCSF_VERSION } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import type { ImageInventory } from '../../core/model/image-inventory.ts';
import {
  ALPINE_CDX_JSON,
  ALPINE_CDX_XML,
  ALPINE_ZLIB_CDX,
  ONLY_UNIMPORTANT_SPDX,
  readBytes,
  readJson,
  WITH_DUPLICATES_CDX_JSON,
  WITH_DUPLICATES_CDX_XML,
} from '../../../test/fixtures/sbom/load.ts';
import { stableRecordUid } from '../aws_cloudtrail/index.ts';
import { assertCollectorSpec, assertFieldsDocumented, assertOnlyRejects, avroRoundTrip, type StreamOut } from '../../../test/fixtures/collector-kit.ts';
import { cycloneDxXmlToJson, normalizeSbom, parsePurl, SbomConfigSchema, sbomCollector, sbomSpec, sourcePackage } from './index.ts';
import { assertSniffs } from '../../../test/fixtures/hubble_flows/sniff-samples.ts';

// Expected values below were written from reading the SBOM files (see test/fixtures/sbom/SOURCE.md).

const assertAvroRoundTrip = avroRoundTrip<ImageInventory>('image_inventory.v1');

type InventoryOut = StreamOut<'image_inventory'>;

function collectOne(name: string, bytes: Buffer, config: Parameters<typeof sbomCollector>[0] = {}): InventoryOut | RejectedRecord {
  // The whole inventory only; the per-package records are tested in package-records.test.ts.
  const out: CollectorOutput[] = [...sbomCollector({ packageRecords: false, ...config }).collect({ name, bytes })];
  assert.equal(out.length, 1, name);
  return out[0] as InventoryOut | RejectedRecord;
}

function event(name: string, bytes: Buffer): InventoryOut {
  const o = collectOne(name, bytes);
  assert.equal(o.kind, 'event', o.kind === 'dead_letter' ? o.reason : '');
  return o as InventoryOut;
}

const ALPINE_DIGEST = 'sha256:fd6275a37d2472b9d3be70c3261087b8d65e441c21342ae7313096312bcda2b3';

describe('sbom: CycloneDX JSON of alpine:latest (syft 0.73.0)', () => {
  const o = event('alpine.cdx.json', readBytes(ALPINE_CDX_JSON));
  const e = o.event;

  it('keys by the image digest from metadata.component.version', () => {
    assert.equal(o.stream, 'image_inventory');
    assert.equal(o.key, ALPINE_DIGEST);
    assert.equal(o.position, 'alpine.cdx.json#0');
    assert.deepEqual(e.image, { uid: ALPINE_DIGEST, digest: ALPINE_DIGEST, repository: 'alpine', tags: ['latest'], os: { family: 'alpine', version: '3.17.2' } });
  });

  it('lists the 15 packages: 14 apk libraries and busybox (no purl); the OS component is not a package', () => {
    assert.equal(e.packages.length, 15);
    assert.deepEqual(
      e.packages.map((p) => `${p.name}@${p.version}`),
      [
        'alpine-baselayout@3.4.0-r0', 'alpine-baselayout-data@3.4.0-r0', 'alpine-keys@2.4-r1', 'apk-tools@2.12.10-r1', 'busybox@1.35.0',
        'busybox-binsh@1.36.1-r27', 'ca-certificates-bundle@20220614-r4', 'libc-utils@0.7.2-r3', 'libcrypto3@3.0.8-r0', 'libssl3@3.0.8-r0',
        'musl@1.2.3-r4', 'musl-utils@1.2.3-r4', 'scanelf@1.3.5-r1', 'ssl_client@1.36.1-r27', 'zlib@1.2.10-r0',
      ],
    );
    assert.deepEqual(e.packages[8], {
      purl: 'pkg:apk/alpine/libcrypto3@3.0.8-r0?arch=x86_64&upstream=openssl&distro=alpine-3.17.2',
      name: 'libcrypto3',
      version: '3.0.8-r0',
      type: 'apk',
      ecosystem: 'Alpine',
      licenses: ['Apache-2.0'],
      source_package: 'openssl',
    });
    assert.deepEqual(e.packages[4], { purl: null, name: 'busybox', version: '1.35.0', type: null, ecosystem: null, licenses: [], source_package: null });
    assert.deepEqual(e.packages[11]!.licenses, ['MIT', 'BSD-2-Clause', 'GPL-2.0-or-later']);
    assert.equal(e.packages[12]!.source_package, 'pax-utils'); // scanelf
  });

  it('maps metadata, time and format', () => {
    assert.deepEqual(e.metadata, {
      uid: 'urn:uuid:4243b783-229c-48e7-982b-febe2bb5bc2b@1',
      version: OCSF_VERSION,
      product_name: 'syft',
      vendor_name: 'anchore',
      log_name: 'cyclonedx-json',
      original_time: '2023-03-02T12:04:22+11:00',
      source: 'sbom',
    });
    assert.equal(e.time, Date.UTC(2023, 2, 2, 1, 4, 22));
    assert.equal(e.sbom_format, 'cyclonedx');
    assert.equal(e.sbom_spec_version, '1.4');
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), readJson(ALPINE_CDX_JSON));
    assertAvroRoundTrip(e, 'alpine.cdx.json');
  });

  it('with-duplicates: 17 entries, libcrypto3 and zlib listed twice, give the same 15 packages', () => {
    const d = event('with-duplicates.cdx.json', readBytes(WITH_DUPLICATES_CDX_JSON)).event;
    assert.deepEqual(d.packages, e.packages);
    assert.equal(d.image.digest, ALPINE_DIGEST);
  });
});

describe('sbom: the SCALIBR documents from osv-scanner', () => {
  it('alpine-zlib-16.cdx.json: CycloneDX 1.6, one package, no image named -> sbom:<hash> key', () => {
    const raw = readJson(ALPINE_ZLIB_CDX);
    const o = event('alpine-zlib-16.cdx.json', readBytes(ALPINE_ZLIB_CDX));
    const hash = stableRecordUid(raw);
    assert.equal(o.key, `sbom:${hash}`);
    assert.deepEqual(o.event.image, { uid: `sbom:${hash}`, digest: null, repository: null, tags: [], os: { family: 'alpine', version: '3.22.0' } });
    assert.deepEqual(o.event.packages, [
      {
        purl: 'pkg:apk/alpine/zlib@1.2.12-r1?arch=x86_64&distro=3.22.0&origin=zlib',
        name: 'zlib',
        version: '1.2.12-r1',
        type: 'apk',
        ecosystem: 'Alpine',
        licenses: [],
        source_package: 'zlib',
      },
    ]);
    assert.equal(o.event.metadata.uid, hash); // no serialNumber
    assert.equal(o.event.metadata.product_name, 'SCALIBR'); // CycloneDX 1.5+ tools.components
    assert.equal(o.event.metadata.vendor_name, 'unknown');
    assert.equal(o.event.sbom_spec_version, '1.6');
    assert.equal(o.event.time, Date.UTC(2025, 6, 8, 5, 23, 38));
    assertAvroRoundTrip(o.event, 'alpine-zlib-16');
  });

  it('only-unimportant.spdx.json: SPDX 2.3, one Ubuntu package, source package from the purl', () => {
    const raw = readJson(ONLY_UNIMPORTANT_SPDX);
    const o = event('only-unimportant.spdx.json', readBytes(ONLY_UNIMPORTANT_SPDX));
    assert.equal(o.key, `sbom:${stableRecordUid(raw)}`);
    assert.deepEqual(o.event.packages, [
      {
        purl: 'pkg:deb/ubuntu/pcre3@2%3A8.39-12ubuntu0.1?arch=amd64&distro=focal&source=pcre3',
        name: 'libpcre3',
        version: '2:8.39-12ubuntu0.1',
        type: 'deb',
        ecosystem: 'Ubuntu',
        licenses: [],
        source_package: 'pcre3',
      },
    ]);
    assert.deepEqual(o.event.image.os, { family: 'ubuntu', version: 'focal' });
    assert.deepEqual(o.event.metadata, {
      uid: 'https://spdx.google/1989157b-1458-4e57-abcb-fbec4a542b9c',
      version: OCSF_VERSION,
      product_name: 'SCALIBR',
      vendor_name: 'unknown',
      log_name: 'spdx-json',
      original_time: '2025-08-26T01:01:15Z',
      source: 'sbom',
    });
    assert.equal(o.event.sbom_format, 'spdx');
    assert.equal(o.event.sbom_spec_version, 'SPDX-2.3');
    assertAvroRoundTrip(o.event, 'only-unimportant');
  });

  it('an SPDX image document: the described CONTAINER package gives digest, repository and tag (synthetic, after syft -o spdx-json)', () => {
    const doc = {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'alpine',
      documentNamespace: 'https://anchore.com/syft/image/alpine-8f1d2f1c',
      creationInfo: { created: '2023-03-02T01:04:22Z', creators: ['Organization: Anchore, Inc', 'Tool: syft-0.73.0'] },
      documentDescribes: ['SPDXRef-DocumentRoot-Image-alpine'],
      packages: [
        {
          name: 'alpine:latest',
          SPDXID: 'SPDXRef-DocumentRoot-Image-alpine',
          versionInfo: ALPINE_DIGEST,
          primaryPackagePurpose: 'CONTAINER',
          checksums: [{ algorithm: 'SHA256', checksumValue: ALPINE_DIGEST.slice(7) }],
          externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:oci/alpine@sha256%3A${ALPINE_DIGEST.slice(7)}?arch=amd64&tag=latest` }],
        },
        { name: 'alpine', SPDXID: 'SPDXRef-OperatingSystem', versionInfo: '3.17.2', primaryPackagePurpose: 'OPERATING-SYSTEM' },
        {
          name: 'zlib',
          SPDXID: 'SPDXRef-Package-apk-zlib',
          versionInfo: '1.2.13-r0',
          licenseConcluded: 'NOASSERTION',
          licenseDeclared: 'Zlib',
          externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:apk/alpine/zlib@1.2.13-r0?arch=x86_64&upstream=zlib&distro=alpine-3.17.2' }],
        },
      ],
    };
    const { key, event: e } = normalizeSbom(doc);
    assert.equal(key, ALPINE_DIGEST);
    assert.deepEqual(e.image, { uid: ALPINE_DIGEST, digest: ALPINE_DIGEST, repository: 'alpine', tags: ['latest'], os: { family: 'alpine', version: '3.17.2' } });
    assert.deepEqual(e.packages.map((p) => [p.name, p.licenses, p.source_package]), [['zlib', ['Zlib'], 'zlib']]);
    assert.equal(e.metadata.product_name, 'syft-0.73.0');
    assert.equal(e.metadata.vendor_name, 'Anchore, Inc');
    assertAvroRoundTrip(e, 'spdx image');
  });
});

const CDX14 = 'http://cyclonedx.org/schema/bom/1.4';

function rejection(name: string, xml: string | Buffer, config: Parameters<typeof sbomCollector>[0] = {}): RejectedRecord {
  const bytes = typeof xml === 'string' ? Buffer.from(xml) : xml;
  const o = collectOne(name, bytes, config);
  assert.equal(o.kind, 'dead_letter', name);
  const r = o as RejectedRecord;
  assert.equal(r.position, `${name}#0`);
  assert.equal(r.source, 'sbom');
  assert.deepEqual(r.raw, bytes);
  return r;
}

describe('sbom: CycloneDX XML', () => {
  const json = event('alpine.cdx.json', readBytes(ALPINE_CDX_JSON));

  it('alpine.cdx.xml (plain and gzip) gives the same key, image, packages, time and uid as its JSON conversion', () => {
    const bytes = readBytes(ALPINE_CDX_XML);
    for (const input of [bytes, gzipSync(bytes)]) {
      const o = event('alpine.cdx.xml', input);
      assert.equal(o.stream, 'image_inventory');
      assert.equal(o.position, 'alpine.cdx.xml#0');
      assert.equal(o.key, ALPINE_DIGEST);
      assert.deepEqual(o.event.image, json.event.image);
      assert.deepEqual(o.event.packages, json.event.packages);
      assert.equal(o.event.packages.length, 15);
      assert.deepEqual(o.event.metadata, { ...json.event.metadata, log_name: 'cyclonedx-xml' });
      assert.equal(o.event.time, json.event.time);
      assert.equal(o.event.sbom_format, 'cyclonedx');
      assert.equal(o.event.sbom_spec_version, '1.4'); // from the namespace
      assert.equal(o.event.raw_data, json.event.raw_data); // the document as (mapped) JSON
      assertAvroRoundTrip(o.event, 'alpine.cdx.xml');
    }
  });

  it('maps the XML to exactly the CycloneDX JSON of derived/ (alpine and with-duplicates)', () => {
    assert.deepEqual(cycloneDxXmlToJson(readBytes(ALPINE_CDX_XML).toString('utf8')), readJson(ALPINE_CDX_JSON));
    assert.deepEqual(cycloneDxXmlToJson(readBytes(WITH_DUPLICATES_CDX_XML).toString('utf8')), readJson(WITH_DUPLICATES_CDX_JSON));
  });

  it('with-duplicates.cdx.xml: 17 entries give the same 15 packages', () => {
    const d = event('with-duplicates.cdx.xml', readBytes(WITH_DUPLICATES_CDX_XML)).event;
    assert.deepEqual(d.packages, json.event.packages);
    assert.equal(d.image.digest, ALPINE_DIGEST);
  });

  it('CycloneDX 1.5/1.6: prefixed namespace, tools.components, container hash, nested components, entities and CDATA (synthetic)', () => {
    const hex = ALPINE_DIGEST.slice(7);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand after the CycloneDX 1.6 XSD -->
<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.6" xmlns:x="urn:example:ext" serialNumber="urn:uuid:00000000-0000-4000-8000-000000000001" version="3">
  <c:metadata>
    <c:timestamp>2025-01-02T03:04:05Z</c:timestamp>
    <c:tools><c:components><c:component type="application"><c:author>Google</c:author><c:name>SCALIBR</c:name></c:component></c:components></c:tools>
    <c:component type="container" bom-ref="img">
      <c:name>registry.example/app:1.0</c:name>
      <c:hashes><c:hash alg="SHA-256">${hex}</c:hash></c:hashes>
    </c:component>
  </c:metadata>
  <c:components>
    <c:component type="library">
      <c:name>a&amp;b</c:name>
      <c:version>1.0</c:version>
      <c:licenses><c:expression>MIT OR Apache-2.0</c:expression></c:licenses>
      <c:purl>pkg:npm/a%26b@1.0?x=&#x41;&amp;y=&#66;</c:purl>
      <x:name>ignored: another namespace</x:name>
      <c:components>
        <c:component type="library"><c:name><![CDATA[inner &amp; raw]]></c:name><c:version>2</c:version></c:component>
        <c:component type="file"><c:name>/etc/passwd</c:name></c:component>
      </c:components>
    </c:component>
    <c:component type="operating-system"><c:name>Alpine</c:name><c:version>3.21.0</c:version></c:component>
  </c:components>
</c:bom>`;
    const o = event('app.cdx.xml', Buffer.from(xml));
    assert.equal(o.key, ALPINE_DIGEST);
    assert.deepEqual(o.event.image, { uid: ALPINE_DIGEST, digest: ALPINE_DIGEST, repository: 'registry.example/app', tags: ['1.0'], os: { family: 'alpine', version: '3.21.0' } });
    assert.deepEqual(o.event.packages, [
      { purl: 'pkg:npm/a%26b@1.0?x=A&y=B', name: 'a&b', version: '1.0', type: 'npm', ecosystem: 'npm', licenses: ['MIT OR Apache-2.0'], source_package: null },
      { purl: null, name: 'inner &amp; raw', version: '2', type: null, ecosystem: null, licenses: [], source_package: null },
    ]);
    assert.equal(o.event.metadata.uid, 'urn:uuid:00000000-0000-4000-8000-000000000001@3');
    assert.equal(o.event.metadata.product_name, 'SCALIBR');
    assert.equal(o.event.sbom_spec_version, '1.6');
    assert.equal(o.event.time, Date.UTC(2025, 0, 2, 3, 4, 5));
    assertAvroRoundTrip(o.event, 'app.cdx.xml');
    // Without serialNumber or digest: the key hashes the mapped document (stable for the same XML).
    const bare = `<bom xmlns="http://cyclonedx.org/schema/bom/1.2"><components><component type="library"><name>z</name></component></components></bom>`;
    const k1 = event('b.xml', Buffer.from(bare)).key;
    assert.match(k1, /^sbom:[0-9a-f]{32}$/);
    assert.equal(event('b.xml', Buffer.from(`\n  ${bare}\n`)).key, k1);
  });

  it('malformed XML: one RejectedRecord, SLUICE_ERR_INPUT_MALFORMED, saying where', () => {
    const cut = readBytes(ALPINE_CDX_XML).subarray(0, 5000);
    const r = rejection('cut.cdx.xml', cut);
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(r.reason, /^XML is not well formed: .+ \(line \d+, column \d+\)$/);
    const mismatched = rejection('m.xml', `<bom xmlns="${CDX14}"><components></bom>`);
    assert.match(mismatched.reason, /^XML is not well formed: /);
    const undefinedEntity = rejection('e.xml', `<bom xmlns="${CDX14}"><components><component type="library"><name>&foo;</name></component></components></bom>`);
    assert.equal(undefinedEntity.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(undefinedEntity.reason, /^XML entity &foo; is not defined/);
    assert.equal(rejection('two.xml', `<bom xmlns="${CDX14}"/><bom xmlns="${CDX14}"/>`).reason, 'XML has more than one root element');
    // The JSON normalizer still names the field.
    const noName = rejection('n.xml', `<bom xmlns="${CDX14}"><components><component type="library"><version>1</version></component></components></bom>`);
    assert.equal(noName.reason, 'components[0].name is missing');
  });

  it('a DOCTYPE entity bomb (billion laughs) is rejected at once, without expansion', () => {
    let dtd = '<!ENTITY lol0 "lololololololololololol">';
    for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE bom [${dtd}]>\n<bom xmlns="${CDX14}"><components><component type="library"><name>&lol9;</name></component></components></bom>`;
    const started = process.hrtime.bigint();
    const r = rejection('bomb.xml', bomb);
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'rejected within a second');
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(r.reason, /^XML with a DOCTYPE declaration is refused/);
    const external = `<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bom xmlns="${CDX14}"><components><component type="library"><name>&xxe;</name></component></components></bom>`;
    assert.match(rejection('xxe.xml', external).reason, /DOCTYPE/);
  });

  it('XML that is not CycloneDX 1.2+, and XML past maxDecompressedBytes, are SLUICE_ERR_INPUT_UNREADABLE', () => {
    const rdf = rejection('spdx.rdf', '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><x/></rdf:RDF>');
    assert.equal(rdf.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.match(rdf.reason, /^XML is not a CycloneDX BOM \(root element <rdf:RDF> in namespace "http:\/\/www.w3.org\/1999\/02\/22-rdf-syntax-ns#"\)/);
    assert.match(rejection('nons.xml', '<bom><components/></bom>').reason, /^XML is not a CycloneDX BOM \(root element <bom> in namespace none\)/);
    const v11 = rejection('v11.xml', '<bom xmlns="http://cyclonedx.org/schema/bom/1.1"><components/></bom>');
    assert.equal(v11.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.match(v11.reason, /^CycloneDX XML 1.1 is not supported/);
    const big = rejection('alpine.cdx.xml', readBytes(ALPINE_CDX_XML), { maxDecompressedBytes: 1000 });
    assert.equal(big.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.equal(big.reason, 'XML document exceeds 1000 bytes (maxDecompressedBytes)');
  });

  it('components nested past the limits are rejected, not a stack overflow', () => {
    let inner = '<component type="library"><name>leaf</name></component>';
    for (let i = 0; i < 40; i++) inner = `<component type="library"><name>n${i}</name><components>${inner}</components></component>`;
    const r = rejection('deep.xml', `<bom xmlns="${CDX14}"><components>${inner}</components></bom>`);
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(r.reason, /nested|Maximum nested tags/i);
  });
});

describe('sbom: formats it refuses, and bad documents', () => {
  it('SPDX tag-value, SPDX 3 and syft JSON are refused with their names', () => {
    assert.match((collectOne('t.spdx', Buffer.from('SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n')) as RejectedRecord).reason, /^SPDX tag-value is not supported/);
    assert.match((collectOne('s3.json', Buffer.from('{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}')) as RejectedRecord).reason, /^an SPDX 3 JSON-LD document/);
    assert.match((collectOne('syft.json', Buffer.from('{"artifacts":[],"source":{"type":"image"}}')) as RejectedRecord).reason, /^a syft JSON document/);
  });

  it('names the field', () => {
    const base = readJson(ALPINE_CDX_JSON);
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^not an SBOM: neither bomFormat "CycloneDX" nor spdxVersion is present$/],
      [{ bomFormat: 'SPDX' }, /^bomFormat must be "CycloneDX", got "SPDX"$/],
      [{ spdxVersion: 2 }, /^spdxVersion must be "SPDX-2.<minor>", got a number$/],
      [{ ...base, specVersion: undefined }, /^not a CycloneDX BOM: specVersion is missing$/],
      [{ ...base, components: {} }, /^components must be an array, got an object$/],
      [{ ...base, components: [{ type: 'library' }] }, /^components\[0\].name is missing$/],
      [{ ...base, components: [{ name: 'x', licenses: [{ license: { id: 5 } }] }] }, /^components\[0\].licenses\[0\].license.id must be a string, got a number$/],
      [{ ...base, metadata: { timestamp: 'March' } }, /^metadata.timestamp "March" is not an ISO-8601 date-time$/],
      [{ spdxVersion: 'SPDX-2.3', packages: [{ SPDXID: 'x' }] }, /^packages\[0\].name is missing$/],
    ];
    for (const [doc, reason] of cases) {
      assert.throws(() => normalizeSbom(doc), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_MALFORMED' && reason.test(err.message), String(reason));
    }
  });

  it('never throws, whatever the bytes', () => {
    let deep: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 40; i++) deep = { name: `n${i}`, components: [deep] };
    assertOnlyRejects(sbomCollector(), [
      Buffer.from('{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":'),
      Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [deep] })),
      Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { tools: 'syft' } })),
    ]);
  });
});

describe('purl helpers', () => {
  it('parses and reads source packages', () => {
    assert.deepEqual(parsePurl('pkg:deb/debian/bsdutils@1:2.29.2-1+deb9u1?arch=amd64&upstream=util-linux%402.29.2-1+deb9u1&distro=debian-9'), {
      type: 'deb',
      namespace: 'debian',
      name: 'bsdutils',
      version: '1:2.29.2-1+deb9u1',
      qualifiers: { arch: 'amd64', upstream: 'util-linux@2.29.2-1+deb9u1', distro: 'debian-9' },
      subpath: null,
    });
    assert.equal(sourcePackage(parsePurl('pkg:deb/debian/bsdutils@1?upstream=util-linux%402.29.2-1%2Bdeb9u1')!), 'util-linux');
    assert.equal(sourcePackage(parsePurl('pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?upstream=openssl-3.0.7-24.el9.src.rpm')!), 'openssl');
    assert.deepEqual(parsePurl('pkg:npm/%40angular/core@16.0.0'), { type: 'npm', namespace: '@angular', name: 'core', version: '16.0.0', qualifiers: {}, subpath: null });
    assert.equal(parsePurl('not a purl'), null);
    assert.equal(parsePurl('pkg:'), null);
  });
});

describe('sbom config, spec and sniff', () => {
  it('rejects unknown keys, documents every field, applies the raw cap', () => {
    assert.throws(() => sbomCollector({ bogus: 1 } as never), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID');
    assertFieldsDocumented(SbomConfigSchema);
    const [o] = [...sbomCollector({ rawCapBytes: 0 }).collect({ name: 'a', bytes: readBytes(ALPINE_ZLIB_CDX) })];
    assert.equal(o?.kind === 'event' && o.stream === 'image_inventory' && o.event.raw_data, null);
  });

  it('exposes its spec', () => {
    assertCollectorSpec(sbomSpec, 'sbom', ['image_inventory']);
  });

  it('sniffs true for its own records, false for CloudTrail, Azure, K8s audit, AWS Config, Hubble, VPC, SBOM and OSV records', () => {
    assertSniffs(sbomSpec, 'sbom');
  });

  it('recognises CycloneDX XML handed over as a string or bytes, and nothing else as text', () => {
    const xml = readBytes(ALPINE_CDX_XML);
    assert.equal(sbomSpec.sniff(xml.toString('utf8')), true);
    assert.equal(sbomSpec.sniff(xml), true);
    assert.equal(sbomSpec.sniff('<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.6"/>'), true);
    for (const text of ['<html><body>bom</body></html>', '<bom/>', 'SPDXVersion: SPDX-2.3', '{"bomFormat":"CycloneDX"}', '2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK']) {
      assert.equal(sbomSpec.sniff(text), false, text);
    }
  });
});
