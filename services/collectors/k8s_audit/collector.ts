import type { Collector, CollectorInput, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import type { ApiActivity } from '../../core/events.ts';
import { collectReject, splitInputSafely } from '../input.ts';
import type { K8sAuditConfig } from './config.ts';
import { isObj, typeName, type Obj } from './fields.ts';
import {
  normalizeK8sAudit,
  normalizeK8sAuditEvent,
  SOURCE_TYPE,
  type K8sContext,
  type K8sNormalizeOptions,
} from './normalize.ts';

/** EventList (`items`) and Azure diagnostics (`records`, AKS) wrap records in these keys. */
export const K8S_AUDIT_ENVELOPE_KEYS: readonly string[] = ['items', 'records'];

/** A k8s_audit collector; `collectItems` serves the webhook (items of an already parsed EventList). */
export interface K8sAuditCollector extends Collector {
  collectItems(name: string, items: readonly unknown[]): CollectorOutput[];
}

export interface K8sAuditCollectorDeps {
  /** Source of the ingest time used for events without a time (config missingTime: ingest_time). */
  clock?: Clock;
}

const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => collectReject(SOURCE_TYPE, position, reasonCode, reason, raw);

function verdict(err: unknown): [ErrorCode, string] {
  // A SluiceError is a verdict on the record. Anything else is a normalizer bug: the record still
  // goes to the dead-letter stream (with the bug's message) rather than stopping the feed.
  return err instanceof SluiceError
    ? [err.code, err.message]
    : ['SLUICE_ERR_INPUT_MALFORMED', `normalizer failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`];
}

/**
 * A CloudWatch Logs subscription payload (how EKS control-plane logs reach Firehose, Kinesis or
 * Lambda): `{"messageType","owner","logGroup","logStream","logEvents":[{"id","timestamp","message"}]}`.
 */
export function isCloudWatchLogsEnvelope(value: unknown): boolean {
  return isObj(value) && Array.isArray(value.logEvents) && (typeof value.messageType === 'string' || typeof value.logGroup === 'string');
}

/** `/aws/eks/<cluster>/cluster` -> cluster. */
export function eksClusterOfLogGroup(logGroup: string | null): string | null {
  if (logGroup === null) return null;
  return /^\/aws\/eks\/([^/]+)\/cluster$/.exec(logGroup)?.[1] ?? null;
}

/**
 * Builds the collector from an already validated config (see parseK8sAuditConfig).
 * collect() is lazy and never throws on bad input: every record comes out either as an event on the
 * 'activity' stream keyed by principal (actor.user.uid) or as a RejectedRecord. Positions are
 * `<input name>#<index>`, counting every output of the input in order (a CloudWatch envelope or an
 * EventList gives one position per event).
 */
export function createK8sAuditCollector(config: K8sAuditConfig, deps: K8sAuditCollectorDeps = {}): K8sAuditCollector {
  const clock = deps.clock ?? systemClock;
  const splitOpts = { envelopeKeys: K8S_AUDIT_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };
  const normalizeOpts = (): K8sNormalizeOptions => ({
    rawCapBytes: config.rawCapBytes,
    unmappedCapBytes: config.unmappedCapBytes,
    objectCapBytes: config.objectCapBytes,
    stages: config.stages,
    ingestTime: config.missingTime === 'ingest_time' ? clock.now() : null,
    defaults: { provider: config.provider, cluster: config.cluster, accountUid: config.accountUid, region: config.region },
  });

  const event = (e: ApiActivity, position: string): CollectorOutput => ({ kind: 'event', stream: 'activity', key: e.actor.user.uid, event: e, position });

  function* expandCloudWatch(env: Obj, opts: K8sNormalizeOptions, pos: () => string, where: string, raw: Buffer): Generator<CollectorOutput> {
    if (env.messageType === 'CONTROL_MESSAGE') {
      yield reject(pos(), 'SLUICE_ERR_INPUT_MALFORMED', `${where}CloudWatch Logs CONTROL_MESSAGE (a destination health check) carries no audit events`, raw);
      return;
    }
    const logGroup = typeof env.logGroup === 'string' ? env.logGroup : null;
    const cluster = eksClusterOfLogGroup(logGroup);
    const wrapperBase: Obj = {};
    for (const k of ['logGroup', 'logStream', 'owner', 'subscriptionFilters']) if (env[k] !== undefined) wrapperBase[k] = env[k];
    const logEvents = env.logEvents as unknown[];
    for (let i = 0; i < logEvents.length; i++) {
      const le: unknown = logEvents[i];
      const at = `${where}logEvents[${i}]`;
      if (!isObj(le) || typeof le.message !== 'string') {
        const got = isObj(le) ? `message is ${typeName(le.message)}` : `it is ${typeName(le)}`;
        yield reject(pos(), 'SLUICE_ERR_INPUT_MALFORMED', `${at}: a log event needs a string message, ${got}`, Buffer.from(JSON.stringify(le) ?? 'null'));
        continue;
      }
      const rawMessage = Buffer.from(le.message, 'utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(le.message);
      } catch (err) {
        yield reject(pos(), 'SLUICE_ERR_INPUT_MALFORMED', `${at}.message is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, rawMessage);
        continue;
      }
      const ts = typeof le.timestamp === 'number' && Number.isFinite(le.timestamp) ? le.timestamp : null;
      const ctx: Partial<K8sContext> = {
        provider: cluster !== null ? 'EKS' : config.provider,
        cluster: cluster ?? config.cluster,
        accountUid: typeof env.owner === 'string' && env.owner !== '' ? env.owner : config.accountUid,
        logName: logGroup,
        transportTime: ts === null || Number.isNaN(new Date(ts).getTime()) ? null : { ms: ts, text: new Date(ts).toISOString() },
        wrapper: { key: 'cloudwatch', fields: { ...wrapperBase, ...(le.id !== undefined ? { id: le.id } : {}) } },
      };
      const position = pos();
      try {
        yield event(normalizeK8sAuditEvent(parsed, ctx, opts), position);
      } catch (err) {
        const [code, reason] = verdict(err);
        yield reject(position, code, `${at}: ${reason}`, rawMessage);
      }
    }
  }

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const opts = normalizeOpts();
    let index = 0;
    const pos = (): string => `${input.name}#${index++}`;
    for (const item of splitInputSafely(input, splitOpts)) {
      if (item.kind === 'error') {
        yield reject(pos(), item.error.code, item.error.reason, item.raw);
        continue;
      }
      const where = item.line === undefined ? '' : `line ${item.line}: `;
      if (isCloudWatchLogsEnvelope(item.value)) {
        yield* expandCloudWatch(item.value as Obj, opts, pos, where, item.raw);
        continue;
      }
      const position = pos();
      try {
        yield event(normalizeK8sAudit(item.value, opts), position);
      } catch (err) {
        const [code, reason] = verdict(err);
        yield reject(position, code, `${where}${reason}`, item.raw);
      }
    }
  }

  function collectItems(name: string, items: readonly unknown[]): CollectorOutput[] {
    const opts = normalizeOpts();
    const out: CollectorOutput[] = [];
    items.forEach((item, i) => {
      const position = `${name}#${i}`;
      try {
        // Webhook events are native Events from this cluster: the configured context applies.
        out.push(event(normalizeK8sAuditEvent(item, {}, opts), position));
      } catch (err) {
        const [code, reason] = verdict(err);
        let raw: Buffer;
        try {
          raw = Buffer.from(JSON.stringify(item) ?? 'null', 'utf8');
        } catch {
          raw = Buffer.alloc(0);
        }
        out.push(reject(position, code, `items[${i}]: ${reason}`, raw));
      }
    });
    return out;
  }

  return { type: SOURCE_TYPE, collect, collectItems };
}
