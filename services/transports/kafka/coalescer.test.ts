import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Coalescer } from './coalescer.ts';
import { mergeTopicSends, topicSendBytes, type TopicSend } from './topic-sends.ts';
import { classifyProduceError } from './transport.ts';
import { SluiceError } from '../../core/errors.ts';
import type { OutgoingMessage } from '../../core/transport.ts';

const msg = (key: string, value = 'v', partition?: number): OutgoingMessage => ({ key, value: Buffer.from(value), ...(partition === undefined ? {} : { partition }) });

/** A protocol error as kafkajs raises it for a record over max.message.bytes. */
function tooLarge(): Error {
  return Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
}

/** A coalescing producer over a fake broker that records each request and can refuse records. */
function producerOn(broker: { refuse?: (m: OutgoingMessage) => Error | null; delayMs?: number }, lingerMs = 5, maxBytes = 1 << 20) {
  const requests: Array<Array<{ topic: string; keys: string[] }>> = [];
  const coalescer = new Coalescer<TopicSend>({
    lingerMs,
    maxBytes,
    size: topicSendBytes,
    flush: async (items) => {
      const merged = mergeTopicSends(items);
      requests.push(merged.map(({ topic, messages }) => ({ topic, keys: messages.map((m) => m.key) })));
      if (broker.delayMs) await sleep(broker.delayMs);
      for (const { messages } of merged) for (const m of messages) {
        const err = broker.refuse?.(m);
        if (err) throw err;
      }
    },
    retryAlone: (cause) => classifyProduceError('', cause).code === 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE',
    error: (item, cause) => classifyProduceError(item.topic, cause),
  });
  const send = (topic: string, messages: OutgoingMessage[]) => coalescer.submit({ topic, messages });
  return { coalescer, send, requests };
}

test('sends made within the linger leave as one request, merged per topic in call order', async () => {
  const { send, requests, coalescer } = producerOn({});
  await Promise.all([send('findings', [msg('f1')]), send('changelog', [msg('c1', 'v', 3)]), send('findings', [msg('f2'), msg('f3')])]);
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0], [
    { topic: 'findings', keys: ['f1', 'f2', 'f3'] },
    { topic: 'changelog', keys: ['c1'] },
  ]);
  assert.equal(coalescer.requests, 1);
});

test('sends arriving while a request is in flight go together in the next one, after it (order per topic kept)', async () => {
  const { send, requests } = producerOn({ delayMs: 30 });
  const first = send('t', [msg('a')]);
  await sleep(15); // the first request is in flight now
  const later = [send('t', [msg('b')]), send('u', [msg('x')]), send('t', [msg('c')])];
  await Promise.all([first, ...later]);
  assert.deepEqual(requests, [[{ topic: 't', keys: ['a'] }], [{ topic: 't', keys: ['b', 'c'] }, { topic: 'u', keys: ['x'] }]]);
});

test('a record too large fails only the caller that sent it; the others are written alone and resolve', async () => {
  const refuse = (m: OutgoingMessage) => (m.key === 'huge' ? tooLarge() : null);
  const { send, requests } = producerOn({ refuse });
  const results = await Promise.allSettled([send('findings', [msg('f1')]), send('actions', [msg('huge')]), send('changelog', [msg('c1')])]);
  assert.equal(results[0]!.status, 'fulfilled');
  assert.equal(results[2]!.status, 'fulfilled');
  assert.equal(results[1]!.status, 'rejected');
  const err = (results[1] as PromiseRejectedResult).reason as SluiceError;
  assert.ok(err instanceof SluiceError);
  assert.equal(err.code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
  assert.equal(err.retriable, false);
  assert.match(err.message, /producing to actions refused: MESSAGE_TOO_LARGE/);
  // One merged request, then each caller's messages alone, in call order.
  assert.deepEqual(requests.map((r) => r.map((t) => t.topic)), [['findings', 'actions', 'changelog'], ['findings'], ['actions'], ['changelog']]);
});

test('a retriable failure reaches every caller of the request, each with its own topic named, without a resend', async () => {
  const down = Object.assign(new Error('Connection error: ECONNREFUSED'), { retriable: true });
  const { send, requests } = producerOn({ refuse: () => down });
  const results = await Promise.allSettled([send('findings', [msg('f1')]), send('changelog', [msg('c1')])]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  const [a, b] = results.map((r) => (r as PromiseRejectedResult).reason as SluiceError);
  assert.equal(a!.code, 'SLUICE_ERR_TRANSPORT_UNAVAILABLE');
  assert.equal(a!.retriable, true);
  assert.match(a!.message, /producing to findings failed/);
  assert.match(b!.message, /producing to changelog failed/);
  assert.equal(requests.length, 1);
});

test('a request holds at most maxBytes (one larger send goes alone); the rest follows in order', async () => {
  const big = 'x'.repeat(3000);
  const { send, requests } = producerOn({}, 5, 4000);
  await Promise.all([send('t', [msg('a', big)]), send('t', [msg('b', big)]), send('t', [msg('c', 'x'.repeat(9000))]), send('t', [msg('d')])]);
  assert.deepEqual(requests.map((r) => r[0]!.keys), [['a'], ['b'], ['c'], ['d']]);
});

test('the linger bounds the wait: a lone send leaves after about lingerMs', async () => {
  const { send, requests } = producerOn({}, 40);
  const t0 = performance.now();
  await send('t', [msg('a')]);
  const waited = performance.now() - t0;
  assert.equal(requests.length, 1);
  assert.ok(waited >= 35 && waited < 1000, `waited ${waited} ms`);
});

test('close() sends what is pending before it resolves, and refuses later sends', async () => {
  const { send, requests, coalescer } = producerOn({}, 10_000);
  const pending = send('t', [msg('a')]);
  await coalescer.close();
  await pending;
  assert.deepEqual(requests, [[{ topic: 't', keys: ['a'] }]]);
  await assert.rejects(send('t', [msg('b')]), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_TRANSPORT_UNAVAILABLE');
  assert.equal(requests.length, 1);
});

test('lingerMs 0 is refused: the transport sends directly then', () => {
  assert.throws(() => new Coalescer<TopicSend>({ lingerMs: 0, maxBytes: 1, size: () => 1, flush: async () => {} }), RangeError);
});

test('mergeTopicSends keeps each topic at its first sender\'s place and the messages in call order', () => {
  const merged = mergeTopicSends([
    { topic: 'a', messages: [msg('1', 'v', 0)] },
    { topic: 'b', messages: [msg('2')] },
    { topic: 'a', messages: [msg('3', 'v', 0), msg('4', 'v', 1)] },
  ]);
  assert.deepEqual(merged.map((m) => [m.topic, m.messages.map((x) => x.key)]), [
    ['a', ['1', '3', '4']],
    ['b', ['2']],
  ]);
  assert.ok(topicSendBytes({ topic: 'a', messages: [msg('k', 'x'.repeat(100))] }) >= 101);
});
