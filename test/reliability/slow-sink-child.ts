/**
 * Child of the slow-sink memory test: runs the processor role in this process with one extra sink
 * that takes `msPerFinding` per finding it is given, samples this process's resident memory every
 * 100 ms for `seconds`, then prints {warmRssMb, maxRssMb, eventsIn, batches} as JSON and exits.
 * argv: <config.yaml> <msPerFinding> <seconds>
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { systemClock } from '../../services/core/clock.ts';
import type { FindingSink } from '../../services/core/components.ts';
import { appTopology, resolveConfig, type SluiceConfigInput } from '../../services/cli/config.ts';
import type { Finding } from '../../services/core/events.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { createCodec, createTransport } from '../../services/cli/wiring.ts';
import { buildProcessor } from '../../services/processor/build.ts';

const [file, msArg, secondsArg] = process.argv.slice(2);
const input = parse(readFileSync(file!, 'utf8')) as SluiceConfigInput & { clickhouse?: unknown };
delete input.clickhouse; // the slow sink is the only storage here
const config = resolveConfig(input);
const msPerFinding = Number(msArg);

class SlowSink implements FindingSink {
  readonly name = 'slow';
  async start(): Promise<void> {}
  async write(findings: readonly Finding[]): Promise<void> {
    await sleep(findings.length * msPerFinding);
  }
  async healthcheck(): Promise<void> {}
  async close(): Promise<void> {}
}

const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'slow-sink-child' }) };
const transport = createTransport(ctx);
const processor = await buildProcessor(ctx, appTopology(config), transport, await createCodec(ctx), [new SlowSink()]);
await processor.service.start();
let maxRss = 0;
let warmRss = 0;
const started = Date.now();
const deadline = started + Number(secondsArg) * 1000;
while (Date.now() < deadline) {
  const rss = process.memoryUsage().rss;
  maxRss = Math.max(maxRss, rss);
  // The first 8 s: threads started, first batches in flight; growth after that is what the backlog costs.
  if (Date.now() - started < 8000) warmRss = maxRss;
  await sleep(100);
}
const mb = (b: number) => Math.round(b / 1e6);
process.stdout.write(`${JSON.stringify({ warmRssMb: mb(warmRss), maxRssMb: mb(maxRss), eventsIn: processor.service.stats.eventsIn, batches: processor.service.stats.batches })}\n`);
process.exit(0);
