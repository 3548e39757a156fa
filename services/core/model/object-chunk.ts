import type { EventMetadata } from '../events.ts';

/**
 * One ordered chunk of an object-storage object, for DLP. Avro: schemas/avro/object_chunk.v1.avsc (sluice.ObjectChunk).
 * Stream: `object_chunk`. This file mirrors the Avro schema field by field.
 */
export interface ObjectChunk {
  metadata: EventMetadata;
}
