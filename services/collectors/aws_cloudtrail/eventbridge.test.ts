import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { CollectorOutput } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { API_ACTIVITY_AVSC } from '../../../test/fixtures/cloudtrail/load.ts';
import { createAwsCloudTrailCollector } from './collector.ts';
import { parseAwsCloudTrailConfig } from './config.ts';
import { isEventBridgeEnvelope, sniffEventBridgeCloudTrail, unwrapEventBridge } from './eventbridge.ts';
import { normalizeCloudTrail } from './normalize.ts';

const FIXTURE = new URL('../../../test/fixtures/cloudtrail/eventbridge/event-cloudsearch.json', import.meta.url);
const text = readFileSync(FIXTURE, 'utf8');
const envelope = JSON.parse(text) as Record<string, unknown>;
const detail = envelope.detail as Record<string, unknown>;
/** The envelope's own fields, as read from the fixture: what unwrapEventBridge returns and unmapped.eventBridge keeps. */
const ENVELOPE_IDENTITY = {
  id: 'xxxxx-84b9-4e68-a930-03a7f8d62b50',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.rds',
  account: '687174582794',
  time: '2021-05-26T09:51:58Z',
  region: 'us-east-1',
};
const apiActivityType = avro.Type.forSchema(JSON.parse(readFileSync(API_ACTIVITY_AVSC, 'utf8')));

describe('CloudTrail via EventBridge', () => {
  it('unwrapEventBridge returns detail and the envelope identity; null for a bare event', () => {
    const u = unwrapEventBridge(envelope);
    assert.ok(u);
    assert.equal(u.detail, detail);
    assert.deepEqual(u.envelope, ENVELOPE_IDENTITY);
    assert.equal(unwrapEventBridge(detail), null);
    assert.equal(isEventBridgeEnvelope(detail), false);
  });

  it('normalizes the envelope like its detail, plus unmapped.eventBridge; raw_data keeps the envelope', () => {
    const wrapped = normalizeCloudTrail(envelope);
    const bare = normalizeCloudTrail(detail);
    // Values read from the fixture's detail.
    assert.equal(wrapped.metadata.uid, '9f17a0f0-a75d-425e-8d25-7fd72e7885ae');
    assert.equal(wrapped.api.operation, 'CreateDomain');
    assert.equal(wrapped.api.service_name, 'cloudsearch.amazonaws.com');
    assert.equal(wrapped.time, Date.UTC(2021, 11, 1, 14, 25, 42));
    assert.equal(wrapped.actor.user.type, 'AssumedRole');
    assert.equal(wrapped.actor.session?.is_mfa, false); // "False"
    assert.equal(wrapped.src_endpoint.ip, '148.177.96.202');
    const { unmapped: uw, raw_data: rw, ...restWrapped } = wrapped;
    const { unmapped: ub, raw_data: rb, ...restBare } = bare;
    assert.deepEqual(restWrapped, restBare);
    const unmapped = JSON.parse(uw) as Record<string, unknown>;
    assert.deepEqual(unmapped.eventBridge, ENVELOPE_IDENTITY);
    const { eventBridge: _eb, ...unmappedRest } = unmapped;
    assert.deepEqual(unmappedRest, JSON.parse(ub));
    assert.deepEqual(JSON.parse(rw!), envelope);
    assert.deepEqual(JSON.parse(rb!), detail);
    assert.ok(apiActivityType.isValid(wrapped));
  });

  it('the collector reads an EventBridge file (one event, pretty-printed) and NDJSON of envelopes', () => {
    const collector = createAwsCloudTrailCollector(parseAwsCloudTrailConfig({}));
    const one = [...collector.collect({ name: 'eb.json', bytes: Buffer.from(text) })];
    assert.equal(one.length, 1);
    assert.equal(one[0]!.kind, 'event');
    const nd = [...collector.collect({ name: 'eb.ndjson', bytes: Buffer.from(`${JSON.stringify(envelope)}\n${JSON.stringify(detail)}\n`) })];
    assert.deepEqual(nd.map((o: CollectorOutput) => (o.kind === 'event' ? o.event.metadata.uid : o.reason)), [
      '9f17a0f0-a75d-425e-8d25-7fd72e7885ae',
      '9f17a0f0-a75d-425e-8d25-7fd72e7885ae',
    ]);
  });

  it('rejects EventBridge events that do not carry a CloudTrail record', () => {
    const notTrail = { ...envelope, 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { state: 'running' } };
    assert.throws(
      () => normalizeCloudTrail(notTrail),
      (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED' && /detail-type "EC2 Instance State-change Notification"/.test(e.message),
    );
    assert.throws(
      () => normalizeCloudTrail({ ...envelope, source: 'custom.app' }),
      (e: unknown) => e instanceof SluiceError && /source "custom\.app"/.test(e.message),
    );
    assert.throws(
      () => normalizeCloudTrail({ ...envelope, detail: '{"eventName":"x"}' }),
      (e: unknown) => e instanceof SluiceError && e.message === 'not a CloudTrail event: EventBridge detail must be an object, got a string',
    );
    assert.throws(
      () => normalizeCloudTrail({ ...envelope, detail: { eventName: 'CreateDomain' } }),
      (e: unknown) => e instanceof SluiceError && /eventTime is missing; eventSource is missing$/.test(e.message),
    );
  });

  it('sniffEventBridgeCloudTrail: true for the envelope only', () => {
    assert.equal(sniffEventBridgeCloudTrail(envelope), true);
    assert.equal(sniffEventBridgeCloudTrail(detail), false);
    assert.equal(sniffEventBridgeCloudTrail({ ...envelope, 'detail-type': 'Object Created', source: 'aws.s3' }), false);
    assert.equal(sniffEventBridgeCloudTrail(null), false);
    assert.equal(sniffEventBridgeCloudTrail([envelope]), false);
  });
});
