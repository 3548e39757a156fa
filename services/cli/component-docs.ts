/**
 * One reference page per registered component (docs/reference/<kind>/<name>.md), generated from
 * its spec: description, what it reads or writes, and a table of its settings. The examples
 * convention, the same for every field: `.meta({ examples: [...] })` on the zod field; a field
 * without it may end its description with `Example: …`, which the page shows in the same column.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { DetectorSpec } from '../core/components.ts';
import { COLLECTOR_SPECS } from '../collectors/registry.ts';
import { DETECTOR_SPECS } from '../detectors/registry.ts';
import { SINK_SPECS } from '../sinks/registry.ts';

interface FieldSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  properties?: Record<string, FieldSchema>;
  items?: FieldSchema;
  anyOf?: FieldSchema[];
  minimum?: number;
  maximum?: number;
  additionalProperties?: FieldSchema | boolean;
}

export interface ComponentPage {
  /** Repository-relative path of the page. */
  path: string;
  text: string;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: FieldSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties)}`;
  const t = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'value');
  const big = Number.MAX_SAFE_INTEGER;
  const range = s.minimum !== undefined || (s.maximum !== undefined && s.maximum < big) ? ` (${s.minimum ?? ''}..${s.maximum !== undefined && s.maximum < big ? s.maximum : ''})` : '';
  return `${t}${range}`;
}

/** The field's examples: its `examples` meta, else a trailing `Example: …` of its description. */
function examplesOf(s: FieldSchema): { description: string; examples: string } {
  const description = s.description ?? '';
  if (s.examples && s.examples.length > 0) return { description, examples: s.examples.map((e) => `\`${JSON.stringify(e)}\``).join(', ') };
  const m = /\s*(?:Example|e\.g\.)[:,]?\s+(.+?)\.?$/.exec(description);
  if (m && m.index > 0) return { description: description.slice(0, m.index).trim(), examples: m[1]!.trim().startsWith('`') ? m[1]!.trim() : `\`${m[1]!.trim()}\`` };
  return { description, examples: '' };
}

function rows(node: FieldSchema, prefix: string, out: string[]): void {
  for (const [key, prop] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (prop.type === 'object' && prop.properties) {
      out.push(`| \`${path}\` | section | | ${cell(prop.description ?? '')} | |`);
      rows(prop, path, out);
      continue;
    }
    const { description, examples } = examplesOf(prop);
    const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    out.push(`| \`${path}\` | ${cell(typeOf(prop))} | ${cell(def)} | ${cell(description)} | ${cell(examples)} |`);
  }
}

function page(kind: 'collectors' | 'detectors' | 'sinks', name: string, description: string, facts: string[], schema: z.ZodType): ComponentPage {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as FieldSchema;
  const table: string[] = [];
  rows(json, '', table);
  const folder = `services/${kind}/${name}/`;
  return {
    path: `docs/reference/${kind}/${name}.md`,
    text: [
      `# ${kind.slice(0, -1)} \`${name}\``,
      '',
      `<!-- Generated from the component's spec by \`npm run docs\`; a test fails when this page is stale. -->`,
      '',
      description,
      '',
      ...facts.map((f) => `- ${f}`),
      `- How it works: [${folder}README.md](../../../${folder}README.md)`,
      '',
      `## Settings (\`${kind}.${name}\`)`,
      '',
      table.length === 0 ? 'None.' : '| key | type | default | meaning | examples |',
      ...(table.length === 0 ? [] : ['|---|---|---|---|---|', ...table]),
      '',
    ].join('\n'),
  };
}

/** Every component's page, in registry order. */
export function renderComponentPages(): ComponentPage[] {
  return [
    ...COLLECTOR_SPECS.map((s) => page('collectors', s.type, s.description, [`Streams: ${s.streams.map((x) => `\`${x}\``).join(', ')}`], s.configSchema)),
    ...(DETECTOR_SPECS as readonly DetectorSpec[]).map((s) =>
      page('detectors', s.name, s.description, [s.alsoReads?.length ? `Streams: ${[s.stream, ...s.alsoReads].map((x) => `\`${x}\``).join(', ')} (joined by entity key)` : `Stream: \`${s.stream}\``, `State: ${s.stateful === false ? 'none' : 'per entity, changelogged'}`, ...(s.takesControl ? ['Reads the control topic'] : [])], s.configSchema),
    ),
    ...SINK_SPECS.map((s) => page('sinks', s.name, s.description, [`Needs: ${s.requires.length ? s.requires.map((r) => `\`${r}\``).join(', ') : 'nothing beyond the transport'}`], s.configSchema)),
  ];
}

/** The index page linking every component page. */
export function renderReferenceIndex(pages: readonly ComponentPage[]): ComponentPage {
  const lines = ['# Component reference', '', '<!-- Generated by `npm run docs`. -->', '', 'One page per registered collector, detector and sink, generated from its spec. The whole configuration is in [../configuration.md](../configuration.md).', ''];
  for (const kind of ['collectors', 'detectors', 'sinks']) {
    lines.push(`## ${kind}`, '');
    for (const p of pages.filter((x) => x.path.startsWith(`docs/reference/${kind}/`))) {
      const name = p.path.split('/').pop()!.replace(/\.md$/, '');
      lines.push(`- [\`${name}\`](${kind}/${name}.md)`);
    }
    lines.push('');
  }
  return { path: 'docs/reference/README.md', text: lines.join('\n') };
}

/** Writes the pages under `root` (the repository). */
export function writeComponentPages(root: string): number {
  const pages = renderComponentPages();
  for (const p of [...pages, renderReferenceIndex(pages)]) {
    mkdirSync(dirname(join(root, p.path)), { recursive: true });
    writeFileSync(join(root, p.path), p.text);
  }
  return pages.length;
}
