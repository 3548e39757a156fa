import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { ManualClock } from './clock.ts';
import { SluiceError } from './errors.ts';
import { instrumentTransport, messagingSystem } from './telemetry-messaging.ts';
import { inMemoryTelemetry } from './telemetry-testing.ts';
import { isCaughtUp, type Transport } from './transport.ts';

const log = () => new EmbeddedLog({ partitions: 2, clock: new ManualClock(1000), maxBatchSize: 100 });

test('sent and consumed messages and the processing of each batch, with the semconv names and attributes', async () => {
  const mem = inMemoryTelemetry();
  const inner = log();
  const transport = instrumentTransport(inner, mem.telemetry);
  const producer = await transport.producer();
  await producer.send('sluice.activity.v1', Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));

  const sent = await mem.points('messaging.client.sent.messages');
  assert.deepEqual(sent, [
    { attributes: { 'messaging.system': 'sluice_embedded', 'messaging.operation.name': 'send', 'messaging.destination.name': 'sluice.activity.v1' }, value: 5 },
  ]);
  const sendDuration = await mem.points('messaging.client.operation.duration');
  assert.equal(sendDuration[0]?.attributes['messaging.operation.type'], 'send');
  assert.equal(sendDuration[0]?.value, 1);

  const consumer = await transport.consumer({ groupId: 'sluice-processor', topics: ['sluice.activity.v1'] });
  let handled = 0;
  await consumer.run(async (batch) => {
    handled += batch.messages.length;
  });
  while (!(await isCaughtUp(inner, 'sluice-processor', 'sluice.activity.v1'))) await inner.waitForChange(20);
  await consumer.stop();
  await consumer.done;
  assert.equal(handled, 5);

  const consumed = await mem.points('messaging.client.consumed.messages');
  assert.equal(consumed.reduce((n, p) => n + p.value, 0), 5);
  for (const p of consumed) {
    assert.equal(p.attributes['messaging.system'], 'sluice_embedded');
    assert.equal(p.attributes['messaging.operation.name'], 'poll');
    assert.equal(p.attributes['messaging.consumer.group.name'], 'sluice-processor');
    assert.equal(p.attributes['messaging.destination.name'], 'sluice.activity.v1');
    assert.match(String(p.attributes['messaging.destination.partition.id']), /^[01]$/);
  }
  const processed = await mem.points('messaging.process.duration');
  assert.equal(processed.reduce((n, p) => n + p.value, 0), consumed.length, 'one process per batch');
  assert.ok(processed.every((p) => p.attributes['messaging.operation.type'] === 'process' && !('error.type' in p.attributes)));
});

test('a failed send and a failed batch carry error.type; the errors still reach the caller', async () => {
  const mem = inMemoryTelemetry();
  const inner = log();
  const failing: Transport = {
    ...inner,
    kind: 'kafka',
    producer: async () => ({
      send: async () => {
        throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', 'no broker');
      },
      close: async () => {},
    }),
    consumer: (o) => inner.consumer(o),
    endOffsets: (t) => inner.endOffsets(t),
    committedOffsets: (g, t) => inner.committedOffsets(g, t),
    readPartitions: (topic, partitions, onMessages) => inner.readPartitions(topic, partitions, onMessages),
    partitionCount: (t) => inner.partitionCount(t),
    close: () => inner.close(),
  };
  const transport = instrumentTransport(failing, mem.telemetry);
  await assert.rejects((await transport.producer()).send('t', [{ key: 'a', value: Buffer.from('x') }]), /no broker/);
  assert.deepEqual(await mem.points('messaging.client.sent.messages'), [
    {
      attributes: { 'messaging.system': 'kafka', 'messaging.operation.name': 'send', 'messaging.destination.name': 't', 'error.type': 'SLUICE_ERR_TRANSPORT_UNAVAILABLE' },
      value: 1,
    },
  ]);

  await (await inner.producer()).send('t', [{ key: 'a', value: Buffer.from('x') }]);
  const consumer = await transport.consumer({ groupId: 'g', topics: ['t'] });
  await consumer.run(async () => {
    throw new TypeError('detector bug');
  });
  await assert.rejects(consumer.done, /detector bug/);
  const processed = await mem.points('messaging.process.duration');
  assert.equal(processed[0]?.attributes['error.type'], 'TypeError');
});

test('state restore reads count as consumed messages without a consumer group', async () => {
  const mem = inMemoryTelemetry();
  const inner = log();
  await (await inner.producer()).send('app-detector-changelog', [
    { key: 'a', value: Buffer.from('1'), partition: 0 },
    { key: 'b', value: Buffer.from('2'), partition: 1 },
    { key: 'c', value: Buffer.from('3'), partition: 1 },
  ]);
  let read = 0;
  await instrumentTransport(inner, mem.telemetry).readPartitions('app-detector-changelog', [0, 1], (m) => (read += m.length));
  assert.equal(read, 3);
  const consumed = await mem.points('messaging.client.consumed.messages');
  assert.deepEqual(
    consumed.map((p) => [p.attributes['messaging.destination.partition.id'], p.value, 'messaging.consumer.group.name' in p.attributes]).sort(),
    [
      ['0', 1, false],
      ['1', 2, false],
    ],
  );
  assert.equal(messagingSystem({ kind: 'kafka' }), 'kafka');
});
