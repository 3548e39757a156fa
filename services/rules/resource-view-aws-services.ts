/**
 * Resource views of AWS services whose live items AWS Config records and whose posture rules came
 * later: ACM certificates, CloudFormation stacks, WAF web ACLs, Lambda resource policies and
 * permissions, Redshift parameter groups. Field names and casing of live items follow
 * awslabs/aws-config-resource-schema and recorded items (README.md "Resource views").
 */
import { at, bool, conditionKeys, epochMs, first, isObj, list, policyDocument, principalIsEveryone, statements, text, texts, type KindEntry, type Obj, type ResourceFormat, type ViewContext } from './resource-view-util.ts';

const DAY_MS = 86_400_000;

/**
 * `RSA-2048` (older items), `RSA_2048` (API and templates) → `RSA_2048`; the RSA modulus length
 * in bits, or null for other algorithms.
 */
function keyAlgorithm(v: unknown): { algorithm: string | null; rsa_bits: number | null } {
  const a = text(v)?.toUpperCase().replace(/-/g, '_') ?? null;
  const m = a === null ? null : /^RSA_(\d+)$/.exec(a);
  return { algorithm: a, rsa_bits: m ? Number(m[1]) : null };
}

/**
 * An ACM certificate. Live (AWS::ACM::Certificate): `keyAlgorithm`, `status`, `type`, `inUseBy`,
 * `notAfter`, `renewalEligibility`, `options.certificateTransparencyLoggingPreference`.
 * `days_to_expiry` is counted from when the item was observed (its capture time), never from a
 * wall clock, so the same item always gets the same verdict. `in_use` is null for templates.
 */
export function acmCertificate(f: ResourceFormat, c: Obj, _type: string, ctx?: ViewContext): Obj {
  if (f === 'aws_config') {
    const notAfter = epochMs(c.notAfter);
    const observed = ctx?.observed_ms ?? null;
    return {
      ...keyAlgorithm(c.keyAlgorithm),
      status: text(c.status),
      certificate_type: text(c.type),
      in_use: list(c.inUseBy).length > 0,
      not_after_ms: notAfter,
      days_to_expiry: notAfter !== null && observed !== null ? Math.floor((notAfter - observed) / DAY_MS) : null,
      renewal_eligible: text(c.renewalEligibility) === 'ELIGIBLE',
      transparency_logging: (text(at(c, 'options.certificateTransparencyLoggingPreference')) ?? 'ENABLED').toUpperCase() !== 'DISABLED',
    };
  }
  const cfn = f === 'cloudformation';
  return {
    ...keyAlgorithm(cfn ? c.KeyAlgorithm : c.key_algorithm),
    status: null,
    certificate_type: cfn ? (c.CertificateAuthorityArn ? 'PRIVATE' : 'AMAZON_ISSUED') : c.private_key !== undefined ? 'IMPORTED' : c.certificate_authority_arn ? 'PRIVATE' : 'AMAZON_ISSUED',
    in_use: null,
    not_after_ms: null,
    days_to_expiry: null,
    renewal_eligible: null,
    transparency_logging: (text(cfn ? c.CertificateTransparencyLoggingPreference : at(c, 'options.0.certificate_transparency_logging_preference')) ?? 'ENABLED').toUpperCase() !== 'DISABLED',
  };
}

/**
 * A CloudFormation stack. Live: termination protection from
 * `supplementaryConfiguration.EnableTerminationProtection` (or `configuration.enableTerminationProtection`,
 * both recorded as text "true"/"false" in places), drift from `driftInformation.stackDriftStatus`,
 * `notificationARNs`, `parentId` (nested stacks inherit protection from their root). Templates
 * (a nested `AWS::CloudFormation::Stack`, Terraform `aws_cloudformation_stack`) cannot set
 * termination protection: null.
 */
