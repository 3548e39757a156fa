/**
 * Compares a template resource with its live item on the attributes of attributes.ts. A value the
 * template does not know (a Terraform variable without a default, a value known only at apply
 * time, a CloudFormation `!Ref` / `Fn::…`) never counts as drift. The live side is rated with
 * config_drift's risk signals: a risk the live configuration has and the template does not.
 */
import type { ConfigState } from '../../core/model/config-state.ts';
import { maskValue } from '../../detectors/config_drift/diff.ts';
import { riskSignals } from '../../detectors/config_drift/risks.ts';
import { configStateView, parseConfiguration, type PermissionView, type ResourceView, type RuleSeverity } from '../../rules/index.ts';
import { attributesFor, type AttributeSpec } from './attributes.ts';

/** One attribute whose live value differs from the template's. */
export interface DriftDifference {
  attribute: string;
  title: string;
  /** The template's value as JSON text, secret-looking values masked. */
  template_value: string;
  /** The live value as JSON text, secret-looking values masked. */
  live_value: string;
  severity: RuleSeverity;
  /** The live risk that sets the severity (config_drift signal title), or null when the live side adds none. */
  live_risk: string | null;
}

const RANK: Record<RuleSeverity, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };
const MAX_VALUE_CHARS = 400;

/** JSON text of a value with secret-looking keys and values masked (config_drift's maskValue) and a length cap. */
export function maskedJson(value: unknown): string {
  const s = JSON.stringify(value, (key, v: unknown) => (typeof v === 'string' ? maskValue(key, v) : v)) ?? 'null';
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A CloudFormation intrinsic (`{"Ref": …}`, `{"Fn::…": …}`) anywhere in a value. */
function hasIntrinsic(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasIntrinsic);
  if (v === null || typeof v !== 'object') return false;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return true;
  return Object.values(v).some(hasIntrinsic);
}

/** The template format family the attribute paths are written for. */
function familyOf(e: ConfigState): 'cloudformation' | 'terraform_plan' | null {
  const f = e.location?.format;
  if (f === 'cloudformation') return 'cloudformation';
  if (f === 'terraform_plan' || f === 'terraform_hcl') return 'terraform_plan';
  return null;
}

/** Why the template's value of an attribute is not judged (unstated or unknown), or null when it is. */
export function templateGap(spec: AttributeSpec, e: ConfigState, config: Record<string, unknown>): string | null {
  const family = familyOf(e);
  if (family === null) return 'not a CloudFormation or Terraform resource';
  const paths = spec.paths[family];
  const unknown = parseConfiguration(e.unmapped).unknown;
  const unknownPaths = Array.isArray(unknown) ? unknown.filter((u): u is string => typeof u === 'string') : [];
  for (const p of paths) {
    if (unknownPaths.some((u) => u === p || u.startsWith(`${p}.`) || u.startsWith(`${p}[`) || u.startsWith(`${p} `))) return `${p} is known only at apply time`;
    if (family === 'cloudformation' && !spec.intrinsicsAllowed && hasIntrinsic(at(config, p))) return `${p} is an intrinsic function (a parameter or another resource's attribute)`;
  }
  const stated = paths.some((p) => at(config, p) !== undefined);
  if (!stated && !(spec.always ?? []).includes(family)) return 'not stated in the template';
  return null;
}

/**
 * The views of a CloudFormation security group's standalone ingress resources
 * (AWS::EC2::SecurityGroupIngress whose GroupId references it): their rules belong to the group.
 */
function standaloneIngress(template: ConfigState, all: readonly ConfigState[]): { views: ResourceView[]; unknown: boolean } {
  if (template.location?.format !== 'cloudformation' || template.resource.type !== 'AWS::EC2::SecurityGroup') return { views: [], unknown: false };
  const rules = all.filter((o) => o.resource.type === 'AWS::EC2::SecurityGroupIngress' && o.location?.file === template.location?.file && o.relationships.some((r) => r.uid === template.resource.uid));
  // A rule whose CIDR, ports or protocol is a parameter makes the group's ingress unknown.
  const unknown = rules.some((o) => {
    const c = parseConfiguration(o.configuration);
    return ['CidrIp', 'CidrIpv6', 'FromPort', 'ToPort', 'IpProtocol'].some((k) => hasIntrinsic(c[k]));
  });
  return { views: rules.map(configStateView), unknown };
}

/**
 * AWS Config records each IPv4 range of a permission twice (`ipRanges` and `ipv4Ranges`), and the
 * view reads both: CIDRs are made unique so the two sides' risk signals have the same keys.
 */
function withUniqueCidrs(v: ResourceView): ResourceView {
  if (!Array.isArray(v.ingress)) return v;
  return { ...v, ingress: (v.ingress as PermissionView[]).map((p) => ({ ...p, cidrs: [...new Set(p.cidrs)] })) };
}

function severityOf(spec: AttributeSpec, tView: ResourceView, lView: ResourceView, t: unknown, l: unknown): { severity: RuleSeverity; risk: string | null } {
  if (spec.risk) {
    const before = new Set(riskSignals(tView).map((s) => s.key));
    const introduced = riskSignals(lView).filter((s) => spec.risk!(s.key) && !before.has(s.key));
    if (introduced.length > 0) {
      const worst = introduced.reduce((a, b) => (RANK[b.severity] > RANK[a.severity] ? b : a));
      return { severity: worst.severity, risk: worst.title };
    }
  }
  return { severity: spec.severity ? spec.severity(t, l) : 'low', risk: null };
}

/**
 * The security-relevant differences between a template resource and its live item. `templates`
 * are all the scanned template resources (a CloudFormation group's standalone ingress rules are
 * merged into it).
 */
export function compareResources(template: ConfigState, live: ConfigState, templates: readonly ConfigState[] = []): DriftDifference[] {
  const tView = withUniqueCidrs(configStateView(template));
  const lView = withUniqueCidrs(configStateView(live));
  const config = parseConfiguration(template.configuration);
  const standalone = standaloneIngress(template, templates);
  const extra = standalone.views;
  if (extra.length > 0) tView.ingress = [...((tView.ingress as unknown[]) ?? []), ...extra.flatMap((v) => (v.ingress as unknown[]) ?? [])];
  const out: DriftDifference[] = [];
  for (const spec of attributesFor(tView.kind)) {
    if (spec.attribute === 'ingress' && standalone.unknown) continue;
    if (templateGap(spec, template, config) !== null && !(spec.attribute === 'ingress' && extra.length > 0)) continue;
    const t = spec.template(tView);
    if (t === undefined) continue;
    const l = spec.live(lView, t);
    if (l === undefined) continue;
    if (JSON.stringify(t) === JSON.stringify(l)) continue;
    const { severity, risk } = severityOf(spec, tView, lView, t, l);
    out.push({ attribute: spec.attribute, title: spec.title, template_value: maskedJson(t), live_value: maskedJson(l), severity, live_risk: risk });
  }
  return out;
}
