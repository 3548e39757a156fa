/**
 * SBOM document (CycloneDX JSON or XML, SPDX 2.x JSON) -> ImageInventory: the image digest and its
 * packages. Pure: no I/O, no clock, no randomness. README.md describes the mapping.
 */
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import { findSha256Digest, parseImageReference, type ImageInventory, type ImagePackage } from '../../core/model/image-inventory.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { cappedRaw, clip, isObj, malformed, optInt, optObject, optObjectArray, optString, optStringArray, typeName, type Obj } from '../fields.ts';
import { isOsPackage, osvEcosystem, parsePurl, purlDistro, sourcePackage, type Purl } from './purl.ts';
import { cycloneDxXmlToJson } from './xml.ts';

export const SOURCE_TYPE = 'sbom';

export interface SbomNormalizeOptions {
  rawCapBytes?: number;
  /** Largest CycloneDX XML document read, in UTF-8 bytes (normalizeCycloneDxXml). */
  maxXmlBytes?: number;
}

/** `metadata.log_name`: the encoding the document came in. */
type LogName = 'cyclonedx-json' | 'cyclonedx-xml' | 'spdx-json';

export interface NormalizedInventory {
  key: string;
  event: ImageInventory;
}

/** CycloneDX component types that are not packages of the image. */
const NOT_PACKAGES = new Set(['operating-system', 'file', 'data']);

/** Nesting limit for CycloneDX `components[].components` (guards against hostile documents). */
const MAX_DEPTH = 32;

interface ImageFacts {
  digest: string | null;
  repository: string | null;
  tags: string[];
}

function addRef(facts: ImageFacts, ref: string | null): void {
  if (ref === null) return;
  const parsed = parseImageReference(ref);
  if (!parsed) return;
  facts.repository ??= parsed.repository;
  if (parsed.tag !== null && !facts.tags.includes(parsed.tag)) facts.tags.push(parsed.tag);
  if (facts.digest === null && parsed.digest !== null) facts.digest = findSha256Digest(parsed.digest);
}

/** Repository and tag from an image purl (pkg:oci/…?repository_url=…&tag=…, pkg:docker/…). */
function addImagePurl(facts: ImageFacts, p: Purl | null): void {
  if (!p || (p.type !== 'oci' && p.type !== 'docker')) return;
  const repoUrl = p.qualifiers.repository_url;
  facts.repository ??= repoUrl ? repoUrl : p.namespace ? `${p.namespace}/${p.name}` : p.name;
  const tag = p.qualifiers.tag;
  if (tag && !facts.tags.includes(tag)) facts.tags.push(tag);
}

function timeOf(text: string | null, field: string): number | null {
  if (text === null) return null;
  const t = parseTimestamp(text);
  if (t === null) malformed(`${field} "${clip(text)}" is not an ISO-8601 date-time`);
  return t;
}

function packageFrom(name: string | null, version: string | null, purlText: string | null, licenses: string[], path: string): ImagePackage {
  const purl = purlText === null ? null : parsePurl(purlText);
  const pkgName = name ?? purl?.name ?? null;
  if (pkgName === null) malformed(`${path}.name is missing`);
  return {
    purl: purlText,
    name: pkgName,
    version: version ?? purl?.version ?? null,
    type: purl?.type ?? null,
    ecosystem: purl ? osvEcosystem(purl) : null,
    licenses,
    source_package: purl ? sourcePackage(purl) : null,
  };
}

