import type { EventMetadata } from '../events.ts';

/**
 * A container image digest and its packages as purls. Avro: schemas/avro/image_inventory.v1.avsc (sluice.ImageInventory).
 * Stream: `image_inventory`. This file mirrors the Avro schema field by field.
 */
export interface ImageInventory {
  metadata: EventMetadata;
}
