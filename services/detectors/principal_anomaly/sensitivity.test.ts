import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SENSITIVITY, SensitivityTable } from './sensitivity.ts';
import { globToRegExp, GlobSet } from './glob.ts';

test('defaults: logging 5, IAM credentials 4, IAM reads 1.5, other IAM 2, ordinary 1', () => {
  const t = new SensitivityTable();
  assert.equal(t.weightOf('cloudtrail:StopLogging'), 5);
  assert.equal(t.weightOf('iam:CreateAccessKey'), 4);
  assert.equal(t.weightOf('iam:ListUsers'), 1.5);
  assert.equal(t.weightOf('iam:TagRole'), 2);
  assert.equal(t.weightOf('s3:GetObject'), 1);
  assert.equal(t.weightOf('CLOUDTRAIL:stoplogging'), 5, 'case-insensitive');
  assert.equal(t.weightOf('k8s:core/secrets:list'), 3);
  assert.equal(t.weightOf('microsoft.authorization/roleassignments/write'), 4);
  assert.equal(t.lookup('secretsmanager:GetSecretValue').technique, 'T1555.006');
});

test('overrides replace a default pattern or add one; the most specific pattern wins', () => {
  const t = new SensitivityTable({ 'iam:*': 1, 's3:Get*': 3, 's3:GetObjectTagging': 1 });
  assert.equal(t.weightOf('iam:TagRole'), 1);
  assert.equal(t.weightOf('iam:CreateAccessKey'), 4, 'an exact default beats the broader override');
  assert.equal(t.weightOf('s3:GetObject'), 3);
  assert.equal(t.weightOf('s3:GetObjectTagging'), 1);
  assert.equal(t.lookup('iam:CreateAccessKey').technique, 'T1098.001');
  assert.ok(DEFAULT_SENSITIVITY.length > 50);
});

test('globs: only * is special', () => {
  assert.ok(globToRegExp('arn:aws:iam::*:role/a.b').test('arn:aws:iam::123:role/a.b'));
  assert.ok(!globToRegExp('arn:aws:iam::*:role/a.b').test('arn:aws:iam::123:role/aXb'));
  assert.ok(globToRegExp('*(x)+?').test('any(x)+?'));
  const set = new GlobSet(['Exact', 'pre*']);
  assert.ok(set.matches('exact') && set.matches('prefix') && !set.matches('other'));
  assert.equal(new GlobSet([]).size, 0);
});
