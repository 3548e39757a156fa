import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../../services/core/events.ts';
import { assertValidOcsf } from '../../services/core/ocsf/index.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { awsCloudTrailCollector } from '../../services/collectors/aws_cloudtrail/index.ts';
import { runPipeline } from '../../services/cli/pipeline.ts';
import { bundledSamples } from '../../services/cli/collectors.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { pipelineHarness } from './pipeline-harness.ts';
import { readTopic } from '../support/read-topic.ts';
import { resolveConfig } from '../../services/cli/config.ts';

const samples = bundledSamples();
const { config: base } = isolatedPipelineConfig('skeleton');
// The spine with the single-event detector only: its six findings on the bundled samples are known.
const config = resolveConfig({ ...base, detectors: { sensitive_operation: { enabled: true }, signatures: { enabled: false } } });
const { ctx, clickhouse } = pipelineHarness(config);

const EXPECTED_RULES = [
  'aws.cloudtrail.logging_stopped',
  'aws.cloudtrail.trail_deleted',
  'aws.guardduty.detector_deleted',
  'aws.signin.console_login_without_mfa', // mallory
  'aws.signin.console_login_without_mfa', // root, from Panther's RootLoginFailed#1
  'aws.signin.root_console_login',
].sort();

async function findingsInClickHouse(): Promise<Array<{ id: string; rule: string }>> {
  const rs = await clickhouse.query({
    query: `SELECT id, rule FROM ${config.clickhouse!.database}.findings FINAL ORDER BY rule`,
    format: 'JSONEachRow',
  });
  return rs.json<{ id: string; rule: string }>();
}



/** The fields of an OCSF finding this test reads. */
interface OcsfFinding {
  class_uid: number;
  finding_info: { uid: string; related_events: Array<{ uid: string }> };
  evidences?: Array<{ actor?: { user: { uid: string } } }>;
  unmapped: { sluice: { rule: string } };
}

test('CloudTrail files -> activity topic -> worker pool -> ClickHouse + findings topic, offsets committed', async () => {
  const summary = await runPipeline(ctx, { collector: awsCloudTrailCollector({}), inputs: samples, drainTimeoutMs: 60_000 });
  assert.equal(summary.transport, 'kafka');
  assert.equal(summary.collector.files, 3);
  assert.equal(summary.collector.read, 115);
  assert.equal(summary.collector.normalized, 114);
  assert.equal(summary.collector.deadLettered, 1);
  assert.equal(summary.processor.eventsIn, 114);
  assert.equal(summary.processor.findingsOut, EXPECTED_RULES.length);

  const rows = await findingsInClickHouse();
  assert.deepEqual(rows.map((r) => r.rule), EXPECTED_RULES);

  const onTopic = await readTopic(config.kafka!, config.topics.findings, EXPECTED_RULES.length);
  // The findings topic carries OCSF 1.8.0 (docs/ocsf.md): the id is finding_info.uid, the rule is under unmapped.sluice.
  const published = onTopic.map((m) => JSON.parse(m.value.toString()) as OcsfFinding);
  for (const f of published) assertValidOcsf(f, 'finding on the topic');
  assert.deepEqual(published.map((f) => f.unmapped.sluice.rule).sort(), EXPECTED_RULES);
  assert.deepEqual(published.map((f) => f.finding_info.uid).sort(), rows.map((r) => r.id).sort());
  for (const [i, m] of onTopic.entries()) assert.equal(m.key, published[i]!.finding_info.uid, 'findings are keyed by id');
  const stop = published.find((f) => f.unmapped.sluice.rule === 'aws.cloudtrail.logging_stopped')!;
  assert.equal(stop.class_uid, 2004);
  assert.equal(stop.evidences?.[0]?.actor?.user.uid, 'arn:aws:iam::111122223333:user/mallory');
  assert.deepEqual(stop.finding_info.related_events, [{ uid: '0e6f3b1a-5a1d-4c7e-9d1b-000000000002' }]);

  const transport = new KafkaTransport(config.kafka!, ctx.logger);
  try {
    const end = await transport.endOffsets(config.topics.activity);
    const committed = await transport.committedOffsets(config.processor.groupId, config.topics.activity);
    const total = [...end.values()].reduce((a, b) => a + b, 0n);
    assert.equal(total, 114n);
    for (const [partition, high] of end) {
      if (high > 0n) assert.equal(committed.get(partition), high, `partition ${partition} committed to its end`);
    }
  } finally {
    await transport.close();
  }

  const [dead] = await readTopic(config.kafka!, config.topics.deadLetter, 1);
  assert.ok(dead, 'the malformed record is on the dead-letter topic');
  const { value } = await new AvroCodec(new LocalSchemaRegistry()).decode<DeadLetterRecord>(dead.value, SCHEMA_NAMES.deadLetter);
  assert.equal(value.reason_code, 'SLUICE_ERR_INPUT_MALFORMED');
  assert.equal(value.stage, 'collect');
  assert.match(value.position, /sluice-sensitive-operations\.json#6$/);
  assert.match(value.reason, /eventName/);
  assert.match(value.raw.toString(), /deliberately malformed/);
});

test('running the same input again yields no duplicate finding (FINAL)', async () => {
  const before = await findingsInClickHouse();
  assert.equal(before.length, EXPECTED_RULES.length);
  const summary = await runPipeline(ctx, { collector: awsCloudTrailCollector({}), inputs: samples, drainTimeoutMs: 60_000 });
  assert.equal(summary.processor.eventsIn, 114, 'the second run really processed the events again');
  assert.equal(summary.processor.findingsOut, EXPECTED_RULES.length);
  const afterRows = await findingsInClickHouse();
  assert.deepEqual(afterRows, before);
  const raw = await clickhouse.query({ query: `SELECT count() AS n FROM ${config.clickhouse!.database}.findings`, format: 'JSONEachRow' });
  const [row] = await raw.json<{ n: string | number }>();
  assert.ok(Number(row?.n) >= EXPECTED_RULES.length, 'rows were written twice; FINAL collapses them by id');
});
