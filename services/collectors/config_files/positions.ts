/**
 * Line numbers of nodes in a parsed YAML (or JSON, which is YAML) document, for location.line.
 */
import { isMap, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export type NodePath = ReadonlyArray<string | number>;

export interface Positions {
  /** 1-based line where the node at `path` starts (a mapping value: the value's first line), or null. */
  lineOf(path: NodePath): number | null;
  /** 1-based line of the key `key` in the mapping at `mapPath` (where a named entry starts), or null. */
  keyLineOf(mapPath: NodePath, key: string): number | null;
}

export function documentPositions(doc: Document.Parsed | Document, lines: LineCounter): Positions {
  const line = (offset: number | undefined): number | null => (offset === undefined ? null : lines.linePos(offset).line);
  const nodeAt = (path: NodePath): unknown => (path.length === 0 ? doc.contents : doc.getIn(path, true));
  return {
    lineOf(path) {
      try {
        const node = nodeAt(path) as Node | null | undefined;
        return node && Array.isArray(node.range) ? line(node.range[0]) : null;
      } catch {
        return null;
      }
    },
    keyLineOf(mapPath, key) {
      try {
        const map = nodeAt(mapPath);
        if (!isMap(map)) return null;
        for (const pair of map.items) {
          if (!isPair(pair)) continue;
          const k = pair.key;
          if (isScalar(k) && String(k.value) === key && Array.isArray(k.range)) return line(k.range[0]);
        }
        return null;
      } catch {
        return null;
      }
    },
  };
}

/** Positions that know nothing (a file too large to index, or a parser failure). */
export const NO_POSITIONS: Positions = Object.freeze({
  lineOf: () => null,
  keyLineOf: () => null,
});
