import type { EventMetadata } from '../events.ts';

/**
 * OCSF-aligned resource configuration state and change (after OCSF 5019/5023). Avro: schemas/avro/config_state.v1.avsc (sluice.ocsf.ConfigState).
 * Stream: `config`. This file mirrors the Avro schema field by field.
 */
export interface ConfigState {
  metadata: EventMetadata;
}
