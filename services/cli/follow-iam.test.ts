// The IAM account role against moto (test/support/moto.ts) on the embedded log.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, motoServer, stopMoto } from '../../test/support/moto.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { resolveConfig } from './config.ts';
import { renderIamCounts, runIamFollowRole } from './follow-iam.ts';

after(() => stopMoto());

test('the IAM account role reads the account once at start and publishes its items on the config topic', async () => {
  const endpoint = (await motoServer()).endpoint;
  const clock = new ManualClock(Date.now());
  const config = resolveConfig({ topics: { partitions: 1 }, http: { port: 0 }, collectors: { aws_account: { accountId: MOTO_ACCOUNT_ID, endpoint, reportWaitMs: 5000 } } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const stop = new AbortController();
  const role = runIamFollowRole({ config, logger: silentLogger(), clock, telemetry: createTelemetry() }, { transport: log, stop: stop.signal, credentials: MOTO_CREDENTIALS });
  const deadline = Date.now() + 60_000;
  while (log.readAll(config.topics.config).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  stop.abort();
  const stats = await role;
  assert.equal(stats.reads, 1);
  assert.equal(stats.problems, 0);
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const types = await Promise.all(log.readAll(config.topics.config).map(async (m) => (await codec.decode<ConfigState>(m.value)).value.resource.type));
  assert.ok(types.includes('AWS::IAM::AccountSummary') && types.includes('AWS::IAM::AccountPasswordPolicy'), types.join(', '));
  assert.match(renderIamCounts(stats), /^account reads 1 \(parts failed 0\), items published \d+/);
});

test('--follow iam needs the account id', async () => {
  const config = resolveConfig({ topics: { partitions: 1 } });
  await assert.rejects(runIamFollowRole({ config, logger: silentLogger(), clock: new ManualClock(0), telemetry: createTelemetry() }, { transport: new EmbeddedLog({ partitions: 1, clock: new ManualClock(0) }) }), /needs collectors\.aws_account\.accountId/);
});
