// The enforcer over an embedded log: real flow_baseline block decisions (protect mode), signed as
// the processor signs them, consumed by EnforcerService with flow_baseline's builders; manifests
// written to a directory, or server-side applied to a node:http server that plays the Kubernetes
// API server (GET / PATCH application/apply-patch+yaml with fieldManager and force, as the API
// documents); results on the action results topic; idempotent by decision id; dry-run by default.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolveConfig } from '../../cli/config.ts';
import { flowBaselineBuilders } from '../../cli/enforcer.ts';
import type { ActionResult } from '../../core/actions.ts';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SideOutput } from '../../core/components.ts';
import type { SluiceConfig } from '../../core/config.ts';
import { DeadLetterWriter } from '../../core/dead-letter.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../../core/events.ts';
import { silentLogger } from '../../core/logger.ts';
import { isCaughtUp } from '../../core/transport.ts';
import { outputSignatureHeaders } from '../../processor/output-signing.ts';
import { EmbeddedLog } from '../../transports/embedded/log.ts';
import { ciliumNetworkPolicyErrors } from '../../../test/support/official-schemas/cilium.ts';
import { ActionResultWriter } from '../results.ts';
import { externalEdge, protectDecisions } from './testing.ts';
import { EnforcerService } from './service.ts';
import { DirectoryTarget, KubernetesApplyTarget, type EnforcementTarget } from './targets.ts';

const KEY = 'actions-key-for-the-enforcer-tests-0123456789';
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-enforcer-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function config(enforcement: Record<string, unknown> = {}): SluiceConfig {
  return resolveConfig({ topics: { partitions: 1 }, remediation: { actionsKey: KEY }, enforcement });
}

async function enforce(cfg: SluiceConfig, target: EnforcementTarget, decisions: readonly SideOutput[], opts: { unsigned?: boolean; repeat?: number; junk?: boolean } = {}) {
  const clock = new ManualClock(1_765_000_000_000);
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const topic = cfg.topics.enforcement;
  const records = decisions.map((o) => {
    const value = Buffer.from(JSON.stringify(o.value));
    return { key: o.key, value, headers: opts.unsigned ? {} : outputSignatureHeaders('enforcement', KEY, topic, o.key, value) };
  });
  if (opts.junk) {
    const value = Buffer.from('not json');
    records.push({ key: 'junk', value, headers: outputSignatureHeaders('enforcement', KEY, topic, 'junk', value) });
  }
  for (let i = 0; i < (opts.repeat ?? 1); i++) await producer.send(topic, records);
  const service = new EnforcerService({ transport: log, deadLetters: new DeadLetterWriter(producer, codec, cfg.topics.deadLetter, clock), results: new ActionResultWriter(producer, cfg.topics.actionResults), config: cfg, builders: flowBaselineBuilders, target, logger: silentLogger(), clock });
  await service.start();
  while (!(await isCaughtUp(log, cfg.enforcement.groupId, topic))) await log.waitForChange(20);
  await service.stop();
  const results = log.readAll(cfg.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
  const dead = await Promise.all(log.readAll(cfg.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
  return { results, dead, service };
}

test('dry-run (the default) records the manifest it would write and writes nothing; unsigned and malformed records are refused and dead-lettered', async () => {
  const decisions = protectDecisions(externalEdge);
  const out = join(dir, 'dry');
  const cfg = config({ outputDir: out });
  assert.equal(cfg.enforcement.dryRun, true);
  const run = await enforce(cfg, new DirectoryTarget(out), decisions, { junk: true });
  assert.deepEqual(run.results.map((r) => [r.executor, r.outcome, r.dry_run]), [['k8s.cilium_network_policy', 'dry_run', true]]);
  assert.match(run.results[0]!.reason, /^dry-run: would write CiliumNetworkPolicy bookinfo\/sluice-block-app-ratings-[0-9a-f]{10} to /);
  assert.equal(run.results[0]!.account, 'kind');
  assert.deepEqual(run.dead.map((d) => d.reason_code), ['SLUICE_ERR_INPUT_MALFORMED']);
  assert.throws(() => readdirSync(out), /ENOENT/, 'nothing written');

  const unsigned = await enforce(config({ outputDir: out, dryRun: false }), new DirectoryTarget(out), decisions, { unsigned: true });
  assert.deepEqual(unsigned.results.map((r) => r.outcome), ['refused']);
  assert.match(unsigned.results[0]!.reason, /^unsigned action record/);
  assert.deepEqual(unsigned.dead.map((d) => d.reason_code), ['SLUICE_ERR_ACTION_SIGNATURE']);
  assert.throws(() => readdirSync(out), /ENOENT/);
});

test('a directory target: one manifest per decision, valid against the CRD; a repeated record and a restarted enforcer find it done', async () => {
  const decisions = protectDecisions(externalEdge);
  const out = join(dir, 'write');
  const cfg = config({ outputDir: out, dryRun: false });
  const first = await enforce(cfg, new DirectoryTarget(out), decisions, { repeat: 2 });
  assert.deepEqual(first.results.map((r) => r.outcome), ['done', 'already_done'], first.results.map((r) => r.reason).join(' | '));
  const files = readdirSync(join(out, 'bookinfo'));
  assert.equal(files.length, 1);
  const manifest = parse(readFileSync(join(out, 'bookinfo', files[0]!), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(ciliumNetworkPolicyErrors(manifest), []);
  assert.equal((first.results[0]!.target as { policy: string }).policy, `CiliumNetworkPolicy/bookinfo/${files[0]!.replace(/\.yaml$/, '')}`);
  const again = await enforce(cfg, new DirectoryTarget(out), decisions);
  assert.deepEqual(again.results.map((r) => r.outcome), ['already_done']);
  assert.match(again.results[0]!.reason, /already holds this policy/);
  // A file changed by hand is put back.
  writeFileSync(join(out, 'bookinfo', files[0]!), '# edited\n');
  const restored = await enforce(cfg, new DirectoryTarget(out), decisions);
  assert.deepEqual(restored.results.map((r) => r.outcome), ['done']);
  assert.match(restored.results[0]!.reason, /^replaced /);
  const other = await enforce(config({ outputDir: out, dryRun: false, cluster: 'prod' }), new DirectoryTarget(out), decisions);
  assert.match(other.results[0]!.reason, /is not in cluster prod \(enforcement\.cluster\)/);
});

/** A node:http server playing the Kubernetes API server for one resource type. */
async function fakeApiServer(): Promise<{ url: string; server: Server; objects: Map<string, { body: Record<string, unknown> }>; requests: string[]; failNext: { status: number } | null }> {
  const state = { objects: new Map<string, { body: Record<string, unknown> }>(), requests: [] as string[], failNext: null as { status: number } | null };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      state.requests.push([req.method, `${url.pathname}${url.search}`, req.headers['content-type'], req.headers.authorization].filter(Boolean).join(' '));
      if (state.failNext) {
        const status = state.failNext.status;
        state.failNext = null;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'ciliumnetworkpolicies.cilium.io is forbidden: User "system:serviceaccount:sluice:enforcer" cannot patch resource' }));
        return;
      }
      const existing = state.objects.get(url.pathname);
      if (req.method === 'GET') {
        if (!existing) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'not found' }));
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(existing.body));
        return;
      }
      if (req.method === 'PATCH' && req.headers['content-type'] === 'application/apply-patch+yaml' && url.searchParams.get('fieldManager') && url.searchParams.get('force') === 'true') {
        const body = parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        state.objects.set(url.pathname, { body });
        res.writeHead(existing ? 200 : 201, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      res.writeHead(415).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, { url: `http://127.0.0.1:${port}`, server });
}

