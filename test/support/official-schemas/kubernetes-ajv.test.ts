/**
 * The Kubernetes schema semantics the official-schema validators add to ajv: structural objects
 * closed unless x-kubernetes-preserve-unknown-fields, value branches left open, list types, the
 * cidr format, RE2 patterns and CEL rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeStructural, isCidr, kubernetesAjv } from './kubernetes-ajv.ts';

const ajv = kubernetesAjv();

test('objects are closed at structural positions only; preserve-unknown-fields keeps one open', () => {
  const schema = closeStructural({
    type: 'object',
    properties: {
      closed: { type: 'object', properties: { a: { type: 'string' } } },
      open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
      map: { type: 'object', additionalProperties: { type: 'object', properties: { b: { type: 'integer' } } } },
      list: { type: 'array', items: { type: 'object', properties: { c: { type: 'string' } } } },
    },
    oneOf: [{ properties: { closed: {} }, required: ['closed'] }, { properties: { open: {} }, required: ['open'] }],
  });
  const validate = ajv.compile(schema);
  assert.equal(validate({ closed: { a: 'x' } }), true, 'the oneOf branch does not close the object');
  assert.equal(validate({ closed: { a: 'x', z: 1 } }), false);
  assert.equal(validate({ open: { a: 'x', z: 1 } }), true);
  assert.equal(validate({ closed: {}, extra: 1 }), false);
  assert.equal(validate({ closed: {}, map: { k: { b: 1 } } }), true);
  assert.equal(validate({ closed: {}, map: { k: { b: 1, z: 1 } } }), false);
  assert.equal(validate({ closed: {}, list: [{ c: 'x', z: 1 }] }), false);
});

test('list types, cidr, RE2 patterns and CEL rules', () => {
  const set = ajv.compile({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' });
  assert.equal(set(['a', 'b']), true);
  assert.equal(set(['a', 'a']), false);
  const map = ajv.compile({ type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'] });
  assert.equal(map([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]), true);
  assert.equal(map([{ port: 53, protocol: 'UDP', x: 1 }, { port: 53, protocol: 'UDP', x: 2 }]), false);
  assert.deepEqual(['10.0.0.0/8', '10.1.2.3/32', '2001:db8::/32', '::/0'].map(isCidr), [true, true, true, true]);
  assert.deepEqual(['10.0.0.0/33', '10.0.0.0', 'example.com/8', '2001:db8::/129'].map(isCidr), [false, false, false, false]);
  const printable = ajv.compile({ type: 'string', pattern: '^\\PC*$' });
  assert.equal(printable('plain text'), true, 'Go regexp syntax');
  assert.equal(printable('bell\u0007'), false);
  const cel = ajv.compile({ type: 'object', 'x-kubernetes-validations': [{ rule: 'has(self.spec) || has(self.specs)', message: 'spec or specs' }, { rule: 'self == oldSelf' }] });
  assert.equal(cel({ spec: {} }), true, 'transition rules are skipped on create');
  assert.equal(cel({}), false);
  assert.deepEqual(cel.errors?.map((e) => e.message), ['spec or specs']);
});
