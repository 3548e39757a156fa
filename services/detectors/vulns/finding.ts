import type { Finding, OcsfAffectedPackage, OcsfResource, OcsfVulnerability, SeverityName } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import type { VulnMatch } from './match.ts';

export const DETECTOR_NAME = 'vulns';

/** A finding's status: the vulnerability is present (`open`) or no longer is (`resolved`). */
export type VulnStatus = 'open' | 'resolved';

/** How a finding was found: with its image (`image`, at build or scan time) or when an advisory arrived for an image already held (`rescan`). */
export type FoundBy = 'image' | 'rescan';

/** What the finding says about the image. */
export interface ImageFacts {
  /** image.uid: the digest, or `sbom:<hash>` when the SBOM names none. */
  uid: string;
  digest: string | null;
  repository: string | null;
  tags: string[];
  /** metadata.uid of the inventory. */
  inventoryUid: string;
}

/** The id of the one finding per (image, package, vulnerability): the same whether open or resolved, so sinks upsert it. */
export function vulnFindingId(imageUid: string, packageKey: string, vulnId: string): string {
  return findingId(DETECTOR_NAME, vulnId, `${imageUid}\u0000${packageKey}`, []);
}

function ms(text: string | null): number | undefined {
  if (text === null) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/** The OCSF 1.8.0 `vulnerability` object: `cve` when the group has a CVE, else `advisory` (the object's just_one constraint). */
export function ocsfVulnerability(m: VulnMatch, ecosystem: string, firstSeen: number, lastSeen: number): OcsfVulnerability {
  const r = m.rated;
  const title = r.summary ?? m.id;
  const references = [...new Set(m.advisories.flatMap((a) => a.references))];
  const fixed = m.affected.map((x) => x.fixedIn).filter((v): v is string => v !== null);
  const packages: OcsfAffectedPackage[] = m.affected.map(({ pkg, fixedIn }) => ({
    name: pkg.name,
    version: pkg.version,
    ...(pkg.purl ? { purl: pkg.purl } : {}),
    package_manager: ecosystem,
    ...(fixedIn ? { fixed_in_version: fixedIn } : {}),
  }));
  const vuln: OcsfVulnerability = {
    title,
    severity: m.severity,
    affected_packages: packages,
    related_vulnerabilities: m.related,
    ...(references.length ? { references } : {}),
    is_fix_available: fixed.length === m.affected.length && fixed.length > 0,
    first_seen_time: firstSeen,
    last_seen_time: lastSeen,
    ...(fixed.length ? { remediation: { desc: `Upgrade ${m.affected[0]!.pkg.name} to ${[...new Set(fixed)].join(' or ')} or later.` } } : {}),
  };
  if (/^CVE-\d{4}-\d+$/.test(m.id)) {
    const cvss = r.rating.cvss ? [{ version: r.rating.cvss.version, base_score: r.rating.cvss.score, vector_string: r.rating.cvss.vector, severity: m.severity }] : undefined;
    vuln.cve = { uid: m.id, title, ...(cvss ? { cvss } : {}) };
  } else {
    const created = ms(r.published);
    const modified = ms(r.modified);
    vuln.advisory = { uid: m.id, title, ...(created ? { created_time: created } : {}), ...(modified ? { modified_time: modified } : {}) };
  }
  return vuln;
}

export function imageResource(image: ImageFacts): OcsfResource {
  return { uid: image.digest ?? image.uid, ...(image.repository ? { name: image.repository } : {}), type: 'container_image', labels: [...image.tags] };
}

export interface VulnFindingInput {
  status: VulnStatus;
  foundBy: FoundBy;
  /** Why it was reported or resolved: `new image`, `advisory modified`, `fixed version installed`, `advisory withdrawn`... */
  reason: string;
  packageKey: string;
  ecosystem: string;
  image: ImageFacts;
  match: VulnMatch;
  time: number;
  firstSeen: number;
  /** metadata.uid of the event that triggered it (inventory or advisory). */
  triggerUid: string;
}

/** The OCSF Vulnerability Finding (2002) for one (image, package, vulnerability). */
export function vulnFinding(f: VulnFindingInput): Finding {
  const m = f.match;
  const id = vulnFindingId(f.image.uid, f.packageKey, m.id);
  const severity: SeverityName = f.status === 'open' ? m.severity : 'Informational';
  const pkg = m.affected[0]!.pkg.name;
  const versions = [...new Set(m.affected.map((a) => a.pkg.version))];
  const where = f.image.repository ? `${f.image.repository}${f.image.tags.length ? `:${f.image.tags[0]}` : ''}` : f.image.uid;
  const title = `${m.id} in ${pkg} ${versions.join(', ')}`;
  const message = f.status === 'open' ? `${title} (${where})` : `Resolved: ${title} (${where}): ${f.reason}`;
  const r = m.rated.rating;
  return {
    ...findingHeader(id, 2002, f.time, severity, message),
    finding_info: {
      uid: id,
      title,
      desc: m.rated.summary ?? `${m.id} affects ${pkg} ${versions.join(', ')}`,
      analytic: { uid: m.id, name: m.rated.summary ?? m.id, type: 'Rule' },
      attacks: [],
      first_seen_time: f.firstSeen,
      last_seen_time: f.time,
      related_events: [{ uid: f.image.inventoryUid }, ...(f.triggerUid !== f.image.inventoryUid ? [{ uid: f.triggerUid }] : [])],
    },
    detector: 'vulns',
    rule: m.id,
    entity: { kind: 'image', key: f.image.uid },
    count: 1,
    evidences: [
      {
        status: f.status,
        found_by: f.foundBy,
        reason: f.reason,
        package: pkg,
        package_key: f.packageKey,
        ecosystem: f.ecosystem,
        installed_versions: versions.join(', '),
        fixed_versions: [...new Set(m.affected.map((a) => a.fixedIn).filter((v) => v !== null))].join(', ') || null,
        purl: m.affected[0]!.pkg.purl,
        advisory_ids: m.advisories.map((a) => a.id).join(', '),
        aliases: m.related.join(', '),
        vuln_severity: m.severity,
        severity_source: r.source,
        cvss_score: r.cvss?.score ?? null,
        cvss_vector: r.cvss?.vector ?? null,
        image_uid: f.image.uid,
        image_digest: f.image.digest,
        repository: f.image.repository,
        tags: f.image.tags.join(', '),
      },
    ],
    cloud: { provider: 'Container', region: null, account_uid: null },
    vulnerabilities: [ocsfVulnerability(m, f.ecosystem, f.firstSeen, f.time)],
    resources: [imageResource(f.image)],
  };
}
