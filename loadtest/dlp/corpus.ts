/**
 * The DLP benchmark corpus: files of realistic filler (application logs, CSV exports, NDJSON events,
 * prose) with samples of every built-in data type planted at known offsets, decoys that must not be
 * found, and samples planted across every chunk border. Written to files piece by piece (never the
 * whole corpus in memory), with the truth kept as offsets.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DATA_TYPES, type BuiltinDataType } from '../../services/detectors/dlp/index.ts';
import { makeDecoy, makeSample, Rng } from '../../services/detectors/dlp/index.ts';

export interface PlantedTruth {
  type: BuiltinDataType;
  offset: number;
  length: number;
  /** Planted across a chunk border. */
  border: boolean;
}

export interface CorpusFile {
  /** File name = object key under the corpus directory. */
  name: string;
  path: string;
  bytes: number;
  format: Format;
  truth: PlantedTruth[];
}

export interface CorpusOptions {
  dir: string;
  totalBytes: number;
  /** Chunk size the scan will use: samples are planted across each multiple of it. */
  chunkBytes: number;
  /** Average filler bytes between two planted samples. */
  plantEvery?: number;
  seed?: number;
}

type Format = 'log' | 'csv' | 'json' | 'text';
const FORMATS: readonly Format[] = ['log', 'csv', 'json', 'text'];

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const WORDS = 'the a report storage bucket quarterly results were uploaded after review by the operations team and archived with notes on latency costs regions replicas backups retention policies dashboards alerts tuning migration cluster nodes capacity weekly summary'.split(' ');
const FIRST = ['Jane', 'John', 'Maria', 'Wei', 'Aisha', 'Lars', 'Priya', 'Diego', 'Yuki', 'Omar'];
const LAST = ['Miller', 'Schmidt', 'Garcia', 'Chen', 'Okafor', 'Nielsen', 'Patel', 'Rossi', 'Tanaka', 'Haddad'];
const CITIES = ['Springfield', 'Lyon', 'Osaka', 'Porto', 'Leeds', 'Austin', 'Gdansk', 'Recife'];
const PATHS = ['/api/v1/orders', '/api/v1/users', '/health', '/static/app.js', '/api/v2/search', '/login'];

/** Hex of n characters with at least one letter: an all-digit request id may be a valid card number by chance, which the truth would not list. */
function hexId(rng: Rng, n: number): string {
  const s = rng.chars(HEX, n - 1);
  return s + rng.pick(['a', 'b', 'c', 'd', 'e', 'f']);
}

function fillerLine(format: Format, rng: Rng, n: number): string {
  const pad2 = (x: number): string => String(x).padStart(2, '0');
  const ts = `2025-${pad2(1 + rng.int(12))}-${pad2(1 + rng.int(28))}T${pad2(rng.int(24))}:${pad2(rng.int(60))}:${pad2(rng.int(60))}.${String(rng.int(1000)).padStart(3, '0')}Z`;
  switch (format) {
    case 'log':
      return `${ts} ${rng.pick(['INFO ', 'WARN ', 'DEBUG', 'ERROR'])} [worker-${rng.int(16)}] ${rng.pick(['GET', 'POST', 'PUT'])} ${rng.pick(PATHS)}/${rng.int(100000)} ${rng.pick([200, 201, 204, 404, 500])} ${rng.int(900)}ms ip=10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)} req=${hexId(rng, 16)} trace=${hexId(rng, 8)}-${hexId(rng, 4)}-${hexId(rng, 4)}-${hexId(rng, 12)}\n`;
    case 'csv':
      return `${n},${rng.pick(FIRST)},${rng.pick(LAST)},${rng.pick(CITIES)},${ts.slice(0, 10)},${rng.int(100000) / 100},${rng.pick(['shipped', 'pending', 'returned'])},${hexId(rng, 40)}\n`;
    case 'json':
      return `{"ts":${1700000000000 + rng.int(1e10)},"level":"${rng.pick(['info', 'warn'])}","msg":"${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}","took_ms":${rng.int(5000)},"region":"${rng.pick(['eu-west-1', 'us-east-2', 'ap-south-1'])}","blob":"${rng.chars(B64, 48)}","n":${n}}\n`;
    case 'text': {
      let s = '';
      const words = 8 + rng.int(20);
      for (let i = 0; i < words; i++) s += `${rng.pick(WORDS)} `;
      return `${s.trim()}.\n`;
    }
  }
}

