import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { findingId, findingHeader } from '../../core/finding-id.ts';
import type { KeyedState } from '../../core/state.ts';
import type { z } from 'zod';
import type { EventCountConfig } from './config.ts';

export const DETECTOR_NAME = 'event_count';

/** The state per entity key: how many of its events were processed. */
export interface EventCountState {
  count: number;
}

/**
 * A stateful counting detector: counts events per entity key and reports each time a key's count
 * reaches a multiple of `every`. Its findings and state are exact only when every event of a key
 * reaches the same instance, in order, exactly once, across thread crashes, rebalances and
 * restarts: the runtime's key affinity and durable state are what it checks. Off by default; it
 * exists for reliability tests and as a template.
 */
export class EventCountDetector implements Detector<ApiActivity> {
  readonly name = DETECTOR_NAME;
  private readonly state: KeyedState<EventCountState>;

  constructor(
    private readonly config: z.output<typeof EventCountConfig>,
    ctx: Pick<DetectorContext<EventCountState>, 'state'>,
  ) {
    this.state = ctx.state;
  }

  process(event: ApiActivity, meta: EventMeta): Finding[] {
    const count = (this.state.get(meta.key)?.count ?? 0) + 1;
    this.state.set(meta.key, { count });
    return count % this.config.every === 0 ? [milestone(meta.key, count, event)] : [];
  }
}
function milestone(key: string, count: number, e: ApiActivity): Finding {
  const id = findingId(DETECTOR_NAME, 'count_reached', key, [String(count)]);
  return {
    ...findingHeader(id, 2004, e.time, 'Informational', `${key} reached ${count} events`),
    finding_info: {
      uid: id,
      title: 'Event count reached',
      desc: 'The entity reached a multiple of the configured event count.',
      analytic: { uid: 'count_reached', name: 'Event count reached', type: 'Behavioral' },
      attacks: [],
      first_seen_time: e.time,
      last_seen_time: e.time,
      related_events: [{ uid: e.metadata.uid }],
    },
    detector: DETECTOR_NAME,
    rule: 'count_reached',
    entity: { kind: 'principal', key },
    count,
    evidences: [{ count }],
    cloud: { ...e.cloud },
  };
}
