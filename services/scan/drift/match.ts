/**
 * Pairs template resources with live AWS Config items by the identifiers of identifiers.ts. A
 * template resource is either matched (one live item), unmatched (named, but no live item carries
 * the name), ambiguous (several do), or not matchable (its name is unknown or computed).
 */
import { dirname } from 'node:path';
import { parseHcl, type HclExpr } from '../../collectors/config_files/index.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { parseConfiguration, resourceKind } from '../../rules/index.ts';
import { attributesFor } from './attributes.ts';
import { CFN_LOGICAL_ID_TAG, CFN_STACK_NAME_TAG, CLOUDFORMATION_NAMES, liveName, tagOf, TERRAFORM_NAMES, TERRAFORM_UNNAMED, type NameIdentifier } from './identifiers.ts';

/** A template resource paired with its live item. */
export interface DriftPair {
  template: ConfigState;
  live: ConfigState;
  /** How the pair was made: `tag aws:cloudformation:logical-id=Web (stack web-prod)`, `name bucket="logs"`. */
  matchedBy: string;
}

/** A template resource without a live item, and why. */
export interface DriftUnpaired {
  template: ConfigState;
  status: 'unmatched' | 'ambiguous' | 'not_matchable';
  reason: string;
}

export interface MatchResult {
  pairs: DriftPair[];
  unpaired: DriftUnpaired[];
}

/** Options of matchResources. */
export interface MatchOptions {
  /** CloudFormation: only live items of this stack (`aws:cloudformation:stack-name`). */
  stackName?: string;
  /** The template files' text, for Terraform references (`bucket = aws_s3_bucket.b.id`). */
  sources?: ReadonlyMap<string, string>;
}

/** Whether drift compares any attribute of the template resource's kind. */
function comparable(t: ConfigState): boolean {
  if (t.resource.type === 'AWS::EC2::SecurityGroupIngress' || t.resource.type === 'AWS::EC2::SecurityGroupEgress') return false;
  return attributesFor(resourceKind(t.resource.type, t.location?.format === 'cloudformation' ? 'cloudformation' : 'terraform_plan')).length > 0;
}

const isTerraform = (e: ConfigState): boolean => e.location?.format === 'terraform_hcl' || e.location?.format === 'terraform_plan';

function unknownPaths(e: ConfigState): string[] {
  const u = parseConfiguration(e.unmapped).unknown;
  return Array.isArray(u) ? u.filter((x): x is string => typeof x === 'string') : [];
}

/** `aws_s3_bucket.b.id` (or `.bucket`) → `aws_s3_bucket.b`, else null. */
function referenceOf(expr: HclExpr, type: string, attributes: readonly string[]): string | null {
  if (expr.t !== 'attr' || !attributes.includes(expr.name)) return null;
  const inner = expr.obj;
  if (inner.t !== 'attr' || inner.obj.t !== 'var' || inner.obj.name !== type) return null;
  return `${type}.${inner.name}`;
}

/** For Terraform source files: `<file>#<address>` → the address its companion argument references. */
function companionReferences(sources: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, text] of sources) {
    if (!/\.tf$/i.test(file)) continue;
    let body;
    try {
      body = parseHcl(text);
    } catch {
      continue; // the scan reports the parse error
    }
    for (const b of body.blocks) {
      if (b.type !== 'resource' || b.labels.length !== 2) continue;
      const id = TERRAFORM_NAMES[b.labels[0]!];
      if (!id?.companionOf) continue;
      const attr = b.body.attributes.find((a) => a.name === id.argument);
      const ref = attr ? referenceOf(attr.expr, id.companionOf.type, id.companionOf.attributes) : null;
      if (ref) out.set(`${file}#${b.labels[0]}.${b.labels[1]}`, ref);
    }
  }
  return out;
}

function literalString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && !v.includes('(known after apply)') ? v : null;
}

