/**
 * `sluice collector aws_account --follow iam`: reads the account's IAM credential report,
 * password policy and summary every `collectors.aws_account.intervalMs` (default 4 h) and
 * publishes them as config items (collectors/aws_account/follower.ts). AWS credentials from the
 * SDK's default provider chain; `collectors.aws_account.accountId` names the account they read.
 * Health endpoints on http.port; SIGTERM/SIGINT: the read in progress is published, then exit.
 * To enable: `iam: ['aws_account']` in follow-sources.ts and a `case 'iam'` in follow-run.ts
 * calling runIamFollowRole / renderIamCounts.
 */
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { EventPublisher } from '../collectors/publisher.ts';
import { awsAccountCollector, parseAwsAccountConfig, type AwsAccountConfigInput } from '../collectors/aws_account/index.ts';
import { AccountFollower, type AccountFollowStats } from '../collectors/aws_account/follower.ts';
import { iamClient } from '../collectors/aws_account/reader.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

export interface IamRoleOptions {
  stop?: AbortSignal;
  transport?: Transport;
  /** IAM credentials instead of the default chain (tests against moto). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export async function runIamFollowRole(ctx: AppContext, options: IamRoleOptions = {}): Promise<AccountFollowStats> {
  if (!ctx.config.kafka && !options.transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
  const section = (ctx.config.collectors.aws_account ?? {}) as AwsAccountConfigInput;
  const config = parseAwsAccountConfig(section);
  if (!config.accountId) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow iam needs collectors.aws_account.accountId: the account the credentials read');
  const transport = options.transport ?? createTransport(ctx);
  const iam = iamClient(config, options.credentials);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      const publisher = new EventPublisher({ source: 'aws_account', producer, codec, deadLetters: new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock), topics: ctx.config.topics, telemetry: ctx.telemetry });
      const follower = new AccountFollower({ iam, accountId: config.accountId, config, collector: awsAccountCollector(section), publisher, logger: ctx.logger, clock: ctx.clock });
      health = await startHealthServer(ctx.config.http.port, async () => !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      options.stop?.addEventListener('abort', onSignal, { once: true });
      if (options.stop?.aborted) stop.abort();
      ctx.logger.info({ account: config.accountId, intervalMs: config.intervalMs }, 'collector reading the IAM account');
      const stats = await follower.run(stop.signal);
      ctx.logger.info(stats, 'collector stopped');
      return stats;
    } finally {
      await producer.close();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    health?.close();
    iam.destroy();
    if (!options.transport) await transport.close();
  }
}

export function renderIamCounts(s: AccountFollowStats): string {
  return `account reads ${s.reads} (parts failed ${s.problems}), items published ${s.published}, dead-lettered ${s.deadLettered}\n`;
}
