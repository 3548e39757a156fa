import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { ClickHouseSinkOptions } from './config.ts';
import { lazySink } from '../lazy.ts';

/** `sinks.clickhouse`: the sink's batching, retry and retention options, and whether it runs. */
export const ClickHouseSinkConfig = ClickHouseSinkOptions.extend({
  enabled: z
    .boolean()
    .optional()
    .describe('Write findings (and, with clickhouse.storeEvents, the input events) to ClickHouse. Default: on when the `clickhouse` connection is configured; true without it is a config error.'),
});
export type ClickHouseSinkConfig = z.output<typeof ClickHouseSinkConfig>;

export const clickhouseSinkSpec = defineSink<ClickHouseSinkConfig>(
  'clickhouse',
  'Findings into `{db}.findings` (ReplacingMergeTree on the finding id, read with FINAL), and the normalized input events into their tables.',
  ClickHouseSinkConfig,
  // The ClickHouse client is imported when the sink starts (lazy.ts), not with the spec.
  lazySink(
    'clickhouse',
    async () => {
      const { ClickHouseFindingSink } = await import('./sink.ts');
      return (config, ctx) => {
        const { enabled: _enabled, ...sink } = config;
        if (!ctx.app.clickhouse) throw new Error('the clickhouse sink needs the `clickhouse` connection');
        return new ClickHouseFindingSink({ clickhouse: ctx.app.clickhouse, sink, logger: ctx.logger });
      };
    },
    { storesEvents: true },
  ),
  { requires: ['clickhouse'], active: (config, app) => config.enabled ?? app.clickhouse !== undefined },
);
