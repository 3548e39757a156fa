/**
 * Child process of leader-move.int.test.ts: produces keyed messages through Sluice's Kafka
 * transport (patched kafkajs) until its stdin closes and at least `count` were sent, then prints
 * the ids whose send() resolved, as one JSON line.
 * usage: produce-child.ts <brokers> <topic> <count> <idempotent:true|false>
 */
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';

const [brokers, topic, countText, idempotent] = process.argv.slice(2);
const config = resolveConfig({ kafka: { brokers: brokers!.split(','), idempotentProducer: idempotent === 'true' } });
const transport = new KafkaTransport(config.kafka!, silentLogger());
const producer = await transport.producer();
const count = Number(countText);
const batch = 200;
const acked: number[] = [];
let failedSends = 0;
let stopRequested = false;
process.stdin.on('data', () => {});
process.stdin.on('end', () => (stopRequested = true));
for (let start = 0; start < count || !stopRequested; start += batch) {
  const ids = Array.from({ length: batch }, (_, i) => start + i);
  const messages = ids.map((id) => ({ key: `key-${id % 997}`, value: Buffer.from(String(id)) }));
  try {
    await producer.send(topic!, messages);
    acked.push(...ids);
  } catch {
    failedSends++; // not acknowledged: the test does not expect these ids
  }
}
await transport.close();
process.stdin.destroy();
process.stdout.write(`${JSON.stringify({ acked, failedSends })}\n`);
