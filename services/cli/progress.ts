/**
 * The progress line of long runs on a terminal (`sluice run`): files, bytes, records, the rate and
 * an estimate of the time left, rewritten in place on stderr at most four times a second and
 * erased when the run ends. Only when stderr is a TTY: piped or redirected output gets none.
 */
import type { CollectProgress } from '../collectors/service.ts';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${UNITS[u]}`;
}

function count(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: `files 3/10 · 1.2 MB/4.0 MB · 12.3k records (2 dead-lettered) · 8.1k records/s · ETA 4s`. */
export function formatProgress(p: CollectProgress, elapsedMs: number): string {
  const parts = [`files ${p.filesDone}/${p.filesTotal}`];
  if (p.bytesTotal > 0) parts.push(`${bytes(p.bytesDone)}/${bytes(p.bytesTotal)}`);
  parts.push(`${count(p.read)} records${p.deadLettered ? ` (${count(p.deadLettered)} dead-lettered)` : ''}`);
  if (elapsedMs >= 1000) parts.push(`${count(Math.round((p.read * 1000) / elapsedMs))} records/s`);
  const done = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0;
  if (elapsedMs >= 1000 && done > 0 && done < 1) parts.push(`ETA ${duration((elapsedMs * (1 - done)) / done)}`);
  return parts.join(' · ');
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/** Writes formatProgress lines in place on a TTY; `done()` erases the line. A no-op elsewhere. */
export class ProgressLine {
  private readonly start: number;
  private last = Number.NEGATIVE_INFINITY;
  private shown = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  get active(): boolean {
    return this.stream.isTTY === true;
  }

  update(p: CollectProgress): void {
    if (!this.active) return;
    const t = this.now();
    if (t - this.last < 250 && p.filesDone < p.filesTotal) return;
    this.last = t;
    const width = Math.max(20, (this.stream.columns || 80) - 1); // 0 when the terminal does not say
    this.stream.write(`\r\x1b[2K${formatProgress(p, t - this.start).slice(0, width)}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
