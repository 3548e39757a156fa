import { createClient, ClickHouseLogLevel, type ClickHouseClient, type Logger as ClientLogger, type LogParams, type ErrorLogParams, type WarnLogParams } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { z } from 'zod';

export type ClickHouseConnection = Omit<z.output<typeof ClickHouseConfig>, 'storeEvents'>;

/**
 * Routes the client's own log lines into our logger. The client logs every failed request at
 * ERROR; the sink classifies, retries and reports those itself, so they are demoted to debug here.
 */
function bridgeLoggerClass(logger: Logger): new () => ClientLogger {
  return class SluiceClickHouseLogger implements ClientLogger {
    trace({ module, message, args }: LogParams): void {
      logger.trace({ module, ...args }, message);
    }
    debug({ module, message, args }: LogParams): void {
      logger.debug({ module, ...args }, message);
    }
    info({ module, message, args }: LogParams): void {
      logger.debug({ module, ...args }, message);
    }
    warn({ module, message, args, err }: WarnLogParams): void {
      logger.warn({ module, ...args, err }, message);
    }
    error({ module, message, args, err }: ErrorLogParams): void {
      logger.debug({ module, ...args, err }, message);
    }
  };
}

export interface CreateClientOptions {
  requestTimeoutMs?: number;
}

/**
 * A client for the ClickHouse HTTP interface, set up to work with 18.16 and current servers alike:
 * it connects to the `default` database (the configured one may not exist yet, and a missing URL
 * database fails every request) and every statement names its tables fully qualified.
 */
export function createClickHouseClient(config: ClickHouseConnection, logger: Logger, options: CreateClientOptions = {}): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: 'default',
    application: 'sluice',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    clickhouse_settings: {
      // UInt64 values (the row version) come back as JSON numbers, not strings.
      output_format_json_quote_64bit_integers: 0,
    },
    log: { LoggerClass: bridgeLoggerClass(logger.child({ component: 'clickhouse-client' })), level: ClickHouseLogLevel.WARN },
  });
}
