import type { ErrorObject } from 'ajv';

/** "path: message" of each ajv error (the unknown property named for additionalProperties). */
export function ajvMessages(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