export function cloudFormationStack(f: ResourceFormat, c: Obj): Obj {
  if (f === 'aws_config') {
    const s = isObj(c.supplementary) ? c.supplementary : {};
    return {
      termination_protection: bool(first(s, 'EnableTerminationProtection') ?? c.enableTerminationProtection, false),
      drift_status: text(at(c, 'driftInformation.stackDriftStatus')) ?? 'NOT_CHECKED',
      notification_arns: texts(c.notificationARNs),
      nested: text(c.parentId ?? s.ParentStackId) !== null,
      stack_status: text(c.stackStatus),
    };
  }
  return {
    termination_protection: null,
    drift_status: null,
    notification_arns: texts(f === 'cloudformation' ? c.NotificationARNs : c.notification_arns),
    nested: f === 'cloudformation',
    stack_status: null,
  };
}

/**
 * A WAF web ACL (WAFv2, WAF Classic global and regional). `rule_count` counts rules and rule
 * groups; `logging` is known only when a logging configuration was merged into the live item
 * (`supplementary.LoggingConfiguration`): AWS Config's web ACL item does not carry it, and in
 * templates logging is a resource of its own (`AWS::WAFv2::LoggingConfiguration`,
 * `aws_wafv2_web_acl_logging_configuration`), so it is null (not judged) otherwise. Terraform
 * `aws_waf_web_acl` / `aws_wafregional_web_acl` take `logging_configuration` inline.
 */
export function wafWebAcl(f: ResourceFormat, c: Obj): Obj {
  if (f === 'aws_config') {
    const s = isObj(c.supplementary) ? c.supplementary : {};
    const logging = first(s, 'LoggingConfiguration', 'loggingConfiguration');
    return {
      rule_count: list(first(c, 'rules', 'Rules', 'activatedRules', 'ActivatedRules')).length,
      logging: logging === undefined ? null : isObj(logging) && list(first(logging, 'logDestinationConfigs', 'LogDestinationConfigs', 'logDestination', 'LogDestination')).length > 0,
      default_action: defaultAction(first(c, 'defaultAction', 'DefaultAction')),
    };
  }
  if (f === 'cloudformation') {
    return { rule_count: list(first(c, 'Rules', 'ActivatedRules')).length, logging: null, default_action: defaultAction(c.DefaultAction) };
  }
  const inline = c.logging_configuration;
  return {
    rule_count: list(c.rule).length + list(c.rules).length,
    logging: inline === undefined ? null : list(inline).filter(isObj).some((l) => text(l.log_destination) !== null),
    default_action: defaultAction(c.default_action),
  };
}

/** `allow` / `block` from the many spellings: `{Allow: {}}`, `{type: "ALLOW"}`, `[{allow: [{}]}]`, `"ALLOW"`. */
function defaultAction(v: unknown): string | null {
  const one = Array.isArray(v) ? v[0] : v;
  if (typeof one === 'string') return one.toLowerCase();
  if (!isObj(one)) return null;
  const typed = text(one.type ?? one.Type);
  if (typed !== null) return typed.toLowerCase();
  const key = Object.keys(one).find((k) => /^(allow|block)$/i.test(k));
  return key === undefined ? null : key.toLowerCase();
}

/**
 * Condition keys that tie a `Principal: "*"` grant to a caller: the source resource or account
 * (what AWS services invoke with), the caller's organization or account, a network origin.
 * `lambda:FunctionUrlAuthType` is not one: `NONE` with `*` is a public function URL.
 */
const RESTRICTING_KEYS = new Set(['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalaccount', 'aws:principalarn', 'aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceip']);

/** Whether a Lambda resource policy lets anyone invoke: an Allow to `*` without a restricting condition. */
export function lambdaPolicyPublic(policy: Obj | null): boolean {
  return statements(policy).some((s) => s.Effect === 'Allow' && principalIsEveryone(s.Principal) && !conditionKeys(s).some((k) => RESTRICTING_KEYS.has(k)));
}

/**
 * A Lambda function's resource policy: live items carry it as `supplementaryConfiguration.Policy`
 * (JSON text, as GetPolicy returns it); templates grant invoke with separate permission resources.
 */
export function lambdaFunctionPolicy(f: ResourceFormat, c: Obj): Obj {
  if (f !== 'aws_config') return { policy: null, public_invoke: false };
  const policy = policyDocument(at(c, 'supplementary.Policy'));
  return { policy, public_invoke: lambdaPolicyPublic(policy) };
}

