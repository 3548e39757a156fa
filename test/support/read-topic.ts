import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaConfig } from '../../services/core/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import type { ConsumedMessage } from '../../services/core/transport.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import type { z } from 'zod';

/** Reads a whole topic with a fresh consumer group until `count` messages arrived (or 30 s passed). */
export async function readTopic(kafka: z.output<typeof KafkaConfig>, topic: string, count: number): Promise<ConsumedMessage[]> {
  const transport = new KafkaTransport(kafka, silentLogger());
  const got: ConsumedMessage[] = [];
  const consumer = await transport.consumer({ groupId: `reader-${topic}-${Date.now()}`, topics: [topic], fromBeginning: true });
  await consumer.run(async (batch) => {
    got.push(...batch.messages);
  });
  const deadline = Date.now() + 30_000;
  while (got.length < count && Date.now() < deadline) await sleep(100);
  await transport.close();
  return got;
}
