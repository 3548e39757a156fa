import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../core/action-signing.ts';
import { outputSignatureHeaders } from './output-signing.ts';

const KEY = 'actions-key-0123456789abcdef-0123456789';
const value = Buffer.from(JSON.stringify({ id: 'd-1', decision: 'block', scope: 'edge' }));

test('enforcement decisions are signed like actions, and the signature binds topic, key and value', () => {
  for (const stream of ['actions', 'enforcement'] as const) {
    const h = outputSignatureHeaders(stream, KEY, `sluice.${stream}.v1`, 'kind/shop/app/web', value);
    assert.match(h[ACTION_SIGNATURE_HEADER] ?? '', /^v1=[0-9a-f]{64}$/);
    assert.equal(actionSignatureProblem(KEY, `sluice.${stream}.v1`, 'kind/shop/app/web', value, h[ACTION_SIGNATURE_HEADER]), null);
    assert.notEqual(actionSignatureProblem(KEY, `sluice.${stream}.v1`, 'kind/shop/app/web', Buffer.from('{"decision":"allow"}'), h[ACTION_SIGNATURE_HEADER]), null, 'a changed value no longer verifies');
    assert.notEqual(actionSignatureProblem('another-key-0123456789abcdef-01234', `sluice.${stream}.v1`, 'kind/shop/app/web', value, h[ACTION_SIGNATURE_HEADER]), null, 'nor under another key');
  }
});

test('without an actions key nothing is signed', () => {
  assert.deepEqual(outputSignatureHeaders('enforcement', undefined, 'sluice.enforcement.v1', 'k', value), {});
});
