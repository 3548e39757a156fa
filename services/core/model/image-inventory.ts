import type { EventMetadata } from '../events.ts';

/**
 * A container image digest and its packages as purls. Avro: schemas/avro/image_inventory.v1.avsc (sluice.ImageInventory).
 * Stream: `image_inventory`, keyed by image digest (`image.uid`); the sbom collector also publishes
 * per-package records (only one package's entries) keyed by package (`<ecosystem>/<name>`), which
 * the vulns detector joins with the advisory stream. This file mirrors the Avro schema field by field.
 */
export interface ImageInventory {
  metadata: EventMetadata;
  /** SBOM creation time, epoch ms; null when the SBOM does not say. */
  time: number | null;
  image: {
    /** The stream key: `digest`, or `sbom:<hash>` when the SBOM names no digest. */
    uid: string;
    digest: string | null;
    repository: string | null;
    tags: string[];
    os: { family: string | null; version: string | null } | null;
  };
  packages: ImagePackage[];
  sbom_format: 'cyclonedx' | 'spdx';
  sbom_spec_version: string;
  /** The SBOM as JSON text, or null when it exceeded the cap. */
  raw_data: string | null;
}

export interface ImagePackage {
  purl: string | null;
  name: string;
  version: string | null;
  /** purl type: apk, deb, rpm, pypi, golang, npm, ... */
  type: string | null;
  /** OSV ecosystem without release suffix: Alpine, Debian, Ubuntu, PyPI, Go, npm, ... */
  ecosystem: string | null;
  licenses: string[];
  source_package: string | null;
}

export const SHA256_DIGEST_RE = /sha256(?::|%3[aA])([0-9a-f]{64})(?![0-9a-f])/;

/** The first `sha256:<64 hex>` digest in a text (also `sha256%3A...` as in purls), normalized to `sha256:<hex>`. */
export function findSha256Digest(text: string): string | null {
  const m = SHA256_DIGEST_RE.exec(text);
  return m ? `sha256:${m[1]}` : null;
}

/**
 * Splits an image reference `[registry[:port]/]repository[:tag][@sha256:digest]` into its parts.
 * `alpine:latest` -> { repository: 'alpine', tag: 'latest', digest: null };
 * `localhost:5000/app@sha256:ab…` -> { repository: 'localhost:5000/app', tag: null, digest: 'sha256:ab…' }.
 * Returns null for an empty or space-containing text.
 */
export function parseImageReference(ref: string): { repository: string; tag: string | null; digest: string | null } | null {
  const text = ref.trim();
  if (text === '' || /\s/.test(text)) return null;
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = findSha256Digest(rest.slice(at + 1)) ?? rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || null;
    rest = rest.slice(0, colon);
  }
  return rest === '' ? null : { repository: rest, tag, digest };
}