/** Keeps the first of packages with the same purl (or the same name@version when there is no purl). */
function dedupe(pkgs: ImagePackage[]): ImagePackage[] {
  const seen = new Set<string>();
  return pkgs.filter((p) => {
    const id = p.purl ?? `${p.name}@${p.version ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The distribution of the first OS package purl. */
function osFromPackages(pkgs: readonly ImagePackage[]): ImageInventory['image']['os'] {
  for (const p of pkgs) {
    const purl = p.purl === null ? null : parsePurl(p.purl);
    if (purl && isOsPackage(purl)) {
      const d = purlDistro(purl);
      if (d) return { family: d.family, version: d.version };
    }
  }
  return null;
}

function cycloneLicenses(c: Obj, path: string): string[] {
  const out: string[] = [];
  optObjectArray(c, 'licenses', `${path}.licenses`).forEach((l, i) => {
    const expr = optString(l, 'expression', `${path}.licenses[${i}].expression`);
    if (expr !== null) out.push(expr);
    const lic = optObject(l, 'license', `${path}.licenses[${i}].license`);
    if (lic) {
      const v = optString(lic, 'id', `${path}.licenses[${i}].license.id`) ?? optString(lic, 'name', `${path}.licenses[${i}].license.name`);
      if (v !== null) out.push(v);
    }
  });
  return out;
}

function cycloneTool(metadata: Obj | null): { name: string | null; vendor: string | null } {
  if (!metadata) return { name: null, vendor: null };
  const tools = metadata.tools;
  let first: unknown;
  if (Array.isArray(tools)) first = tools[0]; // CycloneDX <= 1.4
  else if (isObj(tools) && Array.isArray(tools.components)) first = tools.components[0]; // 1.5+
  else if (tools !== undefined && tools !== null) malformed(`metadata.tools must be an array or an object, got ${typeName(tools)}`);
  if (!isObj(first)) return { name: null, vendor: null };
  const vendor = typeof first.vendor === 'string' ? first.vendor : typeof first.publisher === 'string' ? first.publisher : null;
  return { name: typeof first.name === 'string' && first.name !== '' ? first.name : null, vendor: vendor || null };
}

/** CycloneDX JSON (any 1.x version) -> ImageInventory. */
export function normalizeCycloneDx(doc: Obj, opts: SbomNormalizeOptions = {}): NormalizedInventory {
  return cycloneDx(doc, opts, 'cyclonedx-json');
}

/**
 * CycloneDX XML (1.2–1.6 namespaces) -> ImageInventory: the XML is mapped to the CycloneDX JSON
 * shape (xml.ts) and normalized as JSON; `log_name` is `cyclonedx-xml`, `raw_data` the mapped JSON.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED / SLUICE_ERR_INPUT_UNREADABLE with the reason.
 */
export function normalizeCycloneDxXml(xml: string, opts: SbomNormalizeOptions = {}): NormalizedInventory {
  const doc = cycloneDxXmlToJson(xml, opts.maxXmlBytes === undefined ? {} : { maxBytes: opts.maxXmlBytes });
  return cycloneDx(doc, opts, 'cyclonedx-xml');
}

function cycloneDx(doc: Obj, opts: SbomNormalizeOptions, logName: LogName): NormalizedInventory {
  const specVersion = optString(doc, 'specVersion');
  if (specVersion === null) malformed('not a CycloneDX BOM: specVersion is missing');
  const serial = optString(doc, 'serialNumber');
  const bomVersion = optInt(doc, 'version', 'version', { min: 0 });
  const metadata = optObject(doc, 'metadata');
  const timestamp = metadata ? optString(metadata, 'timestamp', 'metadata.timestamp') : null;
  const time = timeOf(timestamp, 'metadata.timestamp');
  const tool = cycloneTool(metadata);
  const comp = metadata ? optObject(metadata, 'component', 'metadata.component') : null;

  const facts: ImageFacts = { digest: null, repository: null, tags: [] };
  let topRef: string | null = null;
  if (comp) {
    topRef = optString(comp, 'bom-ref', 'metadata.component.bom-ref');
    const type = optString(comp, 'type', 'metadata.component.type');
    const name = optString(comp, 'name', 'metadata.component.name');
    const version = optString(comp, 'version', 'metadata.component.version');
    const purlText = optString(comp, 'purl', 'metadata.component.purl');
    const purl = purlText === null ? null : parsePurl(purlText);
    const hashes = optObjectArray(comp, 'hashes', 'metadata.component.hashes');
    facts.digest =
      (purlText === null ? null : findSha256Digest(purlText)) ??
      (version === null ? null : /^sha256:[0-9a-f]{64}$/.test(version) ? version : null) ??
      (topRef === null ? null : findSha256Digest(topRef)) ??
      (name === null ? null : findSha256Digest(name));
    if (facts.digest === null && type === 'container') {
      for (const [i, h] of hashes.entries()) {
        const alg = optString(h, 'alg', `metadata.component.hashes[${i}].alg`);
        const content = optString(h, 'content', `metadata.component.hashes[${i}].content`);
        if (alg === 'SHA-256' && content !== null && /^[0-9a-f]{64}$/.test(content)) {
          facts.digest = `sha256:${content}`;
          break;
        }
      }
    }
    addImagePurl(facts, purl);
    if (type === 'container') addRef(facts, name);
  }

  const pkgs: ImagePackage[] = [];
  let os: ImageInventory['image']['os'] = null;
  const walk = (list: Obj[], path: string, depth: number): void => {
    if (depth > MAX_DEPTH) malformed(`${path} is nested deeper than ${MAX_DEPTH} levels`);
    list.forEach((c, i) => {
      const p = `${path}[${i}]`;
      const type = optString(c, 'type', `${p}.type`);
      const name = optString(c, 'name', `${p}.name`);
      const version = optString(c, 'version', `${p}.version`);
      const ref = optString(c, 'bom-ref', `${p}.bom-ref`);
      if (type === 'operating-system') {
        os ??= { family: name === null ? null : name.toLowerCase(), version };
      } else if (!(type !== null && NOT_PACKAGES.has(type)) && !(ref !== null && ref === topRef)) {
        pkgs.push(packageFrom(name, version, optString(c, 'purl', `${p}.purl`), cycloneLicenses(c, p), p));
      }
      walk(optObjectArray(c, 'components', `${p}.components`), `${p}.components`, depth + 1);
    });
  };
  walk(optObjectArray(doc, 'components'), 'components', 0);
  const packages = dedupe(pkgs);

  const uid = serial === null ? stableRecordUid(doc) : bomVersion === null ? serial : `${serial}@${bomVersion}`;
  return finish(doc, 'cyclonedx', logName, specVersion, uid, time, timestamp, tool, facts, os ?? osFromPackages(packages), packages, opts);
}

function spdxLicenses(p: Obj, path: string): string[] {
  const out: string[] = [];
  for (const key of ['licenseDeclared', 'licenseConcluded']) {
    const v = optString(p, key, `${path}.${key}`);
    if (v !== null && v !== 'NOASSERTION' && v !== 'NONE' && !out.includes(v)) out.push(v);
  }
  return out;
}

function spdxPurl(p: Obj, path: string): string | null {
  for (const [i, ref] of optObjectArray(p, 'externalRefs', `${path}.externalRefs`).entries()) {
    if (optString(ref, 'referenceType', `${path}.externalRefs[${i}].referenceType`) === 'purl') {
      return optString(ref, 'referenceLocator', `${path}.externalRefs[${i}].referenceLocator`);
    }
  }
  return null;
}

function spdxChecksumDigest(p: Obj, path: string): string | null {
  for (const [i, c] of optObjectArray(p, 'checksums', `${path}.checksums`).entries()) {
    const alg = optString(c, 'algorithm', `${path}.checksums[${i}].algorithm`);
    const value = optString(c, 'checksumValue', `${path}.checksums[${i}].checksumValue`);
    if (alg === 'SHA256' && value !== null && /^[0-9a-f]{64}$/.test(value)) return `sha256:${value}`;
  }
  return null;
}

/** SPDX 2.x JSON -> ImageInventory. */
export function normalizeSpdx(doc: Obj, opts: SbomNormalizeOptions = {}): NormalizedInventory {
  const spdxVersion = optString(doc, 'spdxVersion')!;
  const creation = optObject(doc, 'creationInfo');
  const created = creation ? optString(creation, 'created', 'creationInfo.created') : null;
  const time = timeOf(created, 'creationInfo.created');
  const creators = creation ? optStringArray(creation, 'creators', 'creationInfo.creators') : [];
  const toolLine = creators.find((c) => c.startsWith('Tool:'));
  const orgLine = creators.find((c) => c.startsWith('Organization:'));
  const tool = { name: toolLine ? toolLine.slice(5).trim() || null : null, vendor: orgLine ? orgLine.slice(13).trim() || null : null };
  const namespace = optString(doc, 'documentNamespace');

  const packagesRaw = optObjectArray(doc, 'packages');
  const described = new Set(optStringArray(doc, 'documentDescribes'));
  optObjectArray(doc, 'relationships').forEach((r, i) => {
    const from = optString(r, 'spdxElementId', `relationships[${i}].spdxElementId`);
    const type = optString(r, 'relationshipType', `relationships[${i}].relationshipType`);
    const to = optString(r, 'relatedSpdxElement', `relationships[${i}].relatedSpdxElement`);
    if (from === 'SPDXRef-DOCUMENT' && type === 'DESCRIBES' && to !== null) described.add(to);
  });

  const facts: ImageFacts = { digest: null, repository: null, tags: [] };
  let imageIndex = -1;
  packagesRaw.forEach((p, i) => {
    if (imageIndex >= 0) return;
    const path = `packages[${i}]`;
    const id = optString(p, 'SPDXID', `${path}.SPDXID`);
    const purpose = optString(p, 'primaryPackagePurpose', `${path}.primaryPackagePurpose`);
    const isDescribed = id !== null && described.has(id);
    if (!isDescribed && purpose !== 'CONTAINER') return;
    const name = optString(p, 'name', `${path}.name`);
    const version = optString(p, 'versionInfo', `${path}.versionInfo`);
    const purlText = spdxPurl(p, path);
    const purl = purlText === null ? null : parsePurl(purlText);
    const digest =
      spdxChecksumDigest(p, path) ??
      (version === null ? null : findSha256Digest(version)) ??
      (purlText === null ? null : findSha256Digest(purlText)) ??
      (name === null ? null : findSha256Digest(name));
    const isImage = purpose === 'CONTAINER' || digest !== null || purl?.type === 'oci' || purl?.type === 'docker';
    if (!isImage) return;
    imageIndex = i;
    facts.digest = digest;
    addImagePurl(facts, purl);
    addRef(facts, name);
  });
  if (facts.digest === null && namespace !== null) facts.digest = findSha256Digest(namespace);

  let os: ImageInventory['image']['os'] = null;
  const pkgs: ImagePackage[] = [];
  packagesRaw.forEach((p, i) => {
    if (i === imageIndex) return;
    const path = `packages[${i}]`;
    const name = optString(p, 'name', `${path}.name`);
    const version = optString(p, 'versionInfo', `${path}.versionInfo`);
    if (optString(p, 'primaryPackagePurpose', `${path}.primaryPackagePurpose`) === 'OPERATING-SYSTEM') {
      os ??= { family: name === null ? null : name.toLowerCase(), version };
      return;
    }
    pkgs.push(packageFrom(name, version, spdxPurl(p, path), spdxLicenses(p, path), path));
  });
  const packages = dedupe(pkgs);
  const uid = namespace ?? stableRecordUid(doc);
  return finish(doc, 'spdx', 'spdx-json', spdxVersion, uid, time, created, tool, facts, os ?? osFromPackages(packages), packages, opts);
}

function finish(
  doc: Obj,
  format: 'cyclonedx' | 'spdx',
  logName: LogName,
  specVersion: string,
  uid: string,
  time: number | null,
  originalTime: string | null,
  tool: { name: string | null; vendor: string | null },
  facts: ImageFacts,
  os: ImageInventory['image']['os'],
  packages: ImagePackage[],
  opts: SbomNormalizeOptions,
): NormalizedInventory {
  const key = facts.digest ?? `sbom:${stableRecordUid(doc)}`;
  const event: ImageInventory = {
    metadata: {
      uid,
      version: OCSF_VERSION,
      product_name: tool.name ?? 'unknown',
      vendor_name: tool.vendor ?? 'unknown',
      log_name: logName,
      original_time: originalTime ?? '',
      source: SOURCE_TYPE,
    },
    time,
    image: { uid: key, digest: facts.digest, repository: facts.repository, tags: facts.tags, os },
    packages,
    sbom_format: format,
    sbom_spec_version: specVersion,
    raw_data: cappedRaw(JSON.stringify(doc), opts.rawCapBytes ?? RAW_CAP_BYTES),
  };
  return { key, event };
}

/**
 * Normalizes one SBOM document: CycloneDX JSON (`bomFormat: "CycloneDX"`) or SPDX 2.x JSON
 * (`spdxVersion: "SPDX-2.x"`).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field when the document is neither or is malformed.
 */
export function normalizeSbom(record: unknown, opts: SbomNormalizeOptions = {}): NormalizedInventory {
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  const bomFormat = record.bomFormat;
  if (bomFormat !== undefined) {
    if (bomFormat !== 'CycloneDX') malformed(`bomFormat must be "CycloneDX", got ${typeof bomFormat === 'string' ? `"${clip(bomFormat)}"` : typeName(bomFormat)}`);
    return normalizeCycloneDx(record, opts);
  }
  const spdxVersion = record.spdxVersion;
  if (spdxVersion !== undefined) {
    if (typeof spdxVersion !== 'string' || !/^SPDX-2\.\d+$/.test(spdxVersion)) {
      malformed(`spdxVersion must be "SPDX-2.<minor>", got ${typeof spdxVersion === 'string' ? `"${clip(spdxVersion)}"` : typeName(spdxVersion)}`);
    }
    return normalizeSpdx(record, opts);
  }
  const context = record['@context'];
  if (typeof context === 'string' && context.includes('spdx')) malformed('an SPDX 3 JSON-LD document: only SPDX 2.x JSON is supported');
  if (Array.isArray(record.artifacts) && isObj(record.source)) malformed('a syft JSON document: only CycloneDX JSON and SPDX 2.x JSON are supported');
  malformed('not an SBOM: neither bomFormat "CycloneDX" nor spdxVersion is present');
}
