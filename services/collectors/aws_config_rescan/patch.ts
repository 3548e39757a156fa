import type { RescanPatch } from '../../core/model/rescan-request.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `configuration` of an API-shape item as an object (it is JSON text in BatchGetResourceConfig); {} when absent or broken. */
function configurationOf(item: Obj): Obj {
  const c = item.configuration;
  if (isObj(c)) return structuredClone(c);
  if (typeof c === 'string') {
    try {
      const v = JSON.parse(c) as unknown;
      return isObj(v) ? v : {};
    } catch {
      return {};
    }
  }
  return {};
}

/** The array at a dotted path of `o`, created when missing. */
function arrayAt(o: Obj, path: string): unknown[] {
  const segs = path.split('.');
  let cur = o;
  for (const seg of segs.slice(0, -1)) {
    if (!isObj(cur[seg])) cur[seg] = {};
    cur = cur[seg] as Obj;
  }
  const last = segs[segs.length - 1]!;
  if (!Array.isArray(cur[last])) cur[last] = [];
  return cur[last] as unknown[];
}

/**
 * Applies the changes an event stated to a recorded item (API shape: `configuration` JSON text or
 * object, `supplementaryConfiguration` a map of JSON text) and returns a new item; the input is
 * not changed. `append` skips entries already present (same JSON), so applying twice is harmless.
 */
export function applyPatches(item: Obj, patches: readonly RescanPatch[]): Obj {
  const out: Obj = { ...item };
  const supplementary: Obj = isObj(item.supplementaryConfiguration) ? { ...item.supplementaryConfiguration } : {};
  let configuration: Obj | null = null;
  for (const p of patches) {
    if (p.op === 'supplementary') {
      if (p.value === null) delete supplementary[p.key];
      else supplementary[p.key] = p.value;
    } else {
      configuration ??= configurationOf(item);
      const list = arrayAt(configuration, p.path);
      const seen = new Set(list.map((e) => JSON.stringify(e)));
      for (const entry of p.value) if (!seen.has(JSON.stringify(entry))) list.push(entry);
    }
  }
  out.supplementaryConfiguration = supplementary;
  if (configuration !== null) out.configuration = typeof item.configuration === 'string' || item.configuration === undefined ? JSON.stringify(configuration) : configuration;
  return out;
}
