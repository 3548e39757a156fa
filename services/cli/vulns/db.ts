import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { normalizeOsv } from '../../collectors/osv/index.ts';
import type { Advisory } from '../../core/model/advisory.ts';

/** The OSV advisories read for a scan, by package key (`<ecosystem>/<name>`, as the advisory stream is keyed). */
export interface OsvDb {
  byPackage: Map<string, Advisory[]>;
  /** OSV records read (an advisory of several packages counts once). */
  records: number;
  errors: Array<{ file: string; message: string }>;
  /** Files of directories that are not OSV data. */
  skipped: string[];
}

function add(db: OsvDb, record: unknown, where: string): void {
  try {
    const events = normalizeOsv(record);
    db.records++;
    for (const { key, event } of events) {
      const list = db.byPackage.get(key);
      if (list) list.push(event);
      else db.byPackage.set(key, [event]);
    }
  } catch (err) {
    db.errors.push({ file: where, message: (err as Error).message });
  }
}

/** One file's text: a JSON record, a JSON array, the osv.dev API's `{"vulns":[…]}`, or JSONL. */
function addText(db: OsvDb, text: string, where: string): void {
  const trimmed = text.trim();
  if (trimmed === '') return;
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (Array.isArray(value)) value.forEach((r, i) => add(db, r, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object' && Array.isArray((value as { vulns?: unknown }).vulns)) (value as { vulns: unknown[] }).vulns.forEach((r, i) => add(db, r, `${where}#vulns[${i}]`));
    else add(db, value, where);
    return;
  } catch {
    // not one JSON document: JSONL
  }
  trimmed.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      add(db, JSON.parse(line) as unknown, `${where}:${i + 1}`);
    } catch (err) {
      db.errors.push({ file: `${where}:${i + 1}`, message: `not JSON: ${(err as Error).message}` });
    }
  });
}

function addFile(db: OsvDb, file: string, explicit: boolean): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    db.errors.push({ file, message: `cannot read: ${(err as Error).message}` });
    return;
  }
  if (bytes.length > 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    // osv.dev's per-ecosystem export (`<Ecosystem>/all.zip`): one JSON record per entry.
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { filter: (f) => f.name.endsWith('.json') });
    } catch (err) {
      db.errors.push({ file, message: `unreadable zip: ${(err as Error).message}` });
      return;
    }
    for (const name of Object.keys(entries).sort()) addText(db, Buffer.from(entries[name]!).toString('utf8'), `${file}!${name}`);
    return;
  }
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      db.errors.push({ file, message: `unreadable gzip: ${(err as Error).message}` });
      return;
    }
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (!explicit && !/^\s*[[{]/.test(text)) {
    db.skipped.push(file);
    return;
  }
  addText(db, text, file);
}

/** Reads OSV data from files and directories (recursively: .json, .jsonl, .gz, .zip). */
export function loadOsvDb(paths: readonly string[]): OsvDb {
  const db: OsvDb = { byPackage: new Map(), records: 0, errors: [], skipped: [] };
  const visit = (path: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      db.errors.push({ file: path, message: 'no such file or directory' });
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(path).sort()) if (!entry.startsWith('.')) visit(join(path, entry), false);
      return;
    }
    if (!explicit && !/\.(json|jsonl|ndjson|gz|zip)$/i.test(path)) {
      db.skipped.push(path);
      return;
    }
    addFile(db, path, explicit);
  };
  for (const p of paths) visit(p, true);
  return db;
}
