import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { SluiceError } from '../../core/errors.ts';
import type { KeyedState } from '../../core/state.ts';
import { configStateView, loadRulePacks, ResourceRuleSet, type CompiledRule } from '../../rules/index.ts';
import { executorAction, remediationAction, revokeIngressTarget, worldCidrs, type IngressPermission } from '../../core/actions.ts';
import type { PostureConfig } from './config.ts';
import { DETECTOR_NAME, postureFinding } from './finding.ts';

/** Per-resource state: the ids of the rules the resource fails now. */
export interface PostureState {
  v: 1;
  /** Sorted rule ids, at most maxRulesPerResource. */
  failing: string[];
}

/** Counters for tests and benchmarks. */
export interface PostureStats {
  events: number;
  evaluated: number;
  errors: number;
  skipped: number;
}

/** Loads the posture rules of the configured packs (resource rules only, disabled ones left out). */
export function loadPostureRules(config: Pick<PostureConfig, 'packs' | 'disabledRules'>): CompiledRule[] {
  const all = loadRulePacks(config.packs).filter((r) => r.input === 'resource');
  const ids = new Set(all.map((r) => r.id));
  const unknown = config.disabledRules.filter((id) => !ids.has(id));
  if (unknown.length > 0) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `detectors.posture.disabledRules names unknown rules: ${unknown.join(', ')}`);
  const off = new Set(config.disabledRules);
  return all.filter((r) => !off.has(r.id));
}

/**
 * Evaluates the posture rules on each configuration change and reports only transitions: a rule
 * the resource starts failing (a Compliance finding with status fail, plus a remediation action
 * when the rule has a remediation) and a failure that is resolved (status pass: the rule passes,
 * or the resource is deleted). A rule whose condition errors keeps its previous status.
 */
export class PostureDetector implements Detector<ConfigState> {
  readonly name = DETECTOR_NAME;
  private readonly rules: ResourceRuleSet;
  private readonly byId: Map<string, CompiledRule>;
  private readonly state: KeyedState<PostureState>;
  private readonly counters: PostureStats = { events: 0, evaluated: 0, errors: 0, skipped: 0 };

  constructor(
    private readonly config: PostureConfig,
    private readonly ctx: Pick<DetectorContext<PostureState>, 'state' | 'emit'>,
    rules?: readonly CompiledRule[],
  ) {
    this.rules = new ResourceRuleSet(rules ?? loadPostureRules(config));
    this.byId = new Map(this.rules.rules.map((r) => [r.id, r]));
    this.state = ctx.state;
  }

  stats(): PostureStats {
    return { ...this.counters };
  }

  process(e: ConfigState, meta: EventMeta): Finding[] {
    this.counters.events++;
    const prev = this.state.get(meta.key);
    const before = new Set(prev?.failing ?? []);
    if (e.change_type === 'delete') {
      const out = [...before].flatMap((id) => {
        const r = this.byId.get(id);
        return r ? [postureFinding(r, 'pass', e, meta, 'resource deleted')] : [];
      });
      if (prev) this.state.delete(meta.key);
      return out;
    }
    if (e.configuration === null) {
      // Oversized or over the cap: the configuration is unknown, statuses stay as they were.
      this.counters.skipped++;
      return [];
    }
    const view = configStateView(e);
    const ev = this.rules.evaluate(view);
    this.counters.evaluated += ev.failed.length + ev.passed.length + ev.errors.length;
    this.counters.errors += ev.errors.length;
    const findings: Finding[] = [];
    const after = new Set(before);
    for (const r of ev.failed) {
      if (before.has(r.id)) continue;
      const f = postureFinding(r, 'fail', e, meta, 'configuration fails the rule');
      findings.push(f);
      after.add(r.id);
      if (this.config.remediationActions && r.remediation) {
        this.ctx.emit(
          remediationAction({
            detector: DETECTOR_NAME,
            rule: r.id,
            title: r.title,
            severity: r.severity,
            resourceUid: e.resource.uid,
            resourceType: e.resource.type,
            remediation: r.remediation,
            findingId: f.id,
            eventUid: e.metadata.uid,
            time: e.time,
          }),
        );
      }
      for (const a of executorActions(this.config, r, e, view, f)) this.ctx.emit(a);
    }
    for (const r of ev.passed) {
      if (!before.has(r.id)) continue;
      findings.push(postureFinding(r, 'pass', e, meta, 'configuration now passes'));
      after.delete(r.id);
    }
    // Rules that no longer apply (the kind changed, the rule was removed): dropped silently.
    for (const id of after) if (!this.byId.has(id)) after.delete(id);
    const failing = [...after].sort().slice(0, this.config.maxRulesPerResource);
    if (failing.length === 0) {
      if (prev) this.state.delete(meta.key);
    } else if (!prev || failing.join('\n') !== prev.failing.join('\n')) {
      this.state.set(meta.key, { v: 1, failing });
    }
    return findings;
  }
}