test('an apply target: server-side apply with the field manager and the token; applied once, then already_done; an API refusal is failed and dead-lettered', async () => {
  const api = await fakeApiServer();
  try {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'test-token\n');
    const decisions = protectDecisions(externalEdge);
    const cfg = config({ target: 'apply', dryRun: false, kubernetes: { server: api.url, tokenFile } });
    const target = new KubernetesApplyTarget({ server: api.url, tokenFile, fieldManager: cfg.enforcement.kubernetes.fieldManager });
    const run = await enforce(cfg, target, decisions, { repeat: 2 });
    assert.deepEqual(run.results.map((r) => r.outcome), ['done', 'already_done'], run.results.map((r) => r.reason).join(' | '));
    assert.match(run.results[0]!.reason, /^created CiliumNetworkPolicy bookinfo\/sluice-block-app-ratings-/);
    const path = [...api.objects.keys()][0]!;
    assert.match(path, /^\/apis\/cilium\.io\/v2\/namespaces\/bookinfo\/ciliumnetworkpolicies\/sluice-block-app-ratings-[0-9a-f]{10}$/);
    assert.deepEqual(api.requests, [`GET ${path} Bearer test-token`, `PATCH ${path}?fieldManager=sluice-enforcer&force=true application/apply-patch+yaml Bearer test-token`]);
    assert.deepEqual(ciliumNetworkPolicyErrors(api.objects.get(path)!.body), []);
    const restarted = await enforce(cfg, target, decisions);
    assert.deepEqual(restarted.results.map((r) => r.outcome), ['already_done'], 'found on the API server by a new enforcer');
    api.objects.clear();
    api.failNext = { status: 403 };
    const denied = await enforce(cfg, target, decisions);
    assert.deepEqual(denied.results.map((r) => r.outcome), ['failed']);
    assert.match(denied.results[0]!.reason, /^GET .*: HTTP 403 Forbidden: ciliumnetworkpolicies\.cilium\.io is forbidden/);
    assert.deepEqual(denied.dead.map((d) => d.reason_code), ['SLUICE_ERR_SINK_WRITE']);
  } finally {
    api.server.close();
  }
});
