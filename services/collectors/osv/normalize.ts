/**
 * OSV record (https://ossf.github.io/osv-schema/) -> one Advisory per affected package. Pure: no
 * I/O, no clock, no randomness. README.md describes the mapping.
 */
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import { advisoryKey, type Advisory, type AdvisoryAffected, type AdvisoryPackage, type AdvisorySeverity } from '../../core/model/advisory.ts';
import { cappedJson, cappedRaw, clip, isObj, malformed, optObject, optObjectArray, optString, optStringArray, typeName, type Obj } from '../fields.ts';
import { packageKey } from '../sbom/package-key.ts';

export const SOURCE_TYPE = 'osv';

export interface OsvNormalizeOptions {
  /** details longer than this many characters are cut (truncated_fields gets "details"). */
  detailsMaxChars?: number;
  /** affected[].versions longer than this are cut. */
  maxVersions?: number;
  /** references longer than this are cut. */
  maxReferences?: number;
  /** database_specific / ecosystem_specific / unmapped JSON over this many bytes becomes {"_truncated":true}. */
  jsonCapBytes?: number;
  rawCapBytes?: number;
}

export const OSV_DEFAULTS = Object.freeze({ detailsMaxChars: 8192, maxVersions: 1000, maxReferences: 100, jsonCapBytes: 16384 });

export interface NormalizedAdvisory {
  key: string;
  event: Advisory;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 date-time -> epoch ms, for any year from 0001 (Go's zero time is 0001-01-01T00:00:00Z).
 * Null when the text is not one.
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return null;
  date.setUTCHours(h, mi, s, m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)));
  let t = date.getTime();
  const zone = m[8]!;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isFinite(t) ? t : null;
}

/** Go's zero time, written by golang/vulndb for unset modified/published dates. */
export function isZeroTime(text: string): boolean {
  return text.startsWith('0001-01-01T00:00:00');
}

/** OSV id prefix -> database name, for metadata.product_name. */
const DATABASES: ReadonlyArray<[string, string]> = [
  ['GHSA', 'GitHub Advisory Database'],
  ['GO', 'Go Vulnerability Database'],
  ['PYSEC', 'PyPI Advisory Database'],
  ['RUSTSEC', 'RustSec Advisory Database'],
  ['OSV', 'OSS-Fuzz'],
  ['GSD', 'Global Security Database'],
  ['PSF', 'Python Software Foundation'],
  ['MAL', 'OpenSSF Malicious Packages'],
  ['DSA', 'Debian Security Tracker'],
  ['DLA', 'Debian Security Tracker'],
  ['DTSA', 'Debian Security Tracker'],
  ['UBUNTU', 'Ubuntu Security Notices'],
  ['USN', 'Ubuntu Security Notices'],
  ['ALPINE', 'Alpine Security Database'],
  ['ALSA', 'AlmaLinux Security'],
  ['RLSA', 'Rocky Linux Security'],
  ['RHSA', 'Red Hat Security Data'],
  ['CVE', 'NVD (via OSV)'],
];

function prefixOf(id: string): string | null {
  const m = /^([A-Za-z]+)-/.exec(id);
  return m ? m[1]!.toUpperCase() : null;
}

function severities(obj: Obj, path: string): AdvisorySeverity[] {
  return optObjectArray(obj, 'severity', path).map((s, i) => {
    const type = optString(s, 'type', `${path}[${i}].type`);
    const score = optString(s, 'score', `${path}[${i}].score`);
    if (type === null || score === null) malformed(`${path}[${i}] must have a type and a score`);
    return { type, score };
  });
}

function jsonOrNull(obj: Obj, key: string, cap: number): string | null {
  const v = obj[key];
  return v === undefined || v === null ? null : cappedJson(v, cap);
}

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

const MAPPED = new Set([
  'id', 'modified', 'published', 'withdrawn', 'schema_version', 'aliases', 'related', 'upstream', 'summary', 'details',
  'severity', 'affected', 'references', 'database_specific',
]);

/**
 * Normalizes one OSV record into one Advisory per affected package, in order of first appearance.
 * Affected entries naming the same package are grouped in one event; entries naming no package
 * (GIT-only ranges) ride along with every event.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field when the record is not a valid OSV record.
 */