/** The world-open ingress a security-group rule is about (the permissions its failure points at). */
const WORLD_OPEN_RULES: Readonly<Record<string, (p: IngressPermission) => boolean>> = {
  'posture.aws.ec2.sg_ssh_open_to_world': (p) => covers(p, 22),
  'posture.aws.ec2.sg_rdp_open_to_world': (p) => covers(p, 3389),
  'posture.aws.ec2.sg_all_traffic_open_to_world': (p) => p.protocol === '-1' || (p.from_port === 0 && p.to_port === 65535),
  'posture.aws.ec2.sg_admin_ports_open_ipv6': (p) => p.cidrs.includes('::/0') && (covers(p, 22) || covers(p, 3389)),
  'posture.aws.ec2.sg_database_ports_open_to_world': (p) => p.protocol === 'tcp' && [3306, 5432, 1433, 1521, 27017, 6379, 9200, 5984, 9042].some((port) => p.from_port <= port && p.to_port >= port),
};
const PUBLIC_BUCKET_RULES = new Set(['posture.aws.s3.public_access_block_disabled', 'posture.aws.s3.acl_public', 'posture.aws.s3.policy_public']);

function covers(p: IngressPermission, port: number): boolean {
  return (p.protocol === '-1' || p.protocol === 'tcp') && p.from_port <= port && p.to_port >= port;
}

/**
 * Executor actions for a new failure (config `actions`, default off): revoke_ingress per world-open
 * permission behind a security-group rule, block_public_access for a public bucket. Live AWS
 * Config items only: an IaC template is not a deployed resource.
 */
function executorActions(config: PostureConfig, r: CompiledRule, e: ConfigState, view: { format: string; ingress?: unknown }, f: Finding): ReturnType<typeof executorAction>[] {
  if (view.format !== 'aws_config') return [];
  const common = { detector: DETECTOR_NAME, rule: r.id, resourceUid: e.resource.uid, account: e.resource.account_uid, region: e.resource.region, reason: `${r.title} (${r.id})`, findingId: f.id, eventUid: e.metadata.uid, time: e.time, severity: r.severity };
  const world = WORLD_OPEN_RULES[r.id];
  if (world && config.actions.revokeIngress) {
    const groupId = /security-group\/(sg-[0-9a-f]{8,17})$/.exec(e.resource.uid)?.[1];
    if (!groupId) return [];
    const perms = Array.isArray(view.ingress) ? (view.ingress as IngressPermission[]) : [];
    const ipv6Only = r.id === 'posture.aws.ec2.sg_admin_ports_open_ipv6';
    return perms
      .filter((p) => worldCidrs(p).length > 0 && world(p))
      .map((p) => executorAction({ ...common, action: 'revoke_ingress', target: { ...revokeIngressTarget(groupId, p, e.resource.uid), ...(ipv6Only ? { cidr: '::/0' } : {}) } }));
  }
  if (PUBLIC_BUCKET_RULES.has(r.id) && config.actions.blockPublicAccess) {
    const bucket = /^arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(e.resource.uid)?.[1];
    return bucket ? [executorAction({ ...common, action: 'block_public_access', target: { bucket } })] : [];
  }
  return [];
}
