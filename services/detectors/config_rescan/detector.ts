import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { findingId } from '../../core/finding-id.ts';
import type { RescanRequest } from '../../core/model/rescan-request.ts';
import { mutationFor, type MutationInput } from './catalogue.ts';
import type { ConfigRescanConfig } from './config.ts';

export const DETECTOR_NAME = 'config_rescan';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseObject(text: string | null): Obj {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

/** The account the resource lives in: the event's recipient account, else the caller's. */
function accountOf(e: ApiActivity, unmapped: Obj): string | null {
  const recipient = unmapped.recipientAccountId;
  return typeof recipient === 'string' && recipient !== '' ? recipient : (e.cloud.account_uid ?? e.actor.user.account_uid ?? null);
}

/**
 * The re-scan request an activity event asks for, or null: only successful AWS calls of the
 * catalogue (catalogue.ts) that name their resource. `derive` false leaves the event's stated
 * state out (a plain re-read).
 */
export function rescanRequestFor(e: ApiActivity, derive = true): RescanRequest | null {
  if (e.status !== 'Success' || e.cloud.provider !== 'AWS') return null;
  const mutation = mutationFor(e.api.service_name, e.api.operation);
  if (!mutation) return null;
  const unmapped = parseObject(e.unmapped);
  const raw = isObj(unmapped.requestParameters) || isObj(unmapped.responseElements) ? unmapped : parseObject(e.raw_data);
  const account = accountOf(e, unmapped);
  const input: MutationInput = {
    request: isObj(raw.requestParameters) ? raw.requestParameters : {},
    response: isObj(raw.responseElements) ? raw.responseElements : {},
    resources: e.resources,
    account,
  };
  const target = mutation.target(input);
  if (!target) return null;
  const region = mutation.resourceType.startsWith('AWS::IAM::') ? 'global' : e.cloud.region;
  const resourceKey = `${account ?? 'unknown'}/${region ?? 'unknown'}/${mutation.resourceType}/${target.resourceId ?? target.resourceName}`;
  return {
    id: findingId(DETECTOR_NAME, 'rescan', resourceKey, [e.metadata.uid]),
    type: 'config.rescan',
    resourceKey,
    resourceType: mutation.resourceType,
    resourceId: target.resourceId,
    resourceName: target.resourceName,
    account,
    // IAM is global: AWS Config records it in one region (the reader uses its own region).
    region: mutation.resourceType.startsWith('AWS::IAM::') ? null : e.cloud.region,
    time: e.time,
    derived: derive && mutation.derive ? mutation.derive(input, e.api.operation) : [],
    cause: { source: e.metadata.source, operation: `${e.api.service_name}:${e.api.operation}`, eventUid: e.metadata.uid, principal: e.actor.user.uid || null },
  };
}

/**
 * Stateless: every successful mutation of a resource the posture rules judge becomes a re-scan
 * request on the `rescan` side output (topics.rescan), keyed by the resource; no findings. The
 * aws_config_rescan role answers (services/collectors/aws_config_rescan).
 */
export class ConfigRescanDetector implements Detector<ApiActivity> {
  readonly name = DETECTOR_NAME;
  private readonly disabled: ReadonlySet<string>;

  constructor(
    private readonly config: ConfigRescanConfig,
    private readonly ctx: Pick<DetectorContext, 'emit'>,
  ) {
    this.disabled = new Set(config.disabledOperations);
  }

  process(event: ApiActivity, _meta: EventMeta): Finding[] {
    if (this.disabled.has(`${event.api.service_name}:${event.api.operation}`)) return [];
    const request = rescanRequestFor(event, this.config.derive);
    if (request) this.ctx.emit({ stream: 'rescan', key: request.resourceKey, value: request as unknown as { id: string; [field: string]: unknown } });
    return [];
  }
}