export function normalizeOsv(record: unknown, opts: OsvNormalizeOptions = {}): NormalizedAdvisory[] {
  const detailsMax = opts.detailsMaxChars ?? OSV_DEFAULTS.detailsMaxChars;
  const maxVersions = opts.maxVersions ?? OSV_DEFAULTS.maxVersions;
  const maxReferences = opts.maxReferences ?? OSV_DEFAULTS.maxReferences;
  const jsonCap = opts.jsonCapBytes ?? OSV_DEFAULTS.jsonCapBytes;
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);

  const problems: string[] = [];
  const id = optString(record, 'id');
  const modified = optString(record, 'modified');
  if (id === null) problems.push('id is missing');
  else if (id.length > 256 || !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) problems.push(`id "${clip(id)}" is not an OSV id`);
  let modifiedMs: number | null = null;
  if (modified === null) problems.push('modified is missing');
  else if ((modifiedMs = parseRfc3339(modified)) === null) problems.push(`modified "${clip(modified)}" is not an RFC 3339 date-time`);
  if (problems.length > 0) malformed(`not an OSV record: ${problems.join('; ')}`);

  const published = optString(record, 'published');
  const publishedMs = published === null ? null : parseRfc3339(published);
  if (published !== null && publishedMs === null) malformed(`published "${clip(published)}" is not an RFC 3339 date-time`);
  const withdrawn = optString(record, 'withdrawn');
  if (withdrawn !== null && parseRfc3339(withdrawn) === null) malformed(`withdrawn "${clip(withdrawn)}" is not an RFC 3339 date-time`);
  const time = !isZeroTime(modified!) ? modifiedMs : published !== null && !isZeroTime(published) ? publishedMs : null;

  const truncated: string[] = [];
  let details = optString(record, 'details');
  if (details !== null && details.length > detailsMax) {
    details = details.slice(0, detailsMax);
    truncated.push('details');
  }
  let references = optObjectArray(record, 'references').map((r, i) => {
    const type = optString(r, 'type', `references[${i}].type`);
    const url = optString(r, 'url', `references[${i}].url`);
    if (type === null || url === null) malformed(`references[${i}] must have a type and a url`);
    return { type, url };
  });
  if (references.length > maxReferences) {
    references = references.slice(0, maxReferences);
    truncated.push('references');
  }

  // Affected entries, grouped by package.
  const groups = new Map<string, { pkg: AdvisoryPackage; entries: Array<{ index: number; entry: AdvisoryAffected }> }>();
  const packageless: Array<{ index: number; entry: AdvisoryAffected }> = [];
  optObjectArray(record, 'affected').forEach((a, i) => {
    const path = `affected[${i}]`;
    const p = optObject(a, 'package', `${path}.package`);
    let pkg: AdvisoryPackage | null = null;
    if (p) {
      const ecosystem = optString(p, 'ecosystem', `${path}.package.ecosystem`);
      const name = optString(p, 'name', `${path}.package.name`);
      if (ecosystem === null || name === null) malformed(`${path}.package must have an ecosystem and a name`);
      pkg = { ecosystem, name, purl: optString(p, 'purl', `${path}.package.purl`) };
    }
    const ranges = optObjectArray(a, 'ranges', `${path}.ranges`).map((r, j) => {
      const type = optString(r, 'type', `${path}.ranges[${j}].type`);
      if (type === null) malformed(`${path}.ranges[${j}].type is missing`);
      return {
        type,
        repo: optString(r, 'repo', `${path}.ranges[${j}].repo`),
        events: optObjectArray(r, 'events', `${path}.ranges[${j}].events`).map((ev, k) => {
          const out = { introduced: null, fixed: null, last_affected: null, limit: null } as Record<(typeof EVENT_KEYS)[number], string | null>;
          for (const key of EVENT_KEYS) out[key] = optString(ev, key, `${path}.ranges[${j}].events[${k}].${key}`);
          return out as AdvisoryAffected['ranges'][number]['events'][number];
        }),
      };
    });
    let versions = optStringArray(a, 'versions', `${path}.versions`);
    if (versions.length > maxVersions) {
      versions = versions.slice(0, maxVersions);
      truncated.push(`${path}.versions`);
    }
    const entry: AdvisoryAffected = {
      package: pkg,
      severity: severities(a, `${path}.severity`),
      ranges,
      versions,
      ecosystem_specific: jsonOrNull(a, 'ecosystem_specific', jsonCap),
      database_specific: jsonOrNull(a, 'database_specific', jsonCap),
    };
    if (pkg === null) {
      packageless.push({ index: i, entry });
      return;
    }
    const key = advisoryKey(pkg);
    const group = groups.get(key);
    if (group) group.entries.push({ index: i, entry });
    else groups.set(key, { pkg, entries: [{ index: i, entry }] });
  });
  if (groups.size === 0) {
    malformed(`not an OSV advisory of a package: ${packageless.length > 0 ? 'no affected entry names a package' : 'affected is missing or empty'}`);
  }

  const databaseSpecific = jsonOrNull(record, 'database_specific', jsonCap);
  if (databaseSpecific === '{"_truncated":true}') truncated.push('database_specific');
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(record)) if (!MAPPED.has(k)) unmapped[k] = v;
  const prefix = prefixOf(id!);
  const product = (prefix === null ? undefined : DATABASES.find(([p]) => p === prefix)?.[1]) ?? 'OSV';
  const base = {
    time,
    id: id!,
    modified: modified!,
    published,
    withdrawn,
    schema_version: optString(record, 'schema_version'),
    aliases: optStringArray(record, 'aliases'),
    related: optStringArray(record, 'related'),
    upstream: optStringArray(record, 'upstream'),
    summary: optString(record, 'summary'),
    details,
    severity: severities(record, 'severity'),
    affected_packages: [...groups.keys()].sort(),
    references,
    database_specific: databaseSpecific,
    truncated_fields: truncated,
    unmapped: cappedJson(unmapped, jsonCap),
    raw_data: cappedRaw(JSON.stringify(record), opts.rawCapBytes ?? RAW_CAP_BYTES),
  };

  return [...groups].map(([key, group]): NormalizedAdvisory => {
    const entries = [...group.entries, ...packageless].sort((a, b) => a.index - b.index).map((e) => e.entry);
    return {
      // The stream key is the package identity the image side is keyed by too (the vulns join):
      // release dropped, names folded as the ecosystem compares them (PyPI `Jinja2` -> `jinja2`).
      key: packageKey(group.pkg.ecosystem, group.pkg.name),
      event: {
        metadata: {
          uid: `${id!}@${modified!}#${key}`,
          version: OCSF_VERSION,
          product_name: product,
          vendor_name: 'OSV',
          log_name: prefix,
          original_time: modified!,
          source: SOURCE_TYPE,
        },
        ...base,
        package: group.pkg,
        affected: entries,
      },
    };
  });
}
