import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bool, conditionKeys, epochMs, policyDocument, principalIsEveryone } from './resource-view-util.ts';

test('epochMs reads the time shapes AWS Config items carry, null for anything else', () => {
  assert.equal(epochMs('2026-12-01T00:00:00.000Z'), Date.UTC(2026, 11, 1));
  assert.equal(epochMs(1764547200), Date.UTC(2025, 11, 1), 'epoch seconds');
  assert.equal(epochMs(1764547200000), Date.UTC(2025, 11, 1), 'epoch milliseconds');
  assert.equal(epochMs('datetime.datetime(2020, 4, 22, 13, 13, 17, 718000, tzinfo=tzlocal())'), Date.UTC(2020, 3, 22, 13, 13, 17, 718));
  assert.equal(epochMs('next tuesday'), null);
  assert.equal(epochMs(null), null);
});

test('policyDocument parses objects, JSON text and URL-encoded JSON text; anything else is null', () => {
  assert.deepEqual(policyDocument('{"Statement":[]}'), { Statement: [] });
  assert.deepEqual(policyDocument('%7B%22Statement%22%3A%5B%5D%7D'), { Statement: [] });
  assert.equal(policyDocument('not json'), null);
  assert.equal(policyDocument(null), null);
});

test('principals and condition keys', () => {
  assert.equal(principalIsEveryone('*'), true);
  assert.equal(principalIsEveryone({ AWS: ['arn:aws:iam::111122223333:root', '*'] }), true);
  assert.equal(principalIsEveryone({ Service: 's3.amazonaws.com' }), false);
  assert.deepEqual(conditionKeys({ Condition: { StringEquals: { 'AWS:SourceAccount': '1' }, ArnLike: { 'aws:SourceArn': 'x' } } }), ['aws:sourceaccount', 'aws:sourcearn']);
  assert.equal(bool('TRUE'), true);
  assert.equal(bool('yes', null), null);
});
