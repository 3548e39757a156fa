import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writeComponentPages } from './component-docs.ts';
import { renderPackReadme } from '../rules/pack-readme.ts';
import { ENV_VARS, SluiceConfigSchema } from './config.ts';

/** Renders docs/configuration.md from the config schema, so the docs cannot drift from the code. */

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'value');
  const range = s.minimum !== undefined || (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER)
    ? ` (${s.minimum ?? ''}..${s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : ''})`
    : '';
  return `${s.format ?? t}${range}`;
}

function rows(schema: JsonSchema, prefix: string, required: boolean, out: string[]): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const req = required && (schema.required ?? []).includes(key);
    if (prop.type === 'object' && prop.properties) {
      out.push(`| \`${path}\` | section${req ? ', required' : ''} | | ${prop.description ?? ''} |`);
      rows(prop, path, true, out);
    } else {
      const def = prop.default === undefined ? (req ? 'required' : '') : `\`${JSON.stringify(prop.default)}\``;
      out.push(`| \`${path}\` | ${typeOf(prop)} | ${def} | ${prop.description ?? ''} |`);
    }
  }
}

export function renderConfigDocs(): string {
  const schema = z.toJSONSchema(SluiceConfigSchema, { io: 'input' }) as JsonSchema;
  const table: string[] = [];
  rows(schema, '', true, table);
  const env = Object.entries(ENV_VARS).map(([name, spec]) => `| \`${name}\` | \`${spec.path.join('.')}\` | ${spec.kind} | ${spec.doc} |`);
  return [
    '# Configuration',
    '',
    '<!-- Generated from the config schema (services/core/config.ts and each component\'s spec, assembled in services/cli/config.ts) by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Sources, later ones winning: defaults < YAML file (`--config <file>`) < environment variables < command-line flags.',
    'The merged configuration is validated once at startup: unknown keys are rejected and every problem is reported at once,',
    'e.g. `sluice: SLUICE_ERR_CONFIG_INVALID: invalid configuration (2 problems): …`. `sluice config` prints the resolved',
    'configuration with secrets redacted. A section that is absent switches its feature off: without `kafka` the embedded',
    'log is used, without `schemaRegistry` the local registry from `schemas/avro/`, without `clickhouse` no ClickHouse sink.',
    'Each collector, detector and sink has its section (`collectors.<type>`, `detectors.<name>`, `sinks.<name>`), and a page',
    'in [reference/](reference/README.md) generated from its spec.',
    '',
    '## Keys',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...table,
    '',
    '## Environment variables',
    '',
    '| variable | key | kind | meaning |',
    '|---|---|---|---|',
    ...env,
    '',
    '`list` values are comma-separated; `bool` accepts true/false, 1/0, yes/no. OpenTelemetry reads the standard `OTEL_*` variables.',
    '',
    '## Example',
    '',
    '```yaml',
    'kafka:',
    '  brokers: ["kafka-1:9092", "kafka-2:9092"]',
    'schemaRegistry:',
    '  url: http://schema-registry:8081',
    'clickhouse:',
    '  url: http://clickhouse:8123',
    '  database: sluice',
    'processor:',
    '  workers: 4',
    'detectors:',
    '  sensitive_operation:',
    '    extraOperations: ["kms.amazonaws.com:ScheduleKeyDeletion"]',
    '```',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npm run docs`: docs/configuration.md and one reference page per component.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  writeFileSync(`${root}docs/configuration.md`, renderConfigDocs());
  const n = writeComponentPages(root);
  const pack = renderPackReadme('activity');
  writeFileSync(pack.path, pack.text);
  process.stderr.write(`wrote docs/configuration.md, ${n} component pages under docs/reference/ and the rule tables of services/rules/packs/activity/README.md\n`);
}
