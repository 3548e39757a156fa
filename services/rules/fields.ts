/**
 * The shape of the values a rule can read, for the rule checker: a select of a field the
 * normalized event does not have (`event.api.operaton`) or a comparison of a string field with a
 * number is a startup error instead of a rule that silently never matches.
 */
export type FieldSpec =
  | { kind: 'string' | 'number' | 'bool' | 'dyn'; nullable?: boolean }
  | { kind: 'object'; nullable?: boolean; fields: Readonly<Record<string, FieldSpec>> }
  | { kind: 'list'; element: FieldSpec };

const s: FieldSpec = { kind: 'string' };
const sn: FieldSpec = { kind: 'string', nullable: true };
const n: FieldSpec = { kind: 'number' };
const nn: FieldSpec = { kind: 'number', nullable: true };
const dyn: FieldSpec = { kind: 'dyn' };

/** `event` of an activity rule: services/core/events.ts ApiActivity, with `unmapped` parsed (any JSON object). */
export const ACTIVITY_EVENT_SPEC: FieldSpec = {
  kind: 'object',
  fields: {
    class_uid: n,
    category_uid: n,
    activity_id: n,
    type_uid: n,
    severity_id: n,
    time: n,
    status_id: n,
    status: s,
    status_code: sn,
    status_detail: sn,
    metadata: {
      kind: 'object',
      fields: { uid: s, version: s, product_name: s, vendor_name: s, log_name: sn, original_time: s, source: s },
    },
    actor: {
      kind: 'object',
      fields: {
        user: { kind: 'object', fields: { uid: s, name: sn, type: sn, account_uid: sn, credential_uid: sn } },
        session: { kind: 'object', nullable: true, fields: { is_mfa: { kind: 'bool', nullable: true }, issuer: sn, created_time: nn } },
        invoked_by: sn,
      },
    },
    api: { kind: 'object', fields: { operation: s, service_name: s, request_uid: sn, version: sn } },
    cloud: { kind: 'object', fields: { provider: s, region: sn, account_uid: sn } },
    src_endpoint: { kind: 'object', fields: { ip: sn, domain: sn } },
    user_agent: sn,
    resources: { kind: 'list', element: { kind: 'object', fields: { uid: sn, type: sn, name: sn } } },
    unmapped: dyn,
    raw_data: sn,
  },
};

/** Type of each variable, per input. */
export const VARIABLE_SPECS: Readonly<Record<string, FieldSpec>> = {
  event: ACTIVITY_EVENT_SPEC,
  raw: dyn,
  resource: dyn,
};
