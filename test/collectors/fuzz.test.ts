import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLLECTOR_SPECS } from '../../services/collectors/registry.ts';
import type { CollectorOutput, CollectorSpec } from '../../services/core/components.ts';
import { SEED_FILES, seedRecords, seedTexts } from './seeds.ts';
import { rng } from '../fixtures/rng.ts';

/**
 * 3,000 bad records per record-based collector (kept small: test/fuzz/ mutates valid records too, and the
 * whole fuzz suite must stay within a minute of npm test): truncated JSON of its own real records, random
 * bytes (some behind a gzip header), and wrong-type records (JSON scalars and arrays, and real
 * records of the other sources). Every one must come out as a dead letter, with no throw.
 * object_storage is not record-based (any bytes are object content), so it is not in this list.
 */
const PER_COLLECTOR = 3_000;

function badInputs(spec: CollectorSpec, random: () => number): Buffer[] {
  const type = spec.type;
  const own = seedTexts(type);
  // Other sources' records, except those this collector's sniffer claims (an AKS kube-audit record
  // inside an Azure diagnostics feed is also a Kubernetes audit record).
  const others = Object.keys(SEED_FILES)
    .filter((t) => t !== type)
    .flatMap((t) => seedRecords(t).slice(0, 50))
    .filter((r) => !spec.sniff(r));
  const scalars = ['null', 'true', '42', '"text"', '[[]]', '[1,2,3]', '[{"a":1}]', '{}', '""', '-0.5e9'];
  const out: Buffer[] = [];
  while (out.length < PER_COLLECTOR) {
    const kind = out.length % 4;
    if (kind === 0 && own.length) {
      const text = own[Math.floor(random() * own.length)]!;
      const cut = 1 + Math.floor(random() * (text.length - 2));
      out.push(Buffer.from(text.slice(0, cut)));
    } else if (kind === 1) {
      const len = 1 + Math.floor(random() * 600);
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(random() * 256);
      if (len >= 2 && random() < 0.2) bytes.set([0x1f, 0x8b], 0);
      if (bytes.toString('latin1').trim() === '') bytes[0] = 0x7b;
      out.push(bytes);
    } else if (kind === 2 || others.length === 0) {
      out.push(Buffer.from(scalars[Math.floor(random() * scalars.length)]!));
    } else {
      out.push(Buffer.from(JSON.stringify(others[Math.floor(random() * others.length)])));
    }
  }
  return out;
}

for (const spec of COLLECTOR_SPECS.filter((s) => s.type in SEED_FILES)) {
  test(`${spec.type}: ${PER_COLLECTOR} truncated, garbage and wrong-type records all end as dead letters`, () => {
    const collector = spec.create({});
    const random = rng(0x5eed ^ spec.type.length);
    let outputs = 0;
    badInputs(spec, random).forEach((bytes, i) => {
      let outs: CollectorOutput[];
      try {
        outs = [...collector.collect({ name: `fuzz-${i}`, bytes })];
      } catch (err) {
        assert.fail(`input #${i} (${bytes.subarray(0, 60).toString('latin1')}) threw: ${(err as Error).message}`);
      }
      assert.ok(outs.length > 0, `input #${i} vanished without a dead letter: ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`);
      for (const o of outs) {
        assert.equal(o.kind, 'dead_letter', `input #${i} was accepted: ${bytes.subarray(0, 120).toString('latin1')}`);
        if (o.kind === 'dead_letter') {
          assert.match(o.reasonCode, /^SLUICE_ERR_/);
          assert.ok(o.reason.length > 0);
        }
      }
      outputs += outs.length;
    });
    assert.ok(outputs >= PER_COLLECTOR);
  });
}

test('every record-based collector has seeds for the fuzz test', () => {
  const notRecordBased = new Set(['object_storage']);
  for (const spec of COLLECTOR_SPECS) {
    if (!notRecordBased.has(spec.type)) assert.ok(spec.type in SEED_FILES, `${spec.type} has no seed file in test/collectors/seeds.ts`);
  }
});
