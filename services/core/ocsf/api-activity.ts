import type { ApiActivity } from '../events.ts';
import { cloudObject, compact, eventHeader, eventMetadata, unmappedObject, type OcsfObject } from './common.ts';

const ACTIVITY_CAPTIONS: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' };

/**
 * OCSF user.type_id from the source's principal type. The source's own type (AssumedRole,
 * FederatedUser, ManagedIdentity ...) is kept as `type` with type_id 99 Other; a type that is
 * plainly a person, an administrator or a service gets its normalized id and caption.
 */
const USER_TYPES: Readonly<Record<string, readonly [number, string]>> = {
  iamuser: [1, 'User'],
  user: [1, 'User'],
  root: [2, 'Admin'],
  awsservice: [4, 'Service'],
  serviceaccount: [4, 'Service'],
  serviceprincipal: [4, 'Service'],
};

export function userType(type: string | null): { type_id?: number; type?: string } {
  if (!type) return {};
  const known = USER_TYPES[type.toLowerCase()];
  return known ? { type_id: known[0], type: known[1] } : { type_id: 99, type };
}

/**
 * Sign-ins, whose subject is the authentication itself: OCSF Authentication (3002) rather than API
 * Activity. AWS console sign-in, federated role sessions from a SAML assertion or an OpenID
 * Connect token, and Google sign-in audit events. The value is OCSF's auth_protocol_id and caption.
 */
const SIGN_INS: ReadonlyArray<{ service: string; operation: RegExp; protocol: readonly [number, string] | null }> = [
  { service: 'signin.amazonaws.com', operation: /^ConsoleLogin$/, protocol: null },
  { service: 'sts.amazonaws.com', operation: /^AssumeRoleWithSAML$/, protocol: [5, 'SAML'] },
  { service: 'sts.amazonaws.com', operation: /^AssumeRoleWithWebIdentity$/, protocol: [4, 'OpenID'] },
  { service: 'login.googleapis.com', operation: /^google\.login\.LoginService\.loginSuccess$|^google\.login\.LoginService\.loginFailure$/, protocol: null },
];

function signIn(e: ApiActivity): (typeof SIGN_INS)[number] | undefined {
  return SIGN_INS.find((s) => s.service === e.api.service_name && s.operation.test(e.api.operation));
}

function userObject(e: ApiActivity): Record<string, unknown> {
  const u = e.actor.user;
  return { uid: u.uid, name: u.name, ...userType(u.type), account: u.account_uid ? { uid: u.account_uid } : null, credential_uid: u.credential_uid };
}

/** The outcome of the call: status id, caption, the source's code and, for a failure, its detail. */
function outcome(e: ApiActivity): Record<string, unknown> {
  return { status_id: e.status_id, status: e.status, status_code: e.status_code, status_detail: e.status_detail };
}

const AUTHENTICATION_CAPTIONS: Readonly<Record<number, string>> = { 1: 'Logon' };

function sourceEndpoint(e: ApiActivity): Record<string, unknown> {
  return e.src_endpoint.ip || e.src_endpoint.domain ? { ip: e.src_endpoint.ip, domain: e.src_endpoint.domain } : { name: 'Unknown' };
}

/** A sign-in as OCSF 1.8.0 Authentication (3002), activity Logon, with the `cloud` profile declared. */
export function authenticationToOcsf(e: ApiActivity, protocol: readonly [number, string] | null): OcsfObject {
  const s = e.actor.session;
  return compact({
    ...eventHeader(3002, 3, 1, AUTHENTICATION_CAPTIONS, e.severity_id, e.time),
    ...outcome(e),
    metadata: eventMetadata(e.metadata, ['cloud']),
    user: userObject(e),
    is_mfa: s?.is_mfa ?? null,
    auth_protocol_id: protocol?.[0],
    auth_protocol: protocol?.[1],
    session: s ? { is_mfa: s.is_mfa, issuer: s.issuer, created_time: s.created_time } : null,
    service: e.api.service_name ? { name: e.api.service_name } : null,
    api: { operation: e.api.operation, service: e.api.service_name ? { name: e.api.service_name } : null, request: e.api.request_uid ? { uid: e.api.request_uid } : null },
    cloud: cloudObject(e.cloud.provider, e.cloud.region, e.cloud.account_uid) ?? { provider: 'Unknown' },
    src_endpoint: sourceEndpoint(e),
    http_request: e.user_agent ? { user_agent: e.user_agent } : null,
    unmapped: unmappedObject(e.unmapped),
    raw_data: e.raw_data,
  });
}

/**
 * A normalized API Activity (6003) in OCSF 1.8.0 form, with the `cloud` profile declared; a
 * sign-in (see SIGN_INS) is rendered as Authentication (3002) instead.
 * The wire record keeps flat names that the rule packs read (`api.service_name`,
 * `cloud.account_uid`, `user_agent`); this is what leaves Sluice (see docs/ocsf.md).
 */
export function apiActivityToOcsf(e: ApiActivity): OcsfObject {
  const login = signIn(e);
  if (login) return authenticationToOcsf(e, login.protocol);
  const s = e.actor.session;
  return compact({
    ...eventHeader(e.class_uid, e.category_uid, e.activity_id, ACTIVITY_CAPTIONS, e.severity_id, e.time),
    ...outcome(e),
    metadata: eventMetadata(e.metadata, ['cloud']),
    actor: {
      user: userObject(e),
      session: s ? { is_mfa: s.is_mfa, issuer: s.issuer, created_time: s.created_time } : null,
      invoked_by: e.actor.invoked_by,
    },
    api: {
      operation: e.api.operation,
      service: e.api.service_name ? { name: e.api.service_name } : null,
      request: e.api.request_uid ? { uid: e.api.request_uid } : null,
      version: e.api.version,
    },
    cloud: cloudObject(e.cloud.provider, e.cloud.region, e.cloud.account_uid) ?? { provider: 'Unknown' },
    src_endpoint: sourceEndpoint(e),
    http_request: e.user_agent ? { user_agent: e.user_agent } : null,
    resources: e.resources.filter((r) => r.uid || r.name).map((r) => ({ uid: r.uid, type: r.type, name: r.name })),
    unmapped: unmappedObject(e.unmapped),
    raw_data: e.raw_data,
  });
}
