import type { Clock } from './clock.ts';
import type { SluiceConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { Telemetry } from './telemetry.ts';

/** What every role is built from: config, logger, clock and telemetry come in; nothing is a module singleton. */
export interface AppContext {
  config: SluiceConfig;
  logger: Logger;
  clock: Clock;
  /** Traces and metrics; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/telemetry.md). */
  telemetry: Telemetry;
}
