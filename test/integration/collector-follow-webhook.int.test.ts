/**
 * `sluice collector k8s_audit --follow webhook` as a process (the CLI, from source) with the
 * harness's **Kafka**: tokens from a file (as a mounted Secret), ready on /readyz, each EventList
 * answered 200 only once its events are on the topic, 401 without a token, exit 0 on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';
import { createTestTopics, withAdmin } from '../support/kafka-admin.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { freePort } from '../support/clickhouse-local.ts';
import { EVENTLIST_FILE, readBytes } from '../fixtures/k8s_audit/load.ts';

const TOKEN = 'it-webhook-token-0123456789abcdef';

test('the CLI: `--follow webhook` reads its tokens file, answers 200 after Kafka acknowledged, 401 without a token, and exits 0 on SIGTERM', async () => {
  const { config, suffix } = isolatedPipelineConfig('webhook_cli');
  const topics = { activity: `it.${suffix}.activity`, deadLetter: `it.${suffix}.dlq` };
  if (testServicesFromEnv().kafkaFlavor === 'kafka') await createTestTopics(config.kafka!.brokers, Object.values(topics).map((name) => ({ name, partitions: 3 })));
  const dir = mkdtempSync(join(tmpdir(), 'sluice-follow-webhook-'));
  const tokensFile = join(dir, 'tokens');
  writeFileSync(tokensFile, `# mounted from a Secret\n${TOKEN}\n`);
  const [httpPort, webhookPort] = [await freePort(), await freePort()];
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, toYaml({ topics, collectors: { k8s_audit: { cluster: 'it', webhook: { host: '127.0.0.1', port: webhookPort, tokensFile } } } }));
  const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'collector', 'k8s_audit', '--follow', 'webhook', '--config', file, '--kafka-brokers', config.kafka!.brokers.join(','), '--allow-local-schema-ids', '--log-level', 'warn'], {
    env: { ...process.env, SLUICE_FROM_SOURCE: '1', SLUICE_HTTP_PORT: String(httpPort) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  let ready = false;
  for (const deadline = Date.now() + 60_000; !ready && Date.now() < deadline && child.exitCode === null; ) {
    ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok, () => false);
    if (!ready) await sleep(200);
  }
  assert.ok(ready, `/readyz answered 200 (stderr: ${stderr})`);
  const url = `http://127.0.0.1:${webhookPort}/v1/k8s-audit`;
  const post = (token?: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: readBytes(EVENTLIST_FILE) });
  const unauthorized = await post();
  assert.equal(unauthorized.status, 401);
  const ok = await post(TOKEN);
  assert.equal(ok.status, 200, await ok.text());
  const onTopic = await withAdmin(config.kafka!.brokers, async (admin) => (await admin.fetchTopicOffsets(topics.activity)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0));
  assert.equal(onTopic, 4, 'the 4 events of the EventList are on the topic when the 200 came back');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /webhook requests 2 \(accepted 1, unauthorized 1, overloaded 0, publish failed 0, invalid 0\), audit events 4, normalized 4/);
});
