import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../../core/action-signing.ts';
import type { AvroCodec } from '../../core/avro/codec.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import type { SluiceConfig } from '../../core/config.ts';
import type { DeadLetterWriter } from '../../core/dead-letter.ts';
import type { Logger } from '../../core/logger.ts';
import { parseRescanRequest, type RescanRequest } from '../../core/model/rescan-request.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { ConsumedBatch, Consumer, Producer, Transport } from '../../core/transport.ts';
import { EventPublisher } from '../publisher.ts';
import type { AwsConfigRescanConfig } from './config.ts';
import { regionalReaders, type ConfigItemReader } from './reader.ts';
import { Rescanner } from './rescanner.ts';

export const SOURCE_TYPE = 'aws_config_rescan';

export interface ConfigRescanServiceDeps {
  transport: Transport;
  codec: AvroCodec;
  deadLetters: DeadLetterWriter;
  /** The whole config: topics (rescan, config, dead letters). */
  app: SluiceConfig;
  /** `collectors.aws_config_rescan`. */
  config: AwsConfigRescanConfig;
  logger: Logger;
  telemetry: Telemetry;
  clock?: Clock;
  /** AWS Config per region; default the SDK client with `config.endpoint` and the default credentials. */
  readerFor?: (region: string) => ConfigItemReader;
  /** How often postponed reads are checked (default 1 s). */
  tickMs?: number;
}

/**
 * The aws_config_rescan role: a consumer group over topics.rescan. Each batch's requests go to
 * the Rescanner; the items it returns are published on the config topic (Avro, keyed by resource
 * uid) before the batch is committed, so a crash re-reads them. Reads postponed because AWS Config
 * has not recorded a change yet are held in memory and retried on a timer: after a crash they are
 * lost, and the resource's own AWS Config change notification (aws_config collector) covers it.
 * A record that is not a valid request is dead-lettered with the reason.
 */
export class ConfigRescanService {
  readonly rescanner: Rescanner;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private publisher: EventPublisher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Serializes batches and timer reads (both change the rescanner's pending set). */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  constructor(private readonly deps: ConfigRescanServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.rescanner = new Rescanner(deps.config, deps.readerFor ?? regionalReaders(deps.config.endpoint ? { endpoint: deps.config.endpoint } : {}), this.clock);
  }

  async start(): Promise<Consumer> {
    const { app, config } = this.deps;
    this.producer = await this.deps.transport.producer();
    this.publisher = new EventPublisher({ source: SOURCE_TYPE, producer: this.producer, codec: this.deps.codec, deadLetters: this.deps.deadLetters, topics: app.topics, telemetry: this.deps.telemetry });
    const consumer = await this.deps.transport.consumer({ groupId: config.groupId, topics: [app.topics.rescan], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.serial(() => this.handleBatch(batch)));
    this.timer = setInterval(() => {
      const due = this.rescanner.nextDue();
      if (due !== null && due <= this.clock.now()) void this.serial(() => this.readPostponed()).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'config rescan: postponed reads failed'));
    }, this.deps.tickMs ?? 1000);
    this.timer.unref();
    return consumer;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Parses the batch's requests (invalid ones dead-lettered), reads what is due, publishes, then returns (commit). */
  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const requests: RescanRequest[] = [];
    const outputs: CollectorOutput[] = [];
    for (const m of batch.messages) {
      if (m.tombstone) continue;
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      let parsed: ReturnType<typeof parseRescanRequest>;
      try {
        parsed = parseRescanRequest(JSON.parse(m.value.toString('utf8')) as unknown);
      } catch (err) {
        parsed = { ok: false, reason: `not JSON: ${(err as Error).message}` };
      }
      if (parsed.ok) {
        // A stated change is a claim about the resource: with the actions key configured, only a
        // request the processor signed may carry one; any other is read again instead (a re-read
        // only reads AWS Config, so an unsigned one can cost a call but cannot change a verdict).
        const key = this.deps.app.remediation.actionsKey;
        if (key && parsed.request.derived.length > 0 && actionSignatureProblem(key, batch.topic, m.key, m.value, m.headers[ACTION_SIGNATURE_HEADER]) !== null) {
          this.rescanner.counts.unsigned_derived++;
          requests.push({ ...parsed.request, derived: [] });
        } else {
          requests.push(parsed.request);
        }
      } else outputs.push({ kind: 'dead_letter', stage: 'collect', source: SOURCE_TYPE, position, reasonCode: 'SLUICE_ERR_INPUT_MALFORMED', reason: parsed.reason, raw: m.value });
    }
    outputs.push(...(await this.rescanner.handle(requests)));
    await this.publish(outputs);
  }

  private async readPostponed(): Promise<void> {
    await this.publish(await this.rescanner.readDue());
  }

  private async publish(outputs: readonly CollectorOutput[]): Promise<void> {
    if (!this.publisher) throw new Error('ConfigRescanService.start() was not called');
    for (const o of outputs) await this.publisher.add(o);
    await this.publisher.flush();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop();
    await this.chain;
    await this.producer?.close();
    this.deps.logger.info({ ...this.rescanner.counts, waiting: this.rescanner.waiting }, 'config rescan stopping');
  }
}
