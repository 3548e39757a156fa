import type { FindingSink, SinkContext, SinkWriteOptions } from '../core/components.ts';
import type { Finding } from '../core/events.ts';
import type { StreamEvents, StreamName } from '../core/streams.ts';

/** How a sink module builds its sink once imported. */
export type SinkFactory<C> = (config: C, ctx: SinkContext) => FindingSink;

/**
 * A spec's factory whose sink module is imported when the sink starts (or is first used), not when
 * the spec is read: the config schema and the topology need the spec of every sink, a process
 * runs a few. The sink is built on first use with the factory the module gives, so its own
 * validation errors surface from start(). `storesEvents` says whether the built sink implements
 * writeEvents (the processor asks before the module is loaded).
 */
export function lazySink<C>(name: string, load: () => Promise<SinkFactory<C>>, opts: { storesEvents?: boolean } = {}): SinkFactory<C> {
  return (config, ctx) => (opts.storesEvents ? new LazyEventSink(name, async () => (await load())(config, ctx)) : new LazySink(name, async () => (await load())(config, ctx)));
}

class LazySink implements FindingSink {
  private sink: Promise<FindingSink> | undefined;

  constructor(
    readonly name: string,
    private readonly build: () => Promise<FindingSink>,
  ) {}

  protected inner(): Promise<FindingSink> {
    this.sink ??= this.build();
    return this.sink;
  }

  async start(): Promise<void> {
    await (await this.inner()).start();
  }

  async write(findings: readonly Finding[], options?: SinkWriteOptions): Promise<void> {
    await (await this.inner()).write(findings, options);
  }

  async healthcheck(): Promise<void> {
    await (await this.inner()).healthcheck();
  }

  /** Closes the sink if it was built; one never used (or whose build failed) has nothing to close. */
  async close(): Promise<void> {
    if (!this.sink) return;
    const sink = await this.sink.catch(() => undefined);
    await sink?.close();
  }
}

class LazyEventSink extends LazySink {
  async writeEvents(stream: StreamName, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void> {
    const sink = await this.inner();
    if (!sink.writeEvents) throw new Error(`sink ${this.name} was declared to store events but has no writeEvents()`);
    await sink.writeEvents(stream, events);
  }
}
