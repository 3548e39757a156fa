import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { PrincipalAnomalyConfig } from './config.ts';
import { principalAnomalySpec } from './index.ts';

test('defaults: off, threshold 2, learning 30 events and 7 days', () => {
  const c = PrincipalAnomalyConfig.parse({});
  assert.equal(c.enabled, false);
  assert.equal(c.threshold, 2);
  assert.deepEqual(c.learning, { minEvents: 30, minDays: 7 });
  assert.deepEqual(c.allow, { principals: [], sourceCidrs: [], operations: [], userAgents: [] });
  assert.equal(c.sketch.operations, 48);
});

test('rejects unknown fields, bad CIDRs and idleEvictDays <= dormantDays, naming each problem', () => {
  const r = PrincipalAnomalyConfig.safeParse({ bogus: 1, allow: { sourceCidrs: ['10.0.0.0/40'] }, idleEvictDays: 10, dormantDays: 30, weights: { extra: 1 } });
  assert.ok(!r.success);
  const paths = r.error.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('allow.sourceCidrs.0'), paths.join());
  assert.ok(r.error.issues.some((i) => i.code === 'unrecognized_keys'));
  const order = PrincipalAnomalyConfig.safeParse({ idleEvictDays: 10, dormantDays: 30 });
  assert.ok(!order.success && order.error.issues[0]!.path.join('.') === 'idleEvictDays');
});

test('every field has a description', () => {
  let seen = 0;
  const walk = (schema: z.ZodType, path: string): string[] => {
    const missing: string[] = [];
    const inner = (s: z.ZodType): z.ZodType => {
      let cur: z.ZodType = s;
      for (let i = 0; i < 5; i++) {
        const def = (cur as unknown as { def: { innerType?: z.ZodType } }).def;
        if (def.innerType === undefined) break;
        cur = def.innerType;
      }
      return cur;
    };
    const obj = inner(schema);
    if (obj instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
        seen++;
        if (!v.description) missing.push(`${path}${k}`);
        missing.push(...walk(v, `${path}${k}.`));
      }
    }
    return missing;
  };
  assert.deepEqual(walk(PrincipalAnomalyConfig, ''), []);
  assert.ok(seen > 50, `walked ${seen} fields`);
});

test('spec: a detector on the activity stream named after its folder', () => {
  assert.equal(principalAnomalySpec.kind, 'detector');
  assert.equal(principalAnomalySpec.name, 'principal_anomaly');
  assert.equal(principalAnomalySpec.stream, 'activity');
  assert.ok(principalAnomalySpec.description.length > 20);
  assert.equal(principalAnomalySpec.configSchema, PrincipalAnomalyConfig);
});
