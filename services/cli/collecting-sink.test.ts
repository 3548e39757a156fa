import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testFinding } from '../sinks/alerting/testing.ts';
import { CollectingSink } from './output.ts';

test('the CLI sink keeps the latest copy of a finding id (an update), in first-seen order, and counts it once', async () => {
  const sink = new CollectingSink();
  const a = testFinding(1, { id: 'a', severity: 'Medium', severity_id: 3 });
  const b = testFinding(2, { id: 'b', severity: 'Low', severity_id: 2 });
  await sink.write([a, b]);
  await sink.write([{ ...a, severity: 'Critical', severity_id: 5 }]);
  await sink.write([b]);
  assert.deepEqual(sink.findings.map((f) => `${f.id} ${f.severity}`), ['a Critical', 'b Low']);
  assert.deepEqual(Object.fromEntries(sink.bySeverity), { Critical: 1, Low: 1 });
});
