import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { isRebalanceError } from './transport.ts';

const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

test('a commit refused because the group rebalanced is recognised, also wrapped by the retrier; other errors are not', () => {
  const protocol = new KafkaJSProtocolError('The group is rebalancing, so a rejoin is needed');
  (protocol as unknown as { type: string }).type = 'REBALANCE_IN_PROGRESS';
  assert.equal(isRebalanceError(protocol), true);
  assert.equal(isRebalanceError(new KafkaJSNonRetriableError(protocol)), true);
  assert.equal(isRebalanceError(new KafkaJSNonRetriableError(new Error('The group is rebalancing, so a rejoin is needed'))), true);
  assert.equal(isRebalanceError(new Error('Connection error: connect ECONNREFUSED')), false);
  assert.equal(isRebalanceError(undefined), false);
});