/** One planted sample (or decoy) as a line in the file's format. */
function plantLine(format: Format, rng: Rng, kind: BuiltinDataType): { line: string; at: number; expect: ReturnType<typeof makeSample>['expect'] } {
  const s = makeSample(kind, rng);
  const [pre, post] =
    format === 'csv' ? ['9999,note,"', '",x\n'] : format === 'json' ? ['{"note":', '}\n'] : format === 'log' ? ['2025-06-01T00:00:00.000Z INFO  [worker-1] ', '\n'] : ['', '\n'];
  // The sample goes in raw (a JSON line with an unquoted value): what matters is the bytes around it.
  return { line: `${pre}${s.text}${post}`, at: pre.length, expect: s.expect };
}

/** Writes the corpus; returns the files with their truth. */
export function writeCorpus(options: CorpusOptions): CorpusFile[] {
  const rng = new Rng(options.seed ?? 20250601);
  const plantEvery = options.plantEvery ?? 12_000;
  const fileBytes = Math.max(256 * 1024, Math.min(8 * 1024 * 1024, Math.floor(options.totalBytes / 8)));
  const count = Math.max(1, Math.ceil(options.totalBytes / fileBytes));
  mkdirSync(options.dir, { recursive: true });
  const files: CorpusFile[] = [];
  let kindIndex = 0;
  const nextKind = (): BuiltinDataType => BUILTIN_DATA_TYPES[kindIndex++ % BUILTIN_DATA_TYPES.length]!;
  for (let f = 0; f < count; f++) {
    const format = FORMATS[f % FORMATS.length]!;
    const name = `part-${String(f).padStart(4, '0')}.${format === 'text' ? 'txt' : format}`;
    const path = join(options.dir, name);
    const fd = openSync(path, 'w');
    const truth: PlantedTruth[] = [];
    let written = 0;
    let buf = '';
    let nextPlant = rng.int(plantEvery * 2);
    let nextBorder = options.chunkBytes;
    let line = 0;
    const flush = (): void => {
      if (buf.length === 0) return;
      writeSync(fd, Buffer.from(buf, 'latin1'));
      written += buf.length;
      buf = '';
    };
    const pos = (): number => written + buf.length;
    const plant = (border: boolean): void => {
      const kind = nextKind();
      const p = plantLine(format, rng, kind);
      const base = pos() + p.at;
      for (const e of p.expect) truth.push({ type: e.type, offset: base + e.offset, length: e.length, border });
      buf += p.line;
    };
    while (pos() < fileBytes) {
      // A sample straddling the next chunk border: start it so that the border falls inside its first value.
      if (pos() + 600 >= nextBorder && nextBorder < fileBytes) {
        const kind = nextKind();
        const p = plantLine(format, rng, kind);
        const first = p.expect[0]!;
        const cut = p.at + first.offset + Math.max(1, Math.floor(first.length / 2));
        let gap = nextBorder - cut - pos();
        while (gap > 0) {
          const l = fillerLine(format, rng, line++);
          if (l.length > gap) {
            buf += `${'#'.repeat(gap - 1)}\n`;
            gap = 0;
          } else {
            buf += l;
            gap -= l.length;
          }
        }
        if (pos() + cut === nextBorder) {
          const base = pos() + p.at;
          for (const e of p.expect) truth.push({ type: e.type, offset: base + e.offset, length: e.length, border: true });
          buf += p.line;
        }
        nextBorder += options.chunkBytes;
        continue;
      }
      if (pos() >= nextPlant) {
        if (rng.next() < 0.25) buf += `${makeDecoy(rng)}\n`;
        else plant(false);
        nextPlant = pos() + rng.int(plantEvery * 2);
        continue;
      }
      buf += fillerLine(format, rng, line++);
      if (buf.length > 1 << 16) flush();
    }
    flush();
    closeSync(fd);
    files.push({ name, path, bytes: written, format, truth });
  }
  return files;
}
