import type { EventMetadata } from '../events.ts';

/**
 * An OSV advisory. Avro: schemas/avro/advisory.v1.avsc (sluice.Advisory).
 * Stream: `advisory`. This file mirrors the Avro schema field by field.
 */
export interface Advisory {
  metadata: EventMetadata;
}
