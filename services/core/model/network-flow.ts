import type { EventMetadata } from '../events.ts';

/**
 * OCSF Network Activity (4001) with workload identities on both ends. Avro: schemas/avro/network_flow.v1.avsc (sluice.ocsf.NetworkActivity).
 * Stream: `flow`. This file mirrors the Avro schema field by field.
 */
export interface NetworkFlow {
  metadata: EventMetadata;
}
