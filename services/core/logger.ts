import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

/** Structured logger: a sentence plus fields. Per-event happenings are counters, not log lines. */
export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  // Logs go to stderr by default so stdout stays free for NDJSON findings.
  return pino({ level, base: { app: 'sluice' } }, destination ?? pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
