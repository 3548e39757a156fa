// End to end on a local AWS API (moto, test/support/moto.ts): objects in S3 are read by the
// object_storage collector, scanned by the dlp detector, whose action events are signed as the
// processor signs them and consumed by the remediator, whose executors act on moto's S3 (and EC2,
// IAM for hand-written actions). Checked: done, already_done (by action id and by the cloud's
// state after a restart), dry_run, refused by the allow-list, unsigned records refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectTaggingCommand, HeadObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { resolveConfig } from '../cli/config.ts';
import { ManualClock } from '../core/clock.ts';
import type { SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { silentLogger } from '../core/logger.ts';
import type { ObjectChunk } from '../core/model/object-chunk.ts';
import { isCaughtUp } from '../core/transport.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { readS3Objects } from '../collectors/object_storage/index.ts';
import { testDetector } from '../detectors/dlp/testing.ts';
import { outputSignatureHeaders } from '../processor/output-signing.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../test/support/moto.ts';
import { AwsClients } from './executors/clients.ts';
import { QUARANTINE_TAGS } from './executors/s3.ts';
import type { ActionResult } from './results.ts';
import { ExecutorRunner } from './runner.ts';
import { RemediatorService } from './service.ts';

const ACTIONS_KEY = 'actions-key-for-the-moto-tests-0123456789';
let endpoint: string;
let aws: AwsClients;

before(async () => {
  endpoint = (await motoServer()).endpoint;
  aws = new AwsClients({ region: MOTO_REGION, endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
});
after(async () => {
  aws.destroy();
  await stopMoto();
});

/** A random Luhn-valid 16-digit Visa number (not one of the well-known test numbers). */
function cardNumber(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => randomInt(10))];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i]!;
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return [...digits, (10 - (sum % 10)) % 10].join('').replace(/(\d{4})(?=\d)/g, '$1 ');
}

async function bucket(versioned: boolean): Promise<string> {
  const name = uniqueName('dlp');
  await aws.s3().send(new CreateBucketCommand({ Bucket: name }));
  if (versioned) await aws.s3().send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  return name;
}

