import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DETECTOR_SPECS } from './registry.ts';

/** Leaf keys of a detector's config schema with their defaults (dotted paths). */
function leaves(schema: z.ZodType): Map<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, unknown> };
  const out = new Map<string, unknown>();
  const walk = (node: { properties?: Record<string, unknown> }, prefix: string): void => {
    for (const [key, prop] of Object.entries(node.properties ?? {})) {
      const p = prop as { type?: unknown; properties?: Record<string, unknown>; default?: unknown };
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (p.type === 'object' && p.properties !== undefined) walk(p, path);
      else out.set(path, p.default);
    }
  };
  walk(json, '');
  return out;
}

/** `| \`key\` | default | ... |` rows of the README's config table (the first table naming a key wins): key -> default cell. */
function readmeRows(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| `([A-Za-z0-9_.]+)(?:\[\])?` \| ([^|]*) \|/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

for (const spec of DETECTOR_SPECS) {
  test(`detector ${spec.name}: its README's config table names every key, with the schema's default`, () => {
    const path = new URL(`./${spec.name}/README.md`, import.meta.url);
    assert.ok(existsSync(path), `${spec.name}/README.md exists`);
    const rows = readmeRows(readFileSync(path, 'utf8'));
    for (const [key, def] of leaves(spec.configSchema)) {
      assert.ok(rows.has(key), `${spec.name}/README.md documents \`${key}\``);
      const cell = rows.get(key)!;
      const literal = /^`(.*)`$/.exec(cell);
      if (literal !== null && def !== undefined) {
        let documented: unknown = literal[1]!;
        try {
          documented = JSON.parse(literal[1]!);
        } catch {
          // a bare word such as `monitor`: compared as a string
        }
        assert.deepEqual(documented, def, `${spec.name}/README.md default of \`${key}\` (${cell}) matches the schema`);
      }
    }
  });
}
