/**
 * The load test's corpus: a mixed feed with ground truth, encoded as the collectors publish it
 * (Avro with the Confluent wire format, keyed by the stream's entity), in the order it is produced.
 *
 * CloudTrail comes from the labelled activity generator (`loadtest/activity/`: a Zipf population
 * with its own multi-event attacks, counted but not required); Kubernetes audit, Azure Activity and
 * AWS Config records are native records (feeds.ts) run through the real collectors; flows come from
 * the microservice flow generator (`loadtest/flows/`). One event in `attackEvery` of the
 * CloudTrail, Kubernetes and Azure feeds is an injected attack whose rule (feeds.ts ATTACK_RULES)
 * must fire: those events are the ones whose event-to-finding latency is measured.
 * Every event uid is unique in the corpus (checked: a repeat throws).
 */
import type { Collector } from '../../services/core/components.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { STREAMS, type StreamName } from '../../services/core/streams.ts';
import { k8sAuditCollector } from '../../services/collectors/k8s_audit/index.ts';
import { azureActivityCollector } from '../../services/collectors/azure_activity/index.ts';
import { awsConfigCollector } from '../../services/collectors/aws_config/index.ts';
import { generateActivity } from '../activity/generate.ts';
import { apiCall } from '../activity/events.ts';
import { Rng } from '../activity/rng.ts';
import { flowGenerator } from '../flows/generator.ts';
import { shopTopology } from '../flows/topology.ts';
import { ATTACK_RULES, FEED_MIX, FEEDS, awsConfigRecord, azureActivityRecord, k8sAuditRecord, type Feed } from './feeds.ts';

/** One message of the corpus. */
export interface CorpusMessage {
  feed: Feed;
  stream: StreamName;
  key: string;
  /** Avro, Confluent framing (magic byte, schema id), as the collector publishes it. */
  value: Buffer;
  uid: string;
  /** The rule expected to fire on this event (an injected attack), or null. */
  expectRule: string | null;
  /** The record as one NDJSON line (native record; CloudTrail and flows: the normalized event), for the anchors. */
  line: string;
}

export interface Corpus {
  messages: CorpusMessage[];
  byFeed: Record<Feed, number>;
  injected: number;
  /** Attacks of the activity generator whose events are in the corpus (their findings are not required). */
  generatorAttackEvents: number;
  ndjsonBytes: number;
}

export interface CorpusOptions {
  count: number;
  seed: number;
  /** One injected attack per this many events of the cloudtrail, k8s_audit and azure_activity feeds. */
  attackEvery: number;
  /** Prefix of every generated uid (keeps runs on shared topics apart). */
  prefix: string;
}

/** Runs one native record through a collector; the single event it yields (a dead letter is an error here). */
function collectOne(collector: Collector, record: unknown, name: string): { stream: StreamName; key: string; event: { metadata: { uid: string } } } {
  const outs = [...collector.collect({ name, bytes: Buffer.from(JSON.stringify(record)) })];
  const ev = outs.find((o) => o.kind === 'event');
  if (!ev || ev.kind !== 'event') {
    const dl = outs.find((o) => o.kind === 'dead_letter');
    throw new Error(`${collector.type} rejected a generated record: ${dl && dl.kind === 'dead_letter' ? dl.reason : 'no event'}`);
  }
  return { stream: ev.stream, key: ev.key, event: ev.event as unknown as { metadata: { uid: string } } };
}

const ATTACKER = { uid: 'arn:aws:iam::210987654321:user/svc-backup', name: 'svc-backup', type: 'IAMUser' as const, account: '210987654321', accessKeyId: 'AKIAEXAMPLELOADTEST1', issuer: null };

