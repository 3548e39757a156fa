import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRulePacks } from '../../loader.ts';
import { SNAPSHOT_TYPES } from '../../../collectors/aws_config/snapshot-types.ts';
import { loadPantherPolicyMap } from './panther-map.ts';

test('every Sluice rule the Panther policy mapping names exists and is a posture rule', () => {
  const posture = new Map(loadRulePacks(['@builtin/posture']).map((r) => [r.id, r.input]));
  const map = loadPantherPolicyMap();
  assert.ok(map.size >= 90, `${map.size} policies`);
  for (const p of map.values()) {
    for (const id of p.rules) assert.equal(posture.get(id), 'resource', `${p.id} names ${id}`);
    if (p.rules.length === 0) assert.ok(p.reason, `${p.id} has no rule and no reason`);
  }
});

test('every resource type the mapping names is one the snapshot reader reads', () => {
  const known = new Set(SNAPSHOT_TYPES.map((t) => t.type));
  for (const p of loadPantherPolicyMap().values()) assert.ok(known.has(p.resource), `${p.id}: ${p.resource}`);
});

test('a malformed mapping file is a config error naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'panther-map-'));
  const none = join(dir, 'none.yaml');
  writeFileSync(none, 'source: a test file for the loader\npolicies:\n  - { id: AWS.X.Y, resource: AWS.S3.Bucket, rules: none }\n');
  assert.throws(() => loadPantherPolicyMap(none), /AWS\.X\.Y: an entry with rules: none needs a reason/);
  const dup = join(dir, 'dup.yaml');
  writeFileSync(dup, 'source: a test file for the loader\npolicies:\n  - { id: AWS.X.Y, resource: AWS.S3.Bucket, rules: [a.b.c] }\n  - { id: AWS.X.Y, resource: AWS.S3.Bucket, rules: [a.b.c] }\n');
  assert.throws(() => loadPantherPolicyMap(dup), /policy AWS\.X\.Y is listed twice/);
});
