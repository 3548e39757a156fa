import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import type { SideOutput } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import { MemoryKeyedState, type KeyedState } from '../../core/state.ts';
import { BUILTIN_DATA_TYPES, type DlpConfigInput } from './config.ts';
import { createDlpDetector } from './detector.ts';
import { makeSample, Rng } from './samples.ts';
import { addGap, newObjectState, StateSealer, takeFromGap, type DlpObjectState } from './state.ts';
import { chunksOf } from './testing.ts';

/** A KeyedState that keeps only what survives JSON, as the changelog does: set() stores a JSON round trip, get() hands out a fresh copy. */
class JsonKeyedState<V> extends MemoryKeyedState<V> {
  /** Longest JSON text set so far. */
  maxBytes = 0;
  override get(key: string): V | undefined {
    const v = super.get(key);
    return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as V);
  }
  override set(key: string, value: V): void {
    const t = JSON.stringify(value);
    this.maxBytes = Math.max(this.maxBytes, t.length);
    super.set(key, JSON.parse(t) as V);
  }
}

function bigObject(seed: number): Buffer {
  const rng = new Rng(seed);
  let text = '';
  for (let i = 0; i < 40; i++) {
    text += 'log line with nothing in it\n'.repeat(20 + rng.int(200));
    text += `${makeSample(BUILTIN_DATA_TYPES[i % BUILTIN_DATA_TYPES.length]!, rng).text}\n`;
  }
  return Buffer.from(text, 'latin1');
}

function run(config: DlpConfigInput, state: KeyedState<DlpObjectState>, bytes: Buffer, cuts: number[]): { findings: Finding[]; emitted: SideOutput[] } {
  const emitted: SideOutput[] = [];
  const d = createDlpDetector({ enabled: true, ...config }, { clock: new ManualClock(0), state, emit: (o) => emitted.push(o) });
  const findings: Finding[] = [];
  for (const c of chunksOf(bytes, cuts, { key: 'big.log' })) findings.push(...d.process(c, { key: 's3://bucket/big.log', topic: 't', partition: 0, offset: '0' }));
  return { findings, emitted };
}

test('state survives a JSON round trip after every chunk, and stays bounded', () => {
  const bytes = bigObject(1);
  const cuts: number[] = [];
  for (let p = 25_000; p < bytes.length; p += 25_000) cuts.push(p);
  const policies = [{ name: 'q', action: 'quarantine' as const }];
  const json = new JsonKeyedState<DlpObjectState>();
  const a = run({ policies }, json, bytes, cuts);
  const b = run({ policies }, new MemoryKeyedState<DlpObjectState>(), bytes, cuts);
  assert.ok(a.findings.length > 40);
  assert.deepEqual(a.findings, b.findings);
  assert.deepEqual(a.emitted, b.emitted);
  assert.equal(json.size, 0, 'deleted with the verdict');
  // Carry: at most (leftContext + holdback) bytes, base64 in the JSON.
  const d = createDlpDetector({ enabled: true }, { clock: new ManualClock(0), state: json, emit: () => undefined });
  const carry = d.engine.leftContext + d.engine.holdback;
  assert.ok(json.maxBytes < (carry * 4) / 3 + 4096, `state JSON ${json.maxBytes} bytes`);
  assert.ok(json.maxBytes > 10_000, 'the carry is really kept in state');
});

test('encrypted state: same findings, no raw bytes in the stored JSON, wrong key counted not thrown', () => {
  const bytes = bigObject(2);
  const cuts = [30_000, 60_000, 90_000];
  const plain = run({}, new JsonKeyedState(), bytes, cuts);
  const texts: string[] = [];
  const spy = new (class extends JsonKeyedState<DlpObjectState> {
    override set(key: string, value: DlpObjectState): void {
      super.set(key, value);
      texts.push(JSON.stringify(value));
    }
  })();
  const sealed = run({ stateEncryptionKey: 'a state key of 32 characters ok!' }, spy, bytes, cuts);
  assert.deepEqual(sealed.findings, plain.findings);
  assert.ok(texts.length >= 3);
  const raw = bytes.toString('latin1');
  for (const t of texts) {
    const st = JSON.parse(t) as DlpObjectState;
    assert.match(st.carry, /^gcm:/);
    const decoded = Buffer.from(st.carry.slice(4), 'base64').toString('latin1');
    assert.ok(!raw.includes(decoded.slice(40, 80)), 'carry is not the raw bytes');
  }
  // A state sealed with another key: the carry is dropped and counted, the detector does not throw.
  const other = new StateSealer('another key, also long enough');
  assert.throws(() => other.open(JSON.parse(texts[0]!).carry as string), /could not be decrypted/);
  const shared = new JsonKeyedState<DlpObjectState>();
  const chunks = chunksOf(bytes, cuts, { key: 'big.log' });
  const meta = { key: 's3://bucket/big.log', topic: 't', partition: 0, offset: '0' };
  const first = createDlpDetector({ enabled: true, stateEncryptionKey: 'the first key, long enough' }, { clock: new ManualClock(0), state: shared, emit: () => undefined });
  first.process(chunks[0]!, meta);
  const second = createDlpDetector({ enabled: true, stateEncryptionKey: 'the second key, long enough' }, { clock: new ManualClock(0), state: shared, emit: () => undefined });
  const rest = chunks.slice(1).flatMap((c) => second.process(c, meta));
  const verdict = rest.find((f) => f.rule === 'object_verdict');
  assert.equal(verdict?.evidences.find((e) => 'carry_lost' in e)?.carry_lost, 1);
});

test('gap list helpers', () => {
  const gaps: Array<[number, number]> = [];
  addGap(gaps, 2, 4);
  addGap(gaps, 4, 6);
  addGap(gaps, 10, 11);
  assert.deepEqual(gaps, [[2, 6], [10, 11]]);
  assert.equal(takeFromGap(gaps, 3), true);
  assert.deepEqual(gaps, [[2, 3], [4, 6], [10, 11]]);
  assert.equal(takeFromGap(gaps, 7), false);
  for (let i = 0; i < 100; i++) addGap(gaps, 20 + 3 * i, 21 + 3 * i);
  assert.ok(gaps.length <= 32);
  assert.equal(newObjectState('v').carry, '');
});