/**
 * One Lambda permission (`AWS::Lambda::Permission`, `aws_lambda_permission`): public when the
 * principal is `*` and neither a source ARN / account nor an organization ties it to a caller.
 */
export function lambdaPermission(f: ResourceFormat, c: Obj): Obj {
  const cfn = f === 'cloudformation';
  const principal = text(cfn ? c.Principal : c.principal);
  const scoped = [cfn ? c.SourceArn : c.source_arn, cfn ? c.SourceAccount : c.source_account, cfn ? c.PrincipalOrgID : c.principal_org_id].some((v) => v !== undefined && v !== null && v !== '');
  return { principal, action: text(cfn ? c.Action : c.action), public_invoke: principal === '*' && !scoped, function_url_auth_type: text(cfn ? c.FunctionUrlAuthType : c.function_url_auth_type) };
}

/**
 * A Redshift parameter group's parameters as a name → value map (values as text). Live items
 * record them as `supplementaryConfiguration.Parameters[{parameterName, parameterValue}]`;
 * CloudFormation `Parameters[{ParameterName, ParameterValue}]`; Terraform `parameter { name value }`.
 */
export function redshiftParameterGroup(f: ResourceFormat, c: Obj): Obj {
  const rows = f === 'aws_config' ? list(at(c, 'supplementary.Parameters')) : f === 'cloudformation' ? list(c.Parameters) : list(c.parameter);
  const parameters: Record<string, string> = {};
  for (const r of rows.filter(isObj)) {
    const name = text(r.parameterName ?? r.ParameterName ?? r.name);
    const value = text(r.parameterValue ?? r.ParameterValue ?? r.value);
    if (name !== null && value !== null) parameters[name.toLowerCase()] = value.toLowerCase();
  }
  return { parameters, require_ssl: parameters.require_ssl === 'true' || parameters.require_ssl === 'on', user_activity_logging: parameters.enable_user_activity_logging === 'true' };
}

/**
 * Redshift cluster audit logging: live `supplementaryConfiguration.LoggingStatus.loggingEnabled`
 * (null when the item has no status); CloudFormation `LoggingProperties` (a bucket or a log
 * destination type); Terraform `logging { enable }` on the cluster (provider < 5) and null when
 * absent (provider 5 moved it to `aws_redshift_logging`, a resource of its own).
 */
export function redshiftAuditLogging(f: ResourceFormat, c: Obj): boolean | null {
  if (f === 'aws_config') return bool(at(c, 'supplementary.LoggingStatus.loggingEnabled'), null);
  if (f === 'cloudformation') return isObj(c.LoggingProperties) && (text(c.LoggingProperties.BucketName) !== null || text(c.LoggingProperties.LogDestinationType) !== null);
  const block = list(c.logging).filter(isObj)[0];
  return block === undefined ? null : bool(block.enable, false);
}

/** The AWS kinds of this file, with their type names in every format. */
export const AWS_SERVICE_KINDS: KindEntry[] = [
  { kind: 'aws.acm.certificate', types: ['AWS::ACM::Certificate', 'AWS::CertificateManager::Certificate', 'aws_acm_certificate'], build: acmCertificate },
  { kind: 'aws.cloudformation.stack', types: ['AWS::CloudFormation::Stack', 'aws_cloudformation_stack'], build: cloudFormationStack },
  { kind: 'aws.waf.web_acl', types: ['AWS::WAFv2::WebACL', 'AWS::WAF::WebACL', 'AWS::WAFRegional::WebACL', 'aws_wafv2_web_acl', 'aws_waf_web_acl', 'aws_wafregional_web_acl'], build: wafWebAcl },
  { kind: 'aws.lambda.permission', types: ['AWS::Lambda::Permission', 'aws_lambda_permission'], build: lambdaPermission },
  { kind: 'aws.redshift.parameter_group', types: ['AWS::Redshift::ClusterParameterGroup', 'aws_redshift_parameter_group'], build: redshiftParameterGroup },
];
