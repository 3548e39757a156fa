/**
 * What the alert outputs' specs share: the config schema's common frame (`enabled`, the filter and
 * delivery fields, the fields required when enabled) and a factory that hands each sink its own
 * options plus the shared filter, delivery and logger.
 */
import { z } from 'zod';
import { defineSink, type FindingSink, type SinkContext, type SinkSpec } from '../../core/components.ts';
import type { Logger } from '../../core/logger.ts';
import { deliveryFields, filterFields, requireWhenEnabled, type DeliveryConfig, type FilterConfig, type SEVERITY_NAMES } from './config.ts';

/**
 * The config schema of an alert output: `enabled` (off by default; `enabled` describes it), the
 * output's own `fields`, the filter fields with its default minimum severity, the delivery fields;
 * the fields `required` names must be set (`url`: an http(s) URL) when it is enabled.
 */
export function alertSinkConfig<S extends z.ZodRawShape>(
  name: string,
  enabled: string,
  fields: S,
  minSeverity: (typeof SEVERITY_NAMES)[number],
  required: Record<string, 'set' | 'url'>,
) {
  return z
    .strictObject({ enabled: z.boolean().default(false).describe(enabled), ...fields, ...filterFields(minSeverity), ...deliveryFields() })
    .superRefine(requireWhenEnabled(name, required));
}

/** What every alert sink is built with besides its own options. */
export interface AlertSinkCommon {
  filter: FilterConfig;
  delivery: DeliveryConfig;
  logger: Logger;
}

/**
 * The spec of an alert output: `options` picks the sink's own options from its validated config,
 * `build` makes the sink from them plus the filter and delivery settings of the same config and
 * the context's logger.
 */
export function defineAlertSink<C extends FilterConfig & DeliveryConfig & { readonly enabled: boolean }, O>(
  name: string,
  description: string,
  configSchema: z.ZodType<C>,
  options: (config: C) => O,
  build: (options: O & AlertSinkCommon, ctx: SinkContext) => FindingSink,
): SinkSpec<C> {
  return defineSink<C>(name, description, configSchema, (config, ctx) => build({ ...options(config), filter: config, delivery: config, logger: ctx.logger }, ctx));
}

/** The settings of `values` that are set (neither undefined nor ""), for optional sink options. */
export function setOnly<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '')) as { [K in keyof T]?: string };
}
