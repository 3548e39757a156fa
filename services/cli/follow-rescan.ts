/**
 * `sluice collector aws_config_rescan --follow rescan`: the re-scan reader role
 * (collectors/aws_config_rescan/service.ts). Consumes topics.rescan (the config_rescan detector's
 * requests), reads each resource from AWS Config and publishes it on the config topic. AWS
 * credentials from the SDK's default provider chain; `collectors.aws_config_rescan` settings.
 * Health endpoints on http.port; SIGTERM/SIGINT: the batch in hand is published and committed.
 * To enable: `rescan: ['aws_config_rescan']` in follow-sources.ts and a `case 'rescan'` in
 * follow-run.ts calling runRescanFollowRole / renderRescanCounts.
 */
import { once } from 'node:events';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { parseAwsConfigRescanConfig, type RescanCounts } from '../collectors/aws_config_rescan/index.ts';
import type { ConfigItemReader } from '../collectors/aws_config_rescan/reader.ts';
import { ConfigRescanService } from '../collectors/aws_config_rescan/service.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

export interface RescanRoleOptions {
  stop?: AbortSignal;
  transport?: Transport;
  /** AWS Config per region instead of the SDK client (tests). */
  readerFor?: (region: string) => ConfigItemReader;
}

export async function runRescanFollowRole(ctx: AppContext, options: RescanRoleOptions = {}): Promise<RescanCounts> {
  if (!ctx.config.kafka && !options.transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
  const config = parseAwsConfigRescanConfig(ctx.config.collectors.aws_config_rescan ?? {});
  const transport = options.transport ?? createTransport(ctx);
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let service: ConfigRescanService | undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      service = new ConfigRescanService({
        transport,
        codec,
        deadLetters: new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock),
        app: ctx.config,
        config,
        logger: ctx.logger,
        telemetry: ctx.telemetry,
        clock: ctx.clock,
        ...(options.readerFor ? { readerFor: options.readerFor } : {}),
      });
      const consumer = await service.start();
      let ready = true;
      health = await startHealthServer(ctx.config.http.port, async () => ready && !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      options.stop?.addEventListener('abort', onSignal, { once: true });
      if (options.stop?.aborted) stop.abort();
      ctx.logger.info({ topic: ctx.config.topics.rescan, config: ctx.config.topics.config, group: config.groupId, region: config.region ?? null }, 'collector answering re-scan requests from AWS Config');
      await Promise.race([once(stop.signal, 'abort'), consumer.done]);
      ready = false;
      const counts = service.rescanner.counts;
      await service.stop();
      service = undefined;
      return counts;
    } finally {
      await service?.stop().catch(() => {});
      await producer.close();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    health?.close();
    if (!options.transport) await transport.close();
  }
}

export function renderRescanCounts(c: RescanCounts): string {
  return (
    `re-scan requests ${c.requests} (duplicates ${c.duplicates}, other account ${c.other_account}), items published ${c.published} as recorded and ${c.derived} with the event's change, ` +
    `not recorded ${c.not_recorded}, postponed ${c.stale_retried}, given up ${c.stale_gave_up}, AWS Config errors ${c.errors}, unsigned changes ignored ${c.unsigned_derived}\n`
  );
}
