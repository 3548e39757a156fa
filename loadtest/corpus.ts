import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Native records of a source, read from the repository's fixtures (NDJSON or a JSON envelope). */
export function loadRecords(path: string, envelopeKeys: readonly string[] = ['Records', 'records', 'items']): unknown[] {
  let bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const text = bytes.toString('utf8').trim();
  if (text.startsWith('{') && !text.includes('\n{')) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    for (const k of envelopeKeys) if (Array.isArray(doc[k])) return doc[k] as unknown[];
    return [doc];
  }
  if (text.startsWith('[')) return JSON.parse(text) as unknown[];
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
}

/** NDJSON of `records` repeated until it holds at least `targetBytes`. */
export function ndjsonCorpus(records: readonly unknown[], targetBytes: number): { bytes: Buffer; records: number } {
  const lines = records.map((r) => JSON.stringify(r));
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  while (size < targetBytes) {
    const line = lines[n % lines.length]!;
    parts.push(line);
    size += line.length + 1;
    n++;
  }
  return { bytes: Buffer.from(`${parts.join('\n')}\n`), records: n };
}
