import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InsertQueue, type InsertQueueLimits } from './insert-queue.ts';

/** A queue whose inserts are recorded and finish when the test lets them (or fail when told to). */
function harness(limits: Partial<InsertQueueLimits> = {}) {
  const bodies: string[] = [];
  const counts = { inserted: 0, rows: 0, failed: 0, ok: 0, rejected: 0 };
  let failNext: Error | undefined;
  const pending: Array<() => void> = [];
  let hold = false;
  const queue = new InsertQueue(
    { maxRows: 1000, maxBytes: 1 << 20, flushIntervalMs: 0, ...limits },
    {
      insert: async (body) => {
        bodies.push(body.toString('utf8'));
        if (hold) await new Promise<void>((r) => pending.push(r));
        if (failNext) {
          const e = failNext;
          failNext = undefined;
          throw e;
        }
      },
      inserted: (rows) => {
        counts.inserted++;
        counts.rows += rows;
      },
      failed: () => counts.failed++,
      settled: (ok) => void (ok ? counts.ok++ : counts.rejected++),
    },
  );
  return {
    queue,
    bodies,
    counts,
    fail: (e: Error) => (failNext = e),
    hold: (on: boolean) => (hold = on),
    release: () => pending.splice(0).forEach((r) => r()),
  };
}

const lines = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}\n`);

describe('InsertQueue', () => {
  it('merges the writes that arrive while an INSERT runs into the next one, in order', async () => {
    const h = harness();
    h.hold(true);
    const first = h.queue.add(lines('a', 2));
    const later = [h.queue.add(lines('b', 3)), h.queue.add(lines('c', 1))];
    await new Promise((r) => setImmediate(r));
    assert.equal(h.bodies.length, 1, 'one INSERT at a time');
    h.hold(false);
    h.release();
    await Promise.all([first, ...later]);
    assert.deepEqual(h.bodies, ['a0\na1\n', 'b0\nb1\nb2\nc0\n']);
    assert.deepEqual(h.counts, { inserted: 2, rows: 6, failed: 0, ok: 3, rejected: 0 });
  });

  it('splits by maxRows and maxBytes, and sends a larger single row alone', async () => {
    const h = harness({ maxRows: 2, maxBytes: 8 });
    await Promise.all([h.queue.add(['12345\n', 'ab\n', 'cd\n', 'ef\n']), h.queue.add(['0123456789\n'])]);
    assert.deepEqual(h.bodies, ['12345\n', 'ab\ncd\n', 'ef\n', '0123456789\n']);
  });

  it('waits flushIntervalMs for company when idle; drain() sends at once', async () => {
    const h = harness({ flushIntervalMs: 60_000 });
    const a = h.queue.add(['x\n']);
    const b = h.queue.add(['y\n']);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.bodies.length, 0);
    await h.queue.drain();
    await Promise.all([a, b]);
    assert.deepEqual(h.bodies, ['x\ny\n']);
  });

  it('rejects every write of a failed INSERT once, and keeps going with the next', async () => {
    const h = harness();
    h.hold(true);
    const first = h.queue.add(['a\n']);
    const second = h.queue.add(['b\n', 'c\n']);
    const third = h.queue.add(['d\n']);
    h.fail(new Error('boom'));
    h.hold(false);
    h.release();
    await assert.rejects(first, /boom/);
    await Promise.all([second, third]);
    assert.deepEqual(h.counts, { inserted: 1, rows: 3, failed: 1, ok: 2, rejected: 1 });
    assert.equal(h.queue.size, 0);
  });

  it('drops the queued rows of a write that already failed in an earlier INSERT', async () => {
    const h = harness({ maxRows: 1 });
    h.fail(new Error('first row refused'));
    const w = h.queue.add(['a\n', 'b\n', 'c\n']);
    await assert.rejects(w, /refused/);
    await h.queue.drain();
    assert.deepEqual(h.bodies, ['a\n'], 'b and c belonged to the failed write and were not sent');
    assert.equal(h.queue.size, 0);
  });
  it('encodes multi-byte rows into the body exactly, lone surrogates as U+FFFD', async () => {
    const h = harness();
    const rows = Array.from({ length: 50 }, (_, i) => `é€😀${'\ud800'}${i}\n`);
    await h.queue.add(rows);
    assert.equal(h.bodies.length, 1);
    assert.equal(h.bodies[0], rows.join('').replaceAll('\ud800', '\ufffd'));
  });

  describe('with a second INSERT in flight', () => {
    /** Inserts that each wait for their own release, or fail when released with an error. */
    function manual(limits: Partial<InsertQueueLimits>) {
      const sent: Array<{ body: string; done: (err?: Error) => void }> = [];
      const queue = new InsertQueue(
        { maxRows: 1000, maxBytes: 1 << 20, flushIntervalMs: 0, ...limits },
        {
          insert: (body) => new Promise<void>((resolve, reject) => sent.push({ body: body.toString('utf8'), done: (err) => (err ? reject(err) : resolve()) })),
          inserted: () => undefined,
          failed: () => undefined,
        },
      );
      return { queue, sent };
    }
    const tick = () => new Promise((r) => setImmediate(r));

    it('starts one only when parallelMinRows rows wait, and resolves a write after all its INSERTs', async () => {
      const { queue, sent } = manual({ maxInFlight: 2, parallelMinRows: 3 });
      const a = queue.add(['a0\n']);
      await tick();
      const b = queue.add(['b0\n', 'b1\n']);
      await tick();
      assert.equal(sent.length, 1, 'two rows waiting: below parallelMinRows, they wait for the running INSERT');
      let cDone = false;
      const c = queue.add(['c0\n']).then(() => (cDone = true));
      await tick();
      assert.deepEqual(sent.map((s) => s.body), ['a0\n', 'b0\nb1\nc0\n'], 'three waiting: a second INSERT runs beside the first');
      assert.equal(queue.inFlight, 2);
      const d = queue.add(['d0\n', 'd1\n', 'd2\n']);
      await tick();
      assert.equal(sent.length, 2, 'never more than maxInFlight');
      sent[1]!.done();
      await tick();
      assert.equal(cDone, true, 'the second INSERT is acknowledged on its own');
      assert.deepEqual(sent.map((s) => s.body).slice(2), ['d0\nd1\nd2\n']);
      sent[0]!.done();
      sent[2]!.done();
      await Promise.all([a, b, c, d]);
      await queue.drain();
      assert.equal(queue.inFlight, 0);
    });

    it('does not resolve a write whose rows span two INSERTs until both are acknowledged, and rejects it if one fails', async () => {
      const { queue, sent } = manual({ maxInFlight: 2, parallelMinRows: 1, maxRows: 2 });
      let settled = '';
      const w = queue.add(['x0\n', 'x1\n', 'x2\n']).then(
        () => (settled = 'resolved'),
        (err: Error) => (settled = err.message),
      );
      await tick();
      assert.deepEqual(sent.map((s) => s.body), ['x0\nx1\n', 'x2\n']);
      sent[1]!.done();
      await tick();
      assert.equal(settled, '', 'one of its two INSERTs is still running');
      sent[0]!.done(new Error('part refused'));
      await w;
      assert.equal(settled, 'part refused');
    });
  });
});