/** Matches each AWS template resource to at most one live item. Non-AWS resources are left out. */
export function matchResources(templates: readonly ConfigState[], live: readonly ConfigState[], opts: MatchOptions = {}): MatchResult {
  const liveByType = new Map<string, Array<{ e: ConfigState; c: Record<string, unknown> }>>();
  for (const e of live) {
    const list = liveByType.get(e.resource.type) ?? [];
    list.push({ e, c: parseConfiguration(e.configuration) });
    liveByType.set(e.resource.type, list);
  }
  const refs = companionReferences(opts.sources ?? new Map());
  // A template does not know its stack: with items of several stacks in the live input, a logical id alone could name another stack's resource.
  const liveStacks = [...new Set(live.map((e) => tagOf(e, CFN_STACK_NAME_TAG)).filter((x): x is string => x !== null))].sort();
  const pairs: DriftPair[] = [];
  const unpaired: DriftUnpaired[] = [];

  const byName = (t: ConfigState, id: NameIdentifier, name: string, scope: string | null): void => {
    const candidates = (liveByType.get(id.liveType) ?? []).filter(({ e, c }) => liveName(e, id, c) === name && (scope === null || !id.liveScopeField || c[id.liveScopeField] === scope));
    const what = `${id.argument} = ${JSON.stringify(name)}${scope !== null ? ` in ${scope}` : ''}`;
    if (candidates.length === 1) pairs.push({ template: t, live: candidates[0]!.e, matchedBy: what });
    else if (candidates.length === 0) unpaired.push({ template: t, status: 'unmatched', reason: `no live ${id.liveType} with ${what}` });
    else unpaired.push({ template: t, status: 'ambiguous', reason: `${candidates.length} live ${id.liveType} items have ${what} (${candidates.map(({ e }) => e.resource.uid).join(', ')})${id.scopeArgument ? `; give ${id.scopeArgument} as a literal to tell them apart` : ''}` });
  };

  for (const t of templates) {
    if (t.source !== 'iac' || !t.location) continue;
    const type = t.resource.type;
    // Only resources drift compares something on; a standalone security-group rule is compared as part of its group.
    if (!comparable(t)) continue;
    const c = parseConfiguration(t.configuration);
    if (t.location.format === 'cloudformation') {
      if (!type.startsWith('AWS::')) continue;
      const logicalId = t.resource.name ?? '';
      const tagged = (liveByType.get(type) ?? []).filter(({ e }) => tagOf(e, CFN_LOGICAL_ID_TAG) === logicalId && (opts.stackName === undefined || tagOf(e, CFN_STACK_NAME_TAG) === opts.stackName));
      const stacks = [...new Set(tagged.map(({ e }) => tagOf(e, CFN_STACK_NAME_TAG) ?? '(no stack tag)'))];
      if (tagged.length > 0 && opts.stackName === undefined && liveStacks.length > 1) {
        unpaired.push({ template: t, status: 'ambiguous', reason: `the live items come from ${liveStacks.length} CloudFormation stacks (${liveStacks.slice(0, 5).join(', ')}${liveStacks.length > 5 ? ', …' : ''}); name the template's stack with --live-stack` });
        continue;
      }
      if (tagged.length === 1) {
        pairs.push({ template: t, live: tagged[0]!.e, matchedBy: `tag ${CFN_LOGICAL_ID_TAG}=${logicalId} (stack ${stacks[0]})` });
        continue;
      }
      if (tagged.length > 1) {
        unpaired.push({ template: t, status: 'ambiguous', reason: `${tagged.length} live ${type} items carry ${CFN_LOGICAL_ID_TAG}=${logicalId} (stacks ${stacks.join(', ')}); choose one with --live-stack` });
        continue;
      }
      const id = CLOUDFORMATION_NAMES[type];
      const name = id ? literalString(c[id.argument]) : null;
      if (id && name) {
        byName(t, id, name, id.scopeArgument ? literalString(c[id.scopeArgument]) : null);
        continue;
      }
      const ofType = liveByType.get(type) ?? [];
      const untagged = ofType.length > 0 && ofType.every(({ e }) => /^BatchGet(Aggregate)?ResourceConfig$/.test(e.metadata.log_name ?? ''));
      unpaired.push({
        template: t,
        status: 'unmatched',
        reason: `no live ${type} carries ${CFN_LOGICAL_ID_TAG}=${logicalId}${opts.stackName ? ` in stack ${opts.stackName}` : ''}${id ? ` and ${id.argument} is not a literal` : ''}${untagged ? ' (the live items come from BatchGetResourceConfig, which returns no tags: use a configuration snapshot or GetResourceConfigHistory)' : ''}`,
      });
      continue;
    }
    if (!isTerraform(t) || !type.startsWith('aws_')) continue;
    const id = TERRAFORM_NAMES[type];
    if (!id) {
      const why = TERRAFORM_UNNAMED[type];
      if (why) unpaired.push({ template: t, status: 'not_matchable', reason: why });
      continue;
    }
    const unknown = unknownPaths(t);
    let name = literalString(c[id.argument]);
    if (name === null && id.companionOf) {
      const ref = refs.get(`${t.location.file}#${t.resource.name ?? ''}`);
      const target = ref ? templates.find((o) => o.resource.name === ref && o.location && dirname(o.location.file) === dirname(t.location!.file)) : undefined;
      name = target ? literalString(parseConfiguration(target.configuration)[TERRAFORM_NAMES[id.companionOf.type]!.argument]) : null;
      if (name === null) {
        unpaired.push({ template: t, status: 'not_matchable', reason: ref ? `${id.argument} references ${ref}, whose ${TERRAFORM_NAMES[id.companionOf.type]!.argument} is not a literal` : `${id.argument} is not a literal or a reference to a ${id.companionOf.type}` });
        continue;
      }
    }
    if (name === null) {
      const why = unknown.includes(id.argument) ? `${id.argument} is known only at apply time` : c[`${id.argument}_prefix`] !== undefined ? `${id.argument}_prefix: Terraform generates the name` : `no ${id.argument}: Terraform generates the name`;
      unpaired.push({ template: t, status: 'not_matchable', reason: why });
      continue;
    }
    const scope = id.scopeArgument ? literalString(c[id.scopeArgument]) : null;
    byName(t, id, name, scope);
  }
  return { pairs, unpaired };
}
