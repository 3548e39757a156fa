import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ConfigState } from '../../core/model/config-state.ts';
import { SluiceError } from '../../core/errors.ts';
import { readJson } from '../../../test/fixtures/aws_config/load.ts';
import {
  canonicalConfiguration,
  changeTypeFor,
  expandRecord,
  normalizeConfigItem,
  parseConfigTime,
  parsePythonDatetimeRepr,
  reviveDatetimes,
  rootContext,
  tagsFrom,
} from './index.ts';
import { decodeJsonText } from './normalize.ts';

type Obj = Record<string, unknown>;

/** Normalizes every unit of a record; fails on a rejection. */
function normalizeAll(record: unknown): ConfigState[] {
  return expandRecord(record).map((u) => {
    if (u.kind === 'reject') assert.fail(`unexpected rejection: ${u.reason}`);
    return normalizeConfigItem(u.item, u.ctx, u.raw);
  });
}

function only(record: unknown): ConfigState {
  const events = normalizeAll(record);
  assert.equal(events.length, 1);
  return events[0]!;
}

function config(e: ConfigState): Obj {
  assert.ok(e.configuration !== null, 'configuration is set');
  return JSON.parse(e.configuration) as Obj;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('normalizeConfigItem on real configuration items', () => {
  it('rdk security group (API shape, version 1.2): every mapped field', () => {
    const raw = readJson('rdk/AWS_EC2_SecurityGroup.json');
    const e = only(raw);
    assert.equal(e.class_uid, 5023);
    assert.equal(e.category_uid, 5);
    assert.equal(e.activity_id, 1);
    assert.equal(e.type_uid, 502301);
    assert.equal(e.time, Date.UTC(2016, 5, 9, 8, 59, 59, 139));
    assert.deepEqual(e.metadata, {
      uid: 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66@58',
      version: '1.8.0',
      product_name: 'Config',
      vendor_name: 'AWS',
      log_name: 'ConfigurationItem',
      original_time: '2016-06-09T08:59:59.139Z',
      source: 'aws_config',
    });
    assert.deepEqual(e.resource, {
      uid: 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66',
      type: 'AWS::EC2::SecurityGroup',
      name: null,
      account_uid: '264683526309',
      region: 'us-east-1',
      tags: [],
    });
    assert.equal(e.change_type, 'update');
    assert.equal(e.source, 'aws_config');
    assert.equal(e.status, 'OK');
    assert.equal(e.location, null);
    assert.deepEqual(e.relationships, [{ uid: 'vpc-0990dc6d', type: 'AWS::EC2::VPC', name: null, relation: 'Is contained in Vpc' }]);
    const c = config(e);
    assert.equal(c.groupId, 'sg-1d56fc66');
    assert.deepEqual(c.ipPermissions, [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, userIdGroupPairs: [], ipRanges: ['0.0.0.0/0'], prefixListIds: [] }]);
    assert.equal('supplementary' in c, false, 'an empty supplementaryConfiguration adds no key');
    assert.equal(e.configuration_hash, sha256(e.configuration!));
    const unmapped = JSON.parse(e.unmapped) as Obj;
    assert.equal(unmapped.configurationItemMD5Hash, 'd5256a780a70ecb28fbd02b10c2a1662');
    assert.equal(unmapped.availabilityZone, 'Not Applicable');
    assert.equal(unmapped.configurationStateId, '58');
    assert.equal(unmapped.version, '1.2');
    assert.deepEqual(unmapped.relatedEvents, []);
    for (const k of ['resourceType', 'arn', 'configuration', 'tags', 'relationships']) assert.equal(k in unmapped, false, k);
    assert.deepEqual(JSON.parse(e.raw_data!), raw);
  });

  it('rdk S3 bucket (notification shape): ARN, awsAccountId, supplementaryConfiguration merged and its JSON text parsed', () => {
    const e = only(readJson('rdk/AWS_S3_Bucket.json'));
    assert.equal(e.resource.uid, 'arn:aws:s3:::mborch-test-bucket-config-item');
    assert.equal(e.resource.name, 'mborch-test-bucket-config-item');
    assert.equal(e.resource.account_uid, '934654633380');
    assert.equal(e.metadata.uid, 'arn:aws:s3:::mborch-test-bucket-config-item@1549956556288');
    assert.equal(e.time, Date.UTC(2019, 1, 12, 7, 29, 16, 288));
    assert.equal(e.status, 'OK');
    assert.equal(e.change_type, 'update');
    const c = config(e);
    assert.equal(c.name, 'mborch-test-bucket-config-item');
    const supp = c.supplementary as Obj;
    // AccessControlList is JSON text in the item: parsed into an object.
    const acl = supp.AccessControlList as { grantList: Array<{ permission: string }> };
    assert.equal(acl.grantList[0]!.permission, 'FullControl');
    // Deeper JSON text (the policy document) is kept as written.
    assert.equal(typeof (supp.BucketPolicy as Obj).policyText, 'string');
    assert.match((supp.BucketPolicy as Obj).policyText as string, /"aws:SecureTransport":"false"/);
    assert.deepEqual(supp.BucketVersioningConfiguration, { status: 'Enabled', isMfaDeleteEnabled: null });
    assert.equal(supp.IsRequesterPaysEnabled, false);
  });

  it('cloud-custodian s3.json: configuration as a JSON string, microsecond time with offset, AccessControlList encoded twice', () => {
    const e = only(readJson('custodian/config_items/s3.json'));
    assert.equal(e.resource.uid, 'arn:aws:s3:::config-rule-sanity');
    assert.equal(e.resource.region, 'us-east-2');
    assert.equal(e.resource.account_uid, '644160558196');
    assert.deepEqual(e.resource.tags, [
      { key: 'Planet', value: 'Earth' },
      { key: 'Verbose', value: 'Game' },
    ]);
    // 2017-02-04T06:10:33.880000-05:00
    assert.equal(e.time, Date.UTC(2017, 1, 4, 11, 10, 33, 880));
    assert.equal(e.metadata.original_time, '2017-02-04T06:10:33.880000-05:00');
    assert.equal(e.metadata.uid, 'arn:aws:s3:::config-rule-sanity@1486206633880');
    assert.equal(e.status, 'ResourceDiscovered');
    assert.equal(e.change_type, 'create');
    const c = config(e);
    assert.deepEqual(c.owner, { displayName: 'mandeep.bal', id: 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15' });
    const supp = c.supplementary as Obj;
    assert.deepEqual((supp.AccessControlList as Obj).grantList, [
      { grantee: { id: 'e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15', displayName: null }, permission: 'FullControl' },
    ]);
    assert.deepEqual(supp.BucketTaggingConfiguration, { tagSets: [{ tags: { Verbose: 'Game', Planet: 'Earth' } }] });
  });

  it('cloud-custodian s3-lifecycle.json: capture time in epoch seconds', () => {
    const e = only(readJson('custodian/config_items/s3-lifecycle.json'));
    assert.equal(e.time, 1502510556116);
    assert.equal(e.metadata.original_time, '1502510556.116');
    assert.equal(e.resource.uid, 'arn:aws:s3:::testing-99');
  });

  it('rdk ACM certificate: a Python datetime repr as capture time (tzlocal read as UTC)', () => {
    const e = only(readJson('rdk/AWS_ACM_Certificate.json'));
    assert.equal(e.time, Date.UTC(2020, 3, 22, 13, 13, 17, 718));
    assert.equal(e.metadata.original_time, 'datetime.datetime(2020, 4, 22, 13, 13, 17, 718000, tzinfo=tzlocal())');
  });

  it('placebo history with a deleted item: ResourceDeleted, configuration "null", no ARN or account', () => {
    const [deleted, before] = normalizeAll(readJson('custodian/placebo_config_api/test_ebs_health_events_filter__config.GetResourceConfigHistory_1.json'));
    assert.ok(deleted && before);
    assert.equal(deleted.resource.uid, 'unknown/AWS::EC2::Volume/vol-12345');
    assert.equal(deleted.resource.account_uid, null);
    assert.equal(deleted.change_type, 'delete');
    assert.equal(deleted.status, 'ResourceDeleted');
    assert.equal(deleted.configuration, null);
    assert.equal(deleted.configuration_hash, null);
    assert.equal(deleted.time, Date.UTC(2017, 0, 19, 3, 37, 1, 401));
    assert.equal(deleted.metadata.uid, 'unknown/AWS::EC2::Volume/vol-12345@2017-01-19T03:37:01.401Z');
    assert.equal(deleted.metadata.log_name, 'GetResourceConfigHistory');
    assert.deepEqual(JSON.parse(deleted.metadata.original_time), {
      __class__: 'datetime', day: 19, hour: 3, microsecond: 401000, minute: 37, month: 1, second: 1, year: 2017,
    });

    assert.equal(before.resource.uid, deleted.resource.uid, 'both versions have the same key');
    assert.equal(before.change_type, 'update');
    assert.equal(before.time, Date.UTC(2017, 0, 17, 22, 17, 3, 382));
    assert.deepEqual(before.resource.tags, [{ key: 'K', value: 'V' }]);
    assert.deepEqual(before.relationships, [{ uid: 'i-12345', type: 'AWS::EC2::Instance', name: null, relation: 'Is attached to Instance' }]);
    const c = config(before);
    assert.equal(c.size, 100);
    assert.equal(c.encrypted, true);
    // The placebo datetime in an unmapped field is shown as ISO text.
    assert.equal((JSON.parse(before.unmapped) as Obj).resourceCreationTime, '2017-01-17T21:20:33.122Z');
    assert.deepEqual((JSON.parse(before.unmapped) as Obj).placebo, { status_code: 200 });
  });

  it('placebo security-group history: two versions with equal configuration have equal hashes and distinct uids', () => {
    const [newer, older] = normalizeAll(readJson('custodian/placebo_config_api/test_sg_config_diff__config.GetResourceConfigHistory_1.json'));
    assert.ok(newer && older);
    assert.equal(newer.resource.uid, 'arn:aws:ec2:us-east-1:644160558196:security-group/sg-a38ed1de');
    assert.equal(newer.metadata.uid, 'arn:aws:ec2:us-east-1:644160558196:security-group/sg-a38ed1de@1481454243800');
    assert.equal(older.metadata.uid, 'arn:aws:ec2:us-east-1:644160558196:security-group/sg-a38ed1de@1481454242376');
    assert.equal(newer.time, Date.UTC(2016, 11, 11, 6, 4, 3, 800));
    assert.equal(newer.configuration_hash, older.configuration_hash);
    assert.deepEqual(newer.resource.tags, [
      { key: 'App', value: 'blue-moon' },
      { key: 'NetworkLocation', value: 'DMZ' },
    ]);
    const ingress = config(newer).ipPermissions as Array<{ fromPort: number; ipRanges: string[] }>;
    assert.deepEqual(ingress.map((p) => [p.fromPort, p.ipRanges]), [
      [8080, ['0.0.0.0/0']],
      [443, ['10.42.1.0/24']],
    ]);
  });

  it('Config rule event: the notification inside invokingEvent, rule fields in unmapped, resultToken left out', () => {
    const e = only(readJson('custodian/config_rule_events/event-config-rule-security-group.json'));
    assert.equal(e.resource.uid, 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-e2fb6999');
    assert.equal(e.resource.name, 'sg_open_ssh');
    assert.equal(e.metadata.log_name, 'ConfigurationItemChangeNotification');
    assert.equal(e.metadata.uid, 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-e2fb6999@1511792771300');
    assert.equal(e.change_type, 'create', 'configurationItemDiff.changeType CREATE');
    const unmapped = JSON.parse(e.unmapped) as Obj;
    assert.equal((unmapped.config_rule as Obj).configRuleName, 'custodian-sg-exposed-port7');
    assert.equal('resultToken' in (unmapped.config_rule as Obj), false);
    assert.equal((unmapped.notification as Obj).messageType, 'ConfigurationItemChangeNotification');
    assert.equal(unmapped.resourceCreationTime, null);
  });

  it('rds-cluster.json: a relationship named by resourceName only', () => {
    const e = only(readJson('custodian/config_items/rds-cluster.json'));
    assert.equal(e.resource.uid, 'arn:aws:rds:us-east-1:644160558196:cluster:database-1');
    assert.ok(e.relationships.some((r) => r.uid === null && r.name === 'default' && r.type === 'AWS::RDS::DBSubnetGroup' && r.relation === 'Is associated with'));
    assert.equal(e.resource.tags.find((t) => t.key === 'Owner')?.value, 'Mc-Mcslice');
  });
});

describe('normalizeConfigItem on authored envelopes', () => {
  it('EventBridge Configuration Item Change: diff UPDATE, tags sorted, envelope in unmapped', () => {
    const e = only(readJson('authored/eventbridge-item-change.json'));
    assert.equal(e.change_type, 'update');
    assert.equal(e.resource.uid, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f60718');
    assert.equal(e.resource.name, 'web-sg');
    assert.deepEqual(e.resource.tags, [
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'payments' },
    ]);
    assert.equal(e.time, Date.UTC(2024, 2, 5, 10, 15, 30, 517));
    assert.equal(e.metadata.uid, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f60718@1709633730517');
    const unmapped = JSON.parse(e.unmapped) as Obj;
    assert.equal((unmapped.eventbridge as Obj)['detail-type'], 'Config Configuration Item Change');
    assert.equal((unmapped.configurationItemDiff as Obj).changeType, 'UPDATE');
    assert.ok('Configuration.IpPermissions.1' in ((unmapped.configurationItemDiff as Obj).changedProperties as Obj));
  });

  it('EventBridge deletion: changeType DELETE, null configuration', () => {
    const e = only(readJson('authored/eventbridge-item-deleted.json'));
    assert.equal(e.change_type, 'delete');
    assert.equal(e.status, 'ResourceDeleted');
    assert.equal(e.configuration, null);
    assert.equal(e.resource.uid, 'arn:aws:s3:::sluice-example-scratch');
  });

  it('oversized notification: summary only, status Oversized, S3 pointer kept', () => {
    const e = only(readJson('authored/oversized-notification.json'));
    assert.equal(e.status, 'Oversized');
    assert.equal(e.change_type, 'update');
    assert.equal(e.configuration, null);
    assert.equal(e.configuration_hash, null);
    assert.equal(e.metadata.log_name, 'OversizedConfigurationItemChangeNotification');
    assert.equal(e.resource.uid, 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0');
    const unmapped = JSON.parse(e.unmapped) as Obj;
    assert.equal(unmapped.configurationItemStatus, 'OK');
    assert.match((unmapped.s3DeliverySummary as Obj).s3BucketLocation as string, /^sluice-config-bucket\/AWSLogs\/111122223333\/Config\/.*OversizedChangeNotification/);
  });

  it('SNS notification: the change notification in Message', () => {
    const e = only(readJson('authored/sns-notification.json'));
    assert.equal(e.change_type, 'create');
    assert.equal(e.resource.uid, 'arn:aws:s3:::sluice-example-logs');
    const supp = config(e).supplementary as Obj;
    assert.deepEqual(supp.BucketVersioningConfiguration, { status: 'Off', isMfaDeleteEnabled: null });
    assert.equal(((JSON.parse(e.unmapped) as Obj).sns as Obj).TopicArn, 'arn:aws:sns:eu-west-1:111122223333:config-topic');
  });

  it('snapshot file: change_type snapshot, activity Collect', () => {
    const events = normalizeAll(readJson('authored/snapshot.json'));
    assert.deepEqual(events.map((e) => [e.resource.type, e.change_type, e.activity_id, e.type_uid, e.metadata.log_name]), [
      ['AWS::IAM::Role', 'snapshot', 2, 502302, 'ConfigurationSnapshot'],
      ['AWS::EC2::VPC', 'snapshot', 2, 502302, 'ConfigurationSnapshot'],
    ]);
    assert.equal(events[1]!.resource.name, null);
  });
});

describe('canonical configuration', () => {
  it('reordered keys at every depth give identical text and hash', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: null }, c: 'z' };
    const b = { c: 'z', a: { x: null, y: [1, { p: 2, q: 1 }] }, b: 1 };
    const ca = canonicalConfiguration(a);
    const cb = canonicalConfiguration(b);
    assert.equal(ca.text, '{"a":{"x":null,"y":[1,{"p":2,"q":1}]},"b":1,"c":"z"}');
    assert.equal(ca.text, cb.text);
    assert.equal(ca.hash, cb.hash);
    assert.equal(ca.hash, sha256(ca.text!));
    // Array order is significant.
    assert.notEqual(canonicalConfiguration({ a: [1, 2] }).hash, canonicalConfiguration({ a: [2, 1] }).hash);
  });

  it('the same item as a notification (objects) and as history (JSON text, keys reordered) gives the same configuration', () => {
    const notification = readJson('authored/eventbridge-item-change.json') as { detail: { configurationItem: Obj } };
    const item = notification.detail.configurationItem;
    const reversed = (o: Obj): Obj => Object.fromEntries(Object.entries(o).reverse());
    const history = {
      ...item,
      configuration: JSON.stringify(reversed(item.configuration as Obj)),
      supplementaryConfiguration: {},
      configurationStateId: String(item.configurationStateId),
    };
    const fromEvent = only(notification);
    const fromHistory = only({ configurationItems: [history] });
    assert.equal(fromHistory.configuration, fromEvent.configuration);
    assert.equal(fromHistory.configuration_hash, fromEvent.configuration_hash);
    assert.equal(fromHistory.metadata.uid, fromEvent.metadata.uid, 'numeric and string state ids give the same uid');
  });

  it('a configuration over the cap is left out but still hashed', () => {
    const big = { resourceType: 'AWS::X::Y', resourceId: 'r1', accountId: '111122223333', configurationItemCaptureTime: '2024-01-01T00:00:00Z', configuration: { blob: 'x'.repeat(1000) } };
    const e = normalizeConfigItem(big, rootContext(), big, { maxConfigurationBytes: 100 });
    assert.equal(e.configuration, null);
    assert.equal(e.configuration_hash, sha256(`{"blob":"${'x'.repeat(1000)}"}`));
    assert.equal((JSON.parse(e.unmapped) as Obj)._configuration_omitted_bytes, 1011);
    assert.equal(e.resource.uid, '111122223333/AWS::X::Y/r1');
  });
});

describe('helpers', () => {
  it('changeTypeFor', () => {
    assert.equal(changeTypeFor('ResourceDeleted', null, false), 'delete');
    assert.equal(changeTypeFor('ResourceDeletedNotRecorded', null, true), 'delete');
    assert.equal(changeTypeFor('OK', 'DELETE', false), 'delete');
    assert.equal(changeTypeFor('OK', null, true), 'snapshot');
    assert.equal(changeTypeFor('OK', 'CREATE', false), 'create');
    assert.equal(changeTypeFor('ResourceDiscovered', 'UPDATE', false), 'update');
    assert.equal(changeTypeFor('ResourceDiscovered', null, false), 'create');
    assert.equal(changeTypeFor('OK', null, false), 'update');
    assert.equal(changeTypeFor('ResourceNotRecorded', null, false), 'update');
    assert.equal(changeTypeFor(null, null, false), 'update');
  });

  it('parseConfigTime accepts every shape seen in the data and nothing else', () => {
    assert.equal(parseConfigTime('2016-06-09T08:59:59.139Z')?.ms, Date.UTC(2016, 5, 9, 8, 59, 59, 139));
    assert.equal(parseConfigTime('2017-06-14T01:39:07.454000-04:00')?.ms, Date.UTC(2017, 5, 14, 5, 39, 7, 454));
    assert.equal(parseConfigTime(1502617462.927)?.ms, 1502617462927);
    assert.equal(parseConfigTime(1502617462927)?.ms, 1502617462927);
    assert.equal(parseConfigTime({ __class__: 'datetime', year: 2017, month: 1, day: 19, hour: 3, minute: 37, second: 1, microsecond: 401000 })?.ms, Date.UTC(2017, 0, 19, 3, 37, 1, 401));
    assert.equal(parsePythonDatetimeRepr('datetime.datetime(2020, 4, 22, 13, 13, 17, 718000, tzinfo=tzlocal())'), Date.UTC(2020, 3, 22, 13, 13, 17, 718));
    assert.equal(parsePythonDatetimeRepr('datetime.datetime(2020, 4, 22, 13, 13)'), Date.UTC(2020, 3, 22, 13, 13));
    for (const bad of ['yesterday', '', 'datetime.datetime(2020, 13, 1)', 'datetime.datetime(2020, 1, 1, tzinfo=tzoffset(None, 3600))', -1, Number.NaN, 1e20, true, null, [], {}, { __class__: 'datetime', year: 'x' }]) {
      assert.equal(parseConfigTime(bad), null, JSON.stringify(bad));
    }
  });

  it('reviveDatetimes replaces placebo datetimes, also under the key __proto__, without touching prototypes', () => {
    const v = JSON.parse('{"a":{"__class__":"datetime","year":2017,"month":1,"day":2},"__proto__":{"x":1}}') as unknown;
    const out = reviveDatetimes(v) as Obj;
    assert.equal(out.a, '2017-01-02T00:00:00.000Z');
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  it('decodeJsonText decodes objects encoded once or twice, nothing else', () => {
    assert.deepEqual(decodeJsonText('{"a":1}'), { a: 1 });
    assert.deepEqual(decodeJsonText(JSON.stringify(JSON.stringify({ a: 1 }))), { a: 1 });
    assert.equal(decodeJsonText('"plain"'), '"plain"');
    assert.equal(decodeJsonText('null'), 'null');
    assert.equal(decodeJsonText('{broken'), '{broken');
    assert.equal(decodeJsonText(7), 7);
  });

  it('tagsFrom reads maps and key/value lists, sorted; rejects other shapes', () => {
    assert.deepEqual(tagsFrom({ b: '2', a: 1, c: null }, 'tags'), [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: null },
    ]);
    assert.deepEqual(tagsFrom([{ Key: 'Name', Value: { Ref: 'X' } }, { key: 'env', value: 'prod' }], 'Tags'), [
      { key: 'Name', value: '{"Ref":"X"}' },
      { key: 'env', value: 'prod' },
    ]);
    assert.throws(() => tagsFrom('x', 'tags'), (e: unknown) => e instanceof SluiceError && /tags must be an object or an array, got a string/.test(e.message));
    assert.throws(() => tagsFrom([1], 'tags'), /tags\[0\] must be an object, got a number/);
    assert.throws(() => tagsFrom([{ value: 'v' }], 'tags'), /tags\[0\]\.key must be a string/);
  });
});

describe('normalizeConfigItem rejects what is not a configuration item, naming the fields', () => {
  const base = readJson('rdk/AWS_EC2_SecurityGroup.json') as Obj;
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'x', /configuration item must be a JSON object, got a string/],
    ['resourceType missing', { ...base, resourceType: undefined }, /resourceType is missing/],
    ['resourceType wrong type', { ...base, resourceType: ['a'] }, /resourceType must be a string, got an array/],
    ['no id nor ARN', { ...base, resourceId: undefined, arn: undefined }, /resourceId is missing \(and there is no ARN\)/],
    ['time wrong type', { ...base, configurationItemCaptureTime: true }, /configurationItemCaptureTime must be a date-time \(ISO-8601 text, epoch seconds or milliseconds, or a placebo datetime object\), got a boolean/],
    ['awsRegion wrong type', { ...base, awsRegion: 1 }, /awsRegion must be a string, got a number/],
    ['configuration an array', { ...base, configuration: [1] }, /configuration must be an object \(or its JSON text\), got an array/],
    ['configuration a number', { ...base, configuration: 5 }, /configuration must be an object/],
    ['supplementary wrong type', { ...base, supplementaryConfiguration: 5 }, /supplementaryConfiguration must be an object, got a number/],
    ['relationships wrong type', { ...base, relationships: {} }, /relationships must be an array, got an object/],
    ['relationship entry wrong type', { ...base, relationships: ['x'] }, /relationships\[0\] must be an object, got a string/],
    ['relationship field wrong type', { ...base, relationships: [{ resourceId: 5 }] }, /relationships\[0\]\.resourceId must be a string/],
    ['state id wrong type', { ...base, configurationStateId: {} }, /configurationStateId must be a string or number, got an object/],
    ['several problems at once', { configurationItemStatus: 'OK', resourceType: 7 }, /resourceType must be a string, got a number; resourceId is missing \(and there is no ARN\); configurationItemCaptureTime is missing/],
  ];
  for (const [name, item, re] of cases) {
    it(name, () => {
      assert.throws(
        () => normalizeConfigItem(item),
        (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED' && re.test(e.message),
      );
    });
  }
});
