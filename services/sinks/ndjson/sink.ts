import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { FindingSink } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';

/** Writes findings as NDJSON to stdout or a file (the `sluice run` output). Dedupes by id within a run. */
export class NdjsonSink implements FindingSink {
  readonly name = 'ndjson';
  private stream: NodeJS.WritableStream | undefined;
  private readonly seen = new Set<string>();
  readonly bySeverity = new Map<string, number>();

  constructor(private readonly path: string | undefined) {}

  async start(): Promise<void> {
    if (this.path && this.path !== '-') {
      const s: WriteStream = createWriteStream(this.path, { flags: 'w' });
      await once(s, 'open');
      this.stream = s;
    } else {
      this.stream = process.stdout;
    }
  }

  get written(): number {
    return this.seen.size;
  }

  async write(findings: readonly Finding[]): Promise<void> {
    const out = this.stream;
    if (!out) throw new Error('ndjson sink not started');
    let text = '';
    for (const f of findings) {
      if (this.seen.has(f.id)) continue;
      this.seen.add(f.id);
      this.bySeverity.set(f.severity, (this.bySeverity.get(f.severity) ?? 0) + 1);
      text += `${JSON.stringify(findingToOcsf(f))}\n`;
    }
    if (text && !out.write(text)) await once(out, 'drain');
  }

  async healthcheck(): Promise<void> {}

  async close(): Promise<void> {
    const out = this.stream;
    this.stream = undefined;
    if (out && out !== process.stdout) {
      await new Promise<void>((resolve, reject) => (out as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
  }
}
