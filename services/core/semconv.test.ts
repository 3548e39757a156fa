import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import * as semconv from './semconv.ts';

test('every copied semantic-convention name equals the package\'s incubating export of the same name', () => {
  const copied = Object.entries(semconv).filter(([name, value]) => typeof value === 'string' && name !== 'MESSAGING_SYSTEM_VALUE_EMBEDDED');
  assert.ok(copied.length >= 15, `only ${copied.length} names`);
  const pkg = incubating as unknown as Record<string, unknown>;
  for (const [name, value] of copied) assert.equal(pkg[name], value, `${name}`);
});

test('the custom messaging.system value is not one semconv defines', () => {
  const systems = Object.entries(incubating as unknown as Record<string, unknown>).filter(([k]) => k.startsWith('MESSAGING_SYSTEM_VALUE_')).map(([, v]) => v);
  assert.ok(systems.includes('kafka'));
  assert.ok(!systems.includes(semconv.MESSAGING_SYSTEM_VALUE_EMBEDDED));
});
