import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec } from './avro/codec.ts';
import { LocalSchemaRegistry } from './avro/registry.ts';
import { SCHEMA_NAMES } from './events.ts';
import { toFindingRecord, type FindingRecord } from './finding-avro.ts';
import { SensitiveOperationDetector } from '../detectors/sensitive_operation/index.ts';
import { apiActivity } from '../../test/fixtures/events/api-activity.ts';

test('a detector finding converts to the Avro finding record and round-trips', async () => {
  const [finding] = new SensitiveOperationDetector({ enabled: true, extraOperations: [] }).process(
    apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'evt-9' }),
    { key: 'arn:aws:iam::123456789012:user/alice', topic: 't', partition: 0, offset: '0' },
  );
  assert.ok(finding);
  const record = toFindingRecord(finding);
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const { value } = await codec.decode<FindingRecord>(await codec.encode('findings', SCHEMA_NAMES.finding, record), SCHEMA_NAMES.finding);
  assert.deepEqual(JSON.parse(JSON.stringify(value)), record);
  assert.equal(value.id, finding.id);
  assert.deepEqual(value.related_event_uids, ['evt-9']);
  assert.deepEqual(JSON.parse(value.evidences_json), finding.evidences);
  assert.deepEqual(JSON.parse(JSON.stringify(value.attacks)), [{ technique_uid: 'T1562.008', tactic: 'TA0005' }]);
});
