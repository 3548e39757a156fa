import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../core/errors.ts';
import { followSourceFor } from './follow-sources.ts';
import { buildProgram } from './main.ts';

it('--follow without a value keeps SQS for the S3-notification types; other types get their one source', () => {
  assert.equal(followSourceFor('aws_cloudtrail', true), 'sqs');
  assert.equal(followSourceFor('object_storage', true), 'sqs');
  assert.equal(followSourceFor('k8s_audit', true), 'webhook');
  assert.equal(followSourceFor('aws_cloudtrail', 'kinesis'), 'kinesis');
});

it('a source that does not fit the type, or a type without one, is a config error naming what fits', () => {
  assert.throws(() => followSourceFor('aws_config', 'kinesis'), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /follows sqs/.test(e.message));
  assert.throws(() => followSourceFor('sbom', true), (e: unknown) => e instanceof SluiceError && /has no follow mode/.test(e.message) && /kinesis \(aws_cloudtrail\)/.test(e.message));
});

it('the CLI parses `--follow kinesis` as a value and a bare `--follow` before another flag as true', () => {
  const seen: unknown[] = [];
  const program = buildProgram();
  const collector = program.commands.find((c) => c.name() === 'collector')!;
  collector.action((_type: string, flags: { follow?: unknown }) => void seen.push(flags.follow));
  program.parse(['node', 'sluice', 'collector', 'aws_cloudtrail', '--follow', 'kinesis', '--kinesis-stream', 's']);
  program.parse(['node', 'sluice', 'collector', 'aws_cloudtrail', '--follow', '--sqs-queue-url', 'http://localhost/q']);
  assert.deepEqual(seen, ['kinesis', true]);
});

it('Event Hubs and Pub/Sub are the follow sources of azure_activity and gcp_audit', () => {
  assert.equal(followSourceFor('azure_activity', true), 'eventhubs');
  assert.equal(followSourceFor('gcp_audit', 'pubsub'), 'pubsub');
  assert.throws(() => followSourceFor('gcp_audit', 'eventhubs'), /follows pubsub/);
});

it('object_storage follows SQS by default and an Azure Blob container on request', () => {
  assert.equal(followSourceFor('object_storage', true), 'sqs');
  assert.equal(followSourceFor('object_storage', 'azure-blob'), 'azure-blob');
});

it('aws_account follows IAM reports and aws_config_rescan the re-scan requests', () => {
  assert.equal(followSourceFor('aws_account', true), 'iam');
  assert.equal(followSourceFor('aws_config_rescan', true), 'rescan');
});