async function versionExists(b: string, key: string, versionId: string | null): Promise<boolean> {
  try {
    await aws.s3().send(new HeadObjectCommand({ Bucket: b, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

/** Reads the bucket with the object_storage collector and scans it with the dlp detector: its action events. */
async function dlpActions(b: string, action: 'quarantine' | 'delete'): Promise<SideOutput[]> {
  const chunks: ObjectChunk[] = [];
  for await (const out of readS3Objects({ client: aws.s3(), bucket: b })) {
    assert.equal(out.kind, 'event', out.kind === 'dead_letter' ? out.reason : '');
    if (out.kind === 'event' && out.stream === 'object_chunk') chunks.push(out.event);
  }
  const d = testDetector({ policies: [{ name: `${action}-cards`, action, dataTypes: ['payment_card'] }] });
  d.run(chunks);
  return d.emitted.filter((o) => o.stream === 'actions');
}

interface Run {
  results: ActionResult[];
  dead: DeadLetterRecord[];
  service: RemediatorService;
}

/** Writes the actions (signed as the processor signs them, unless `unsigned`) and runs a fresh remediator over them. */
async function remediate(config: SluiceConfig, actions: readonly SideOutput[], opts: { unsigned?: boolean; repeat?: number } = {}): Promise<Run> {
  const clock = new ManualClock(1_700_000_000_000);
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const topic = config.topics.actions;
  const records = actions.map((a) => {
    const value = Buffer.from(JSON.stringify(a.value));
    return { key: a.key, value, headers: opts.unsigned ? {} : outputSignatureHeaders('actions', ACTIONS_KEY, topic, a.key, value) };
  });
  for (let i = 0; i < (opts.repeat ?? 1); i++) await producer.send(topic, records);
  const runner = new ExecutorRunner({ config: config.remediation, clock, credentials: MOTO_CREDENTIALS });
  const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock), config, logger: silentLogger(), clock }, undefined, { runner });
  await service.start();
  while (!(await isCaughtUp(log, config.remediation.groupId, topic))) await log.waitForChange(20);
  await service.stop();
  const results = log.readAll(config.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
  const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
  return { results, dead, service };
}

function config(allow: string[], opts: { dryRun?: boolean; quarantineBucket?: string } = {}): SluiceConfig {
  return resolveConfig({
    topics: { partitions: 1 },
    remediation: {
      ...(opts.dryRun === false ? { dryRun: false } : {}),
      actionsKey: ACTIONS_KEY,
      executors: { accounts: { [MOTO_ACCOUNT_ID]: { allow, endpoint, forcePathStyle: true, ...(opts.quarantineBucket ? { quarantine: { bucket: opts.quarantineBucket } } : {}) } } },
    },
  });
}

test('a DLP quarantine action is carried out on S3: the scanned version is copied, tagged and deleted; repeats and a restarted remediator find it already done', async (t) => {
  const moto = await motoServer();
  t.diagnostic(`local AWS API: moto (${moto.provider === 'env' ? `MOTO_URL ${moto.endpoint}` : `${moto.command}, up in ${moto.startupMs} ms`})`);
  const src = await bucket(true);
  const qb = await bucket(false);
  const key = 'exports/customers.csv';
  const put = await aws.s3().send(new PutObjectCommand({ Bucket: src, Key: key, Body: `name,card\nalice,${cardNumber()}\nbob,${cardNumber()}\n` }));
  const actions = await dlpActions(src, 'quarantine');
  assert.equal(actions.length, 1, 'one policy met: one action event');
  const action = actions[0]!.value as { id: string; object: { version_id: string | null } };
  assert.equal(action.object.version_id, put.VersionId, 'the action names the version the collector read');
  const cfg = config(['s3.quarantine'], { dryRun: false, quarantineBucket: qb });

  const first = await remediate(cfg, actions, { repeat: 2 });
  assert.deepEqual(first.results.map((r) => [r.executor, r.outcome]), [['s3.quarantine', 'done'], ['s3.quarantine', 'already_done']], first.results.map((r) => r.reason).join(' | '));
  assert.match(first.results[1]!.reason, /already carried out by this remediator/);
  assert.deepEqual(first.service.stats.executors, { done: 1, dry_run: 0, refused: 0, already_done: 1, failed: 0 });
  assert.equal(await versionExists(src, key, put.VersionId!), false, 'the scanned version is gone from the source');
  const dest = `quarantine/${src}/${put.VersionId}/${key}`;
  const tags = await aws.s3().send(new GetObjectTaggingCommand({ Bucket: qb, Key: dest }));
  const tag = (k: string) => tags.TagSet?.find((t) => t.Key === k)?.Value;
  assert.equal(tag(QUARANTINE_TAGS.actionId), action.id);
  assert.match(tag(QUARANTINE_TAGS.reason) ?? '', /^policy quarantine-cards: 2 findings of payment_card/);
  assert.equal(first.results[0]!.account, MOTO_ACCOUNT_ID);
  assert.equal(first.results[0]!.detector, 'dlp');
  assert.deepEqual(first.dead, []);

  // A new remediator (no memory of the first) over the same records: the bucket's state says done.
  const restarted = await remediate(cfg, actions);
  assert.deepEqual(restarted.results.map((r) => r.outcome), ['already_done']);
  assert.match(restarted.results[0]!.reason, /carries this action id/);
});

test('a DLP delete action deletes the scanned version for good, and an unversioned object outright', async () => {
  const versioned = await bucket(true);
  const v1 = await aws.s3().send(new PutObjectCommand({ Bucket: versioned, Key: 'cards.txt', Body: `card number ${cardNumber()}\n` }));
  const plain = await bucket(false);
  await aws.s3().send(new PutObjectCommand({ Bucket: plain, Key: 'cards.txt', Body: `card number ${cardNumber()}\n` }));
  const actions = [...(await dlpActions(versioned, 'delete')), ...(await dlpActions(plain, 'delete'))];
  assert.equal(actions.length, 2);
  const run = await remediate(config(['s3.delete'], { dryRun: false }), actions);
  assert.deepEqual(run.results.map((r) => r.outcome), ['done', 'done'], run.results.map((r) => r.reason).join(' | '));
  assert.match(run.results[0]!.reason, /deleted version .* for good/);
  assert.equal(await versionExists(versioned, 'cards.txt', v1.VersionId!), false);
  assert.equal(await versionExists(plain, 'cards.txt', null), false);
});

test('dry-run (the default) records what it would do and changes nothing; a kind not allowed is refused; an unsigned record is refused and dead-lettered', async () => {
  const src = await bucket(true);
  const qb = await bucket(false);
  const put = await aws.s3().send(new PutObjectCommand({ Bucket: src, Key: 'a.csv', Body: `card ${cardNumber()}\n` }));
  const actions = await dlpActions(src, 'quarantine');

  const dry = await remediate(config(['s3.quarantine'], { quarantineBucket: qb }), actions);
  assert.equal(dry.results.length, 1);
  assert.equal(dry.results[0]!.outcome, 'dry_run');
  assert.equal(dry.results[0]!.dry_run, true);
  assert.match(dry.results[0]!.reason, new RegExp(`^dry-run: would CopyObject s3://${src}/a\\.csv \\(version ${put.VersionId}\\) -> s3://${qb}/quarantine/`));
  assert.equal(await versionExists(src, 'a.csv', put.VersionId!), true);

  const notAllowed = await remediate(config(['s3.delete'], { dryRun: false }), actions);
  assert.equal(notAllowed.results[0]!.outcome, 'refused');
  assert.match(notAllowed.results[0]!.reason, /s3\.quarantine is not allowed in account \d{12} \(remediation\.executors\.accounts\.\d{12}\.allow: s3\.delete\)/);
  const noAccounts = await remediate(resolveConfig({ topics: { partitions: 1 }, remediation: { actionsKey: ACTIONS_KEY } }), actions);
  assert.equal(noAccounts.results[0]!.outcome, 'refused', 'default config: nothing is allowed');
  assert.match(noAccounts.results[0]!.reason, /no account is configured/);

  const unsigned = await remediate(config(['s3.quarantine'], { dryRun: false, quarantineBucket: qb }), actions, { unsigned: true });
  assert.deepEqual(unsigned.results.map((r) => [r.executor, r.outcome]), [['none', 'refused']]);
  assert.match(unsigned.results[0]!.reason, /^unsigned action record/);
  assert.deepEqual(unsigned.dead.map((d) => d.reason_code), ['SLUICE_ERR_ACTION_SIGNATURE']);
  assert.equal(await versionExists(src, 'a.csv', put.VersionId!), true, 'nothing was touched by any of the three');
});

test('EC2 and IAM actions through the remediator: account from the ARN, revoke and deactivate done, another account refused', async () => {
  const ec2 = aws.ec2();
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: uniqueName('sg'), Description: 'e2e' }));
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] }));
  const user = uniqueName('user');
  await aws.iam().send(new CreateUserCommand({ UserName: user }));
  const keyId = (await aws.iam().send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
  const actions: SideOutput[] = [
    { stream: 'actions', key: GroupId!, value: { id: 'rdp-open-1', action: 'revoke_ingress', target: { group_id: GroupId, protocol: 'tcp', from_port: 3389, to_port: 3389, arn: `arn:aws:ec2:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:security-group/${GroupId}` }, reason: 'RDP open to the world' } },
    { stream: 'actions', key: user, value: { id: 'leaked-key-1', action: 'deactivate_access_key', target: { user_name: user, access_key_id: keyId }, account: MOTO_ACCOUNT_ID, reason: 'key found in a public object' } },
    { stream: 'actions', key: user, value: { id: 'other-account-1', action: 'deactivate_access_key', target: { user_name: user, access_key_id: keyId }, account: '210987654321' } },
  ];
  const run = await remediate(config(['ec2.revoke_ingress', 'iam.deactivate_access_key'], { dryRun: false }), actions);
  assert.deepEqual(
    run.results.map((r) => [r.action_id, r.executor, r.outcome]),
    [
      ['rdp-open-1', 'ec2.revoke_ingress', 'done'],
      ['leaked-key-1', 'iam.deactivate_access_key', 'done'],
      ['other-account-1', 'iam.deactivate_access_key', 'refused'],
    ],
    run.results.map((r) => r.reason).join(' | '),
  );
  assert.match(run.results[2]!.reason, /account 210987654321 is not configured/);
  const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!;
  assert.deepEqual(g.IpPermissions, [], 'both world-open forms revoked');
  const keys = (await aws.iam().send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata!;
  assert.deepEqual(keys.map((k) => k.Status), ['Inactive']);
});

test('an executor that fails records failed with the API error and dead-letters the action; the source is kept', async () => {
  const src = await bucket(false);
  await aws.s3().send(new PutObjectCommand({ Bucket: src, Key: 'p.csv', Body: `card ${cardNumber()}\n` }));
  const actions = await dlpActions(src, 'quarantine');
  const run = await remediate(config(['s3.quarantine'], { dryRun: false, quarantineBucket: uniqueName('missing') }), actions);
  assert.deepEqual(run.results.map((r) => r.outcome), ['failed']);
  assert.match(run.results[0]!.reason, /NoSuchBucket/);
  assert.deepEqual(run.service.stats.executors, { done: 0, dry_run: 0, refused: 0, already_done: 0, failed: 1 });
  assert.deepEqual(run.dead.map((d) => d.reason_code), ['SLUICE_ERR_SINK_WRITE']);
  assert.match(run.dead[0]!.reason, /^remediation executor s3\.quarantine: NoSuchBucket/);
  assert.equal(await versionExists(src, 'p.csv', null), true);
});
