import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig, type SluiceConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { assembleProcessor } from './assemble.ts';
import { changelogTopic } from './runtime/state-manager.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

function podEvent(n: number, privileged: boolean): ConfigState {
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'a:1', securityContext: { privileged } }] } });
  return {
    class_uid: 5023, category_uid: 5, activity_id: 1, type_uid: 502301, time: 1_700_000_000_000 + n * 60_000, change_type: 'update', source: 'k8s',
    metadata: { uid: `pod@${n}`, version: '1.8.0', product_name: 'test', vendor_name: 'test', log_name: null, original_time: '', source: 'k8s' },
    resource: { uid: 'k8s/c1/default/Pod/p', type: 'v1/Pod', name: 'p', account_uid: null, region: null, tags: [] },
    configuration: text, configuration_hash: createHash('sha256').update(text).digest('hex'), status: null, relationships: [], location: null, unmapped: '{}', raw_data: null,
  };
}

async function until(log: EmbeddedLog, config: SluiceConfig, topic: string): Promise<void> {
  while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
}

test('a baseline approval on the control topic reaches config_drift; a malformed control record is dead-lettered', async () => {
  const config = resolveConfig({
    processor: { workers: 2, stateShards: 8, maintenanceIntervalMs: 0 },
    topics: { partitions: 4 },
    detectors: { signatures: { enabled: false }, posture: { enabled: false }, config_drift: { enabled: true } },
  });
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0) });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('mem');
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock: new ManualClock(0) });
  const send = async (e: ConfigState) => producer.send(config.topics.config, [{ key: e.resource.uid, value: await codec.encode(config.topics.config, SCHEMA_NAMES.configState, e) }]);
  const latestState = () => {
    const records = log.readAll(changelogTopic(config.app, 'config_drift')).filter((m) => m.key === 'k8s/c1/default/Pod/p');
    return JSON.parse(records.at(-1)!.value.toString()) as { baselineSource: string; approvedBy: string | null };
  };
  try {
    await service.start();
    await send(podEvent(1, false));
    await send(podEvent(2, true));
    await until(log, config, config.topics.config);
    assert.deepEqual(sink.findings.map((f) => f.rule), ['config_drift.pod_privileged']);
    assert.equal(latestState().baselineSource, 'first_seen');

    await producer.send(config.topics.control, [
      { key: 'config_drift/k8s/c1/default/Pod/p', value: Buffer.from(JSON.stringify({ detector: 'config_drift', type: 'approve', resource: 'k8s/c1/default/Pod/p', by: 'alice@example.com', time: 1_700_000_500_000 })) },
      { key: 'junk', value: Buffer.from('{"detector":"nobody"}') },
    ]);
    // The control table is read by a consumer of its own: wait until the dead letter shows it read both.
    const deadline = Date.now() + 10_000;
    while (log.readAll(config.topics.deadLetter).length === 0) {
      assert.ok(Date.now() < deadline, 'the control topic was read within 10 s');
      await log.waitForChange(20);
    }
    await new Promise((r) => setTimeout(r, 200));
    await send(podEvent(3, true)); // same configuration again: no finding, but the approval applies
    await until(log, config, config.topics.config);
    const state = latestState();
    assert.equal(state.baselineSource, 'approved');
    assert.equal(state.approvedBy, 'alice@example.com');
    const [dead] = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.equal(dead!.reason_code, 'SLUICE_ERR_INPUT_MALFORMED');
  } finally {
    await service.stop();
    await pool.close();
  }
});