export async function buildCorpus(o: CorpusOptions): Promise<Corpus> {
  const rng = Rng.derive(o.seed, 'scale');
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const k8s = k8sAuditCollector();
  const azure = azureActivityCollector();
  const config = awsConfigCollector();
  const cumulative: Array<[Feed, number]> = [];
  let acc = 0;
  for (const f of FEEDS) cumulative.push([f, (acc += FEED_MIX[f])]);
  // The CloudTrail generator: about as many events as the corpus needs from it, over 3 days.
  const ct = generateActivity({ seed: o.seed, principals: 2_000, accounts: 8, days: 3, learnDays: 1, perKind: 2, events: Math.ceil(o.count * FEED_MIX.cloudtrail * 1.2) + 1000 });
  const ctIter = ct.events();
  const flows = flowGenerator({ topology: shopTopology(), seed: o.seed, start: Date.UTC(2024, 0, 1), durationMs: 6 * 3600_000, rateScale: Math.max(1, (o.count * FEED_MIX.flows) / 20_000) }).flows();
  const start = Date.UTC(2024, 0, 2);
  const seen = new Set<string>();
  const messages: CorpusMessage[] = [];
  const byFeed = Object.fromEntries(FEEDS.map((f) => [f, 0])) as Record<Feed, number>;
  const attackCount: Partial<Record<Feed, number>> = {};
  let injected = 0;
  let generatorAttackEvents = 0;
  let ndjsonBytes = 0;
  for (let n = 0; n < o.count; n++) {
    const u = rng.next();
    let feed: Feed = cumulative.find(([, c]) => u < c)?.[0] ?? 'cloudtrail';
    const t = start + n * 10;
    // Every attackEvery-th event of a feed with an injection is the attack.
    const fc = byFeed[feed] + 1;
    const attack = ATTACK_RULES[feed] !== undefined && fc % o.attackEvery === Math.floor(o.attackEvery / 2);
    let stream: StreamName;
    let key: string;
    let event: unknown;
    let uid: string;
    let line: string;
    if (feed === 'cloudtrail') {
      let ev: ApiActivity;
      if (attack) {
        ev = apiCall({ time: t, uid: `${o.prefix}-ct-attack-${n}`, identity: ATTACKER, op: 'cloudtrail:StopLogging', region: 'eu-west-1', ip: '198.51.100.77', host: null, userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0', errorCode: null, mfa: false, resources: [{ uid: 'arn:aws:cloudtrail:eu-west-1:210987654321:trail/org-trail', type: 'AWS::CloudTrail::Trail', name: 'org-trail' }] });
      } else {
        let next = ctIter.next();
        if (next.done) throw new Error('the CloudTrail generator ran out of events');
        if (next.value.attack) generatorAttackEvents++;
        ev = { ...next.value.event, time: Math.round(next.value.event.time), metadata: { ...next.value.event.metadata, uid: `${o.prefix}-ct-${next.value.event.metadata.uid}` } };
      }
      stream = 'activity';
      key = ev.actor.user.uid;
      event = ev;
      uid = ev.metadata.uid;
      line = JSON.stringify(ev);
    } else if (feed === 'flows') {
      const f = flows.next();
      if (f.done) {
        feed = 'flows';
        throw new Error('the flow generator ran out of flows');
      }
      const ev = { ...f.value.event, time: Math.round(f.value.event.time), metadata: { ...f.value.event.metadata, uid: `${o.prefix}-fl-${n}` } };
      stream = 'flow';
      key = f.value.key;
      event = ev;
      uid = ev.metadata.uid;
      line = JSON.stringify(ev);
    } else {
      const record = feed === 'k8s_audit' ? k8sAuditRecord(rng, t, attack) : feed === 'azure_activity' ? azureActivityRecord(rng, t, attack) : awsConfigRecord(rng, t, n);
      const out = collectOne(feed === 'k8s_audit' ? k8s : feed === 'azure_activity' ? azure : config, record, `${feed}-${n}`);
      stream = out.stream;
      key = out.key;
      event = out.event;
      uid = out.event.metadata.uid;
      line = JSON.stringify(record);
    }
    if (seen.has(uid)) throw new Error(`duplicate event uid in the corpus: ${uid}`);
    seen.add(uid);
    let value: Buffer;
    try {
      value = await codec.encode(`loadtest.${stream}`, STREAMS[stream].schema, event);
    } catch (e) {
      throw new Error(`${feed} event ${uid} does not encode: ${(e as Error).message}`, { cause: e });
    }
    byFeed[feed]++;
    if (attack) {
      injected++;
      attackCount[feed] = (attackCount[feed] ?? 0) + 1;
    }
    ndjsonBytes += line.length + 1;
    messages.push({ feed, stream, key, value, uid, expectRule: attack ? ATTACK_RULES[feed]! : null, line });
  }
  return { messages, byFeed, injected, generatorAttackEvents, ndjsonBytes };
}
