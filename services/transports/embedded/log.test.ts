import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedLog } from './log.ts';
import { ManualClock } from '../../core/clock.ts';
import { partitionForKey } from '../../core/partitioner.ts';
import { isCaughtUp, type ConsumedBatch } from '../../core/transport.ts';

const newLog = (partitions = 4) => new EmbeddedLog({ partitions, clock: new ManualClock(1000), maxBatchSize: 10 });

test('keyed messages land on the Kafka partition of their key, in order, with offsets', async () => {
  const log = newLog();
  const producer = await log.producer();
  const keys = ['alice', 'bob', 'carol', 'dave', 'erin'];
  for (let i = 0; i < 50; i++) await producer.send('t', [{ key: keys[i % keys.length]!, value: Buffer.from(String(i)) }]);
  for (const m of log.readAll('t')) assert.equal(m.partition, partitionForKey(m.key!, 4));
  for (let p = 0; p < 4; p++) {
    const msgs = log.read('t', p);
    msgs.forEach((m, i) => assert.equal(m.offset, String(i)));
    for (const key of keys) {
      const values = msgs.filter((m) => m.key === key).map((m) => Number(m.value.toString()));
      assert.deepEqual(values, [...values].sort((a, b) => a - b), 'per-key order kept');
    }
  }
  assert.deepEqual([...(await log.endOffsets('t')).values()].reduce((a, b) => a + b, 0n), 50n);
});

test('a consumer group commits after each handled batch and resumes from the commit', async () => {
  const log = newLog(2);
  const producer = await log.producer();
  await producer.send('t', Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));
  const seen: string[] = [];
  const c1 = await log.consumer({ groupId: 'g', topics: ['t'] });
  let failOnce = true;
  await c1.run(async (batch: ConsumedBatch) => {
    if (failOnce && batch.partition === 1) {
      failOnce = false;
      throw new Error('sink down');
    }
    seen.push(...batch.messages.map((m) => m.value.toString()));
  });
  await assert.rejects(c1.done, /sink down/);
  const committedAfterFailure = await log.committedOffsets('g', 't');
  assert.equal(committedAfterFailure.get(1), undefined, 'the failed batch was not committed');

  const c2 = await log.consumer({ groupId: 'g', topics: ['t'] });
  await c2.run(async (batch) => {
    seen.push(...batch.messages.map((m) => m.value.toString()));
  });
  while (!(await isCaughtUp(log, 'g', 't'))) await log.waitForChange(20);
  await c2.stop();
  assert.deepEqual(new Set(seen), new Set(Array.from({ length: 25 }, (_, i) => String(i))));
  assert.equal(seen.length, 25, 'nothing processed twice after a clean commit');
});

test('two members of one group split the partitions; every message is handled once', async () => {
  const log = newLog(6);
  const producer = await log.producer();
  await producer.send('t', Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: Buffer.from(String(i)) })));
  const byMember = [new Set<number>(), new Set<number>()];
  const count = new Map<string, number>();
  const members = await Promise.all([0, 1].map(() => log.consumer({ groupId: 'g2', topics: ['t'] })));
  await Promise.all(
    members.map((c, i) =>
      c.run(async (batch) => {
        byMember[i]!.add(batch.partition);
        for (const m of batch.messages) count.set(m.value.toString(), (count.get(m.value.toString()) ?? 0) + 1);
      }),
    ),
  );
  while (!(await isCaughtUp(log, 'g2', 't'))) await log.waitForChange(20);
  await Promise.all(members.map((c) => c.stop()));
  assert.equal(count.size, 300);
  assert.ok([...count.values()].every((n) => n === 1));
  assert.ok(byMember[0]!.size > 0 && byMember[1]!.size > 0, 'both members got partitions');
  assert.equal([...byMember[0]!].filter((p) => byMember[1]!.has(p)).length, 0, 'no partition shared');
});
