import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeS3Key, parseNotification } from './notification.ts';
import { regionOfQueueUrl } from './clients.ts';

const s3Event = (key: string, eventName = 'ObjectCreated:Put', extra: Record<string, unknown> = {}) => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventName,
      s3: { s3SchemaVersion: '1.0', bucket: { name: 'trail-bucket', arn: 'arn:aws:s3:::trail-bucket' }, object: { key, size: 1234, eTag: 'abc', sequencer: '00', ...extra } },
    },
  ],
});

test('an S3 event notification names its objects, keys URL-decoded (+ is a space)', () => {
  const parsed = parseNotification(JSON.stringify(s3Event('AWSLogs/1/CloudTrail/eu-west-1/2026/12/06/a+b%3Dc.json.gz', 'ObjectCreated:CompleteMultipartUpload', { versionId: 'v1' })), 'aws_cloudtrail');
  assert.deepEqual(parsed, {
    kind: 'objects',
    form: 's3',
    objects: [{ bucket: 'trail-bucket', key: 'AWSLogs/1/CloudTrail/eu-west-1/2026/12/06/a b=c.json.gz', versionId: 'v1', size: 1234 }],
    ignored: 0,
  });
  assert.equal(decodeS3Key('100%'), '100%', 'a key that is not valid URL encoding is kept as is');
});

test('S3 -> SNS -> SQS: the event inside the SNS envelope', () => {
  const envelope = { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: JSON.stringify(s3Event('k.json')), Timestamp: '2026-12-06T00:00:00Z' };
  const parsed = parseNotification(JSON.stringify(envelope), 'object_storage');
  assert.equal(parsed.kind, 'objects');
  assert.equal(parsed.kind === 'objects' && parsed.form, 'sns+s3');
  assert.deepEqual(parsed.kind === 'objects' && parsed.objects.map((o) => o.key), ['k.json']);
});

test("CloudTrail's SNS notification lists the delivered files; AWS Config names its snapshot", () => {
  const ct = { s3Bucket: 'trail-bucket', s3ObjectKey: ['AWSLogs/1/CloudTrail/us-east-2/2013/12/13/a.json.gz', 'AWSLogs/1/CloudTrail/us-east-2/2013/12/13/b.json.gz'] };
  const sns = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-2:1:ct', Message: JSON.stringify(ct) };
  const parsed = parseNotification(JSON.stringify(sns), 'aws_cloudtrail');
  assert.equal(parsed.kind === 'objects' && parsed.form, 'cloudtrail');
  assert.equal(parsed.kind === 'objects' && parsed.objects.length, 2);
  // Config's documentation shows Message as an object; SNS sends it as a string: both are read.
  const config = { configSnapshotId: 's', s3ObjectKey: 'AWSLogs/1/Config/x.json.gz', s3Bucket: 'config-bucket', messageType: 'ConfigurationSnapshotDeliveryCompleted' };
  for (const Message of [config, JSON.stringify(config)]) {
    const p = parseNotification(JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-2:1:c', Message }), 'aws_config');
    assert.deepEqual(p, { kind: 'objects', form: 'config', objects: [{ bucket: 'config-bucket', key: 'AWSLogs/1/Config/x.json.gz' }], ignored: 0 });
  }
});

test('aws_config: a change notification with its item inline goes to the collector whole; other collectors ignore it', () => {
  const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-2:1:c', Message: JSON.stringify({ messageType: 'ConfigurationItemChangeNotification', configurationItem: {} }) });
  const parsed = parseNotification(body, 'aws_config');
  assert.equal(parsed.kind, 'inline');
  assert.equal(parsed.kind === 'inline' && parsed.bytes.toString(), body);
  assert.equal(parseNotification(body, 'aws_cloudtrail').kind, 'nothing');
  assert.equal(parseNotification(JSON.stringify({ messageType: 'ConfigurationSnapshotDeliveryStarted' }), 'aws_config').kind, 'nothing');
});

test('nothing to read: S3 test events, other event types, SNS subscription confirmations', () => {
  assert.equal(parseNotification(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }), 'aws_cloudtrail').kind, 'nothing');
  assert.equal(parseNotification(JSON.stringify(s3Event('k', 'ObjectRemoved:Delete')), 'aws_cloudtrail').kind, 'nothing');
  assert.equal(parseNotification(JSON.stringify({ Type: 'SubscriptionConfirmation', TopicArn: 'arn:aws:sns:x:1:t', SubscribeURL: 'https://x' }), 'aws_cloudtrail').kind, 'nothing');
});

test('poison: not JSON, not an object, another shape, a record without a key, an SNS Message that is not JSON', () => {
  for (const body of ['not json', '[1,2]', '{"hello":"world"}', JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: {} } }] }),
    JSON.stringify({ Records: [{ eventSource: 'aws:sqs' }] }), JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:x:1:t', Message: '{oops' }), JSON.stringify({ s3Bucket: 'b', s3ObjectKey: [1] })]) {
    const parsed = parseNotification(body, 'aws_cloudtrail');
    assert.equal(parsed.kind, 'invalid', body);
  }
});

test('the region of an AWS queue URL', () => {
  assert.equal(regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/q'), 'eu-west-1');
  assert.equal(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q'), 'cn-north-1');
  assert.equal(regionOfQueueUrl('http://localhost:4576/queues/q'), undefined);
});
