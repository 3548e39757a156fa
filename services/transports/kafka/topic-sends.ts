import type { OutgoingMessage } from '../../core/transport.ts';

/** One caller's `send(topic, messages)`, waiting to be coalesced with others. */
export interface TopicSend {
  topic: string;
  messages: readonly OutgoingMessage[];
}

/** Bytes the messages add to a produce request, roughly (keys, values, header names and values). */
export function topicSendBytes(s: TopicSend): number {
  let n = 0;
  for (const m of s.messages) {
    n += 24 + Buffer.byteLength(m.key) + (m.value?.length ?? 0);
    for (const [k, v] of Object.entries(m.headers ?? {})) n += 4 + k.length + Buffer.byteLength(v);
  }
  return n;
}

/**
 * The sends of one request, merged per topic in submission order (kafkajs then groups each topic's
 * messages per partition, keeping that order): a topic appears once, at its first sender's place.
 */
export function mergeTopicSends(sends: readonly TopicSend[]): Array<{ topic: string; messages: OutgoingMessage[] }> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const s of sends) {
    let list = byTopic.get(s.topic);
    if (!list) byTopic.set(s.topic, (list = []));
    for (const m of s.messages) list.push(m);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
