import type { EventMetadata } from '../events.ts';

/**
 * An OSV advisory as it applies to one affected package. Avro: schemas/avro/advisory.v1.avsc (sluice.Advisory).
 * Stream: `advisory`, keyed by `<package.ecosystem>/<package.name>`; an advisory naming several
 * packages becomes one event per package. This file mirrors the Avro schema field by field.
 */
export interface Advisory {
  metadata: EventMetadata;
  /** `modified` (or `published` when modified is unset) as epoch ms; null when neither is set. */
  time: number | null;
  id: string;
  modified: string;
  published: string | null;
  withdrawn: string | null;
  schema_version: string | null;
  aliases: string[];
  related: string[];
  upstream: string[];
  summary: string | null;
  details: string | null;
  severity: AdvisorySeverity[];
  /** The package of this event (the stream key is `<ecosystem>/<name>`). */
  package: AdvisoryPackage;
  affected: AdvisoryAffected[];
  /** Every `<ecosystem>/<name>` the advisory affects, sorted. */
  affected_packages: string[];
  references: Array<{ type: string; url: string }>;
  /** JSON text. */
  database_specific: string | null;
  truncated_fields: string[];
  /** JSON object text of top-level fields not mapped above. */
  unmapped: string;
  raw_data: string | null;
}

export interface AdvisorySeverity {
  type: string;
  score: string;
}

export interface AdvisoryPackage {
  ecosystem: string;
  name: string;
  purl: string | null;
}

export interface AdvisoryAffected {
  package: AdvisoryPackage | null;
  severity: AdvisorySeverity[];
  ranges: Array<{
    type: string;
    repo: string | null;
    events: Array<{ introduced: string | null; fixed: string | null; last_affected: string | null; limit: string | null }>;
  }>;
  versions: string[];
  /** JSON text. */
  ecosystem_specific: string | null;
  /** JSON text. */
  database_specific: string | null;
}

/** The stream key of an advisory event. */
export function advisoryKey(pkg: AdvisoryPackage): string {
  return `${pkg.ecosystem}/${pkg.name}`;
}
