import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { normalizeTetragonEvent, sniffTetragonEvent, tetragonCollector, tetragonSpec } from './index.ts';
import { sniffHubbleFlow } from '../hubble_flows/index.ts';
import { COLLECTOR_SPECS } from '../registry.ts';
import { SluiceError } from '../../core/errors.ts';

const fixture = (f: string): Buffer => readFileSync(new URL(`../../../test/fixtures/tetragon/${f}`, import.meta.url));
const lines = (f: string): unknown[] => fixture(f).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
const selected = lines('security-observability-selected.jsonl');
const schema = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../../schemas/avro/network_flow.v1.avsc', import.meta.url), 'utf8')) as avro.Schema);

test('process_connect (nc spawned by sh in the elasticsearch pod): the process and its pod are the source identity', () => {
  const r = normalizeTetragonEvent(selected[3]);
  assert.ok(r.event);
  const e = r.event;
  assert.equal(r.key, 'minikube/tenant-jobs/app/elasticsearch');
  assert.deepEqual(e.process, { binary: '/usr/bin/nc', pid: 38314, parent_binary: '/usr/bin/sh', container: 'elasticsearch' });
  assert.equal(e.src.type, 'workload');
  assert.deepEqual(
    [e.src.workload?.kind, e.src.workload?.name, e.src.workload?.pod, e.src.workload?.image_repository, e.src.workload?.app],
    ['Deployment', 'elasticsearch', 'elasticsearch-56f8fc6988-65smb', 'quay.io/isovalent/jobs-app-elasticsearch', 'elasticsearch'],
  );
  assert.equal(e.src.workload?.app_version, 'sha256:ff3aa5862fd17f8695984609743f4523188984adbcd25cf5ac4224b71084558c', 'a latest tag names no version: the running digest does');
  assert.deepEqual([e.src.ip, e.src.port, e.dst.ip, e.dst.port, e.dst.type, e.dst.cidr_bucket], ['10.88.0.6', 48416, '64.225.45.153', 443, 'external', '64.225.45.0/24']);
  assert.deepEqual([e.activity_name, e.connection_info.protocol_name, e.connection_info.direction, e.metadata.product_name, e.metadata.log_name], ['Open', 'TCP', 'egress', 'Tetragon', 'process_connect']);
  assert.equal(e.time, Date.parse('2022-02-01T18:01:56.419Z'));
  assert.equal(JSON.parse(e.unmapped).is_reply, false);
  assert.ok(!e.unmapped.includes('not-reverse-shell'), 'process arguments are not copied to unmapped');
  assert.ok(schema.isValid(e), 'fits the network_flow Avro schema');
});

test('process_close, process_listen, a host process, and a tcp_connect kprobe', () => {
  const close = normalizeTetragonEvent(selected[1]).event!;
  assert.deepEqual([close.activity_name, close.process?.binary, close.dst.port], ['Close', '/usr/bin/curl', 80]);
  assert.deepEqual(JSON.parse(close.unmapped).stats, { bytes_sent: '78', bytes_received: '15221', segs_in: 14, segs_out: 9, srtt: 699229 });
  const listen = normalizeTetragonEvent(selected[6]);
  assert.equal(listen.key, 'minikube/tenant-jobs/app/coreapi');
  assert.deepEqual([listen.event!.src.port, listen.event!.dst.type, listen.event!.connection_info.direction, JSON.parse(listen.event!.unmapped).is_reply], [9080, 'unknown', 'ingress', true]);
  const host = normalizeTetragonEvent(selected[8]);
  assert.equal(host.key, 'minikube/-/reserved/host', 'a process outside any pod is the node');
  assert.equal(host.event!.src.type, 'host');
  // A tcp_connect kprobe, built on the real kprobe event's process (no sample carries one; see SOURCE.md).
  const kp = structuredClone(selected[7]) as { process_kprobe: Record<string, unknown> };
  kp.process_kprobe.function_name = 'tcp_connect';
  kp.process_kprobe.args = [{ sock_arg: { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP', saddr: '10.88.0.6', daddr: '203.0.113.7', sport: 51234, dport: 4444, state: 'TCP_SYN_SENT' } }];
  const k = normalizeTetragonEvent(kp).event!;
  assert.deepEqual([k.process?.binary, k.process?.parent_binary, k.dst.ip, k.dst.port, k.connection_info.protocol_name, k.activity_name], ['/usr/bin/vi', '/bin/bash', '203.0.113.7', 4444, 'TCP', 'Open']);
  assert.ok(schema.isValid(k));
});

test('the collector: network calls become flows, exec and exit process events, other kprobes nothing; bad records are dead letters', () => {
  const outs = [...tetragonCollector().collect({ name: 'sel', bytes: fixture('security-observability-selected.jsonl') })];
  assert.deepEqual(
    outs.map((o) => (o.kind === 'event' ? `${o.position} ${o.stream} ${o.event.metadata.log_name}` : `${o.position} dead`)),
    [
      'sel#0 flow process_connect', 'sel#1 flow process_close', 'sel#2 process process_exec', 'sel#3 flow process_connect', 'sel#4 flow process_close',
      'sel#5 process process_exit', 'sel#6 flow process_listen', 'sel#8 flow process_connect',
    ],
    'exec and exit go to the process stream; the write kprobe (#7) is neither',
  );
  const execs = [...tetragonCollector({ processEvents: false }).collect({ name: 'exec', bytes: fixture('testdata-events.jsonl') })];
  assert.deepEqual(execs, [], 'with processEvents false, process_exec events give nothing');
  const bad = [...tetragonCollector().collect({ name: 'bad', bytes: Buffer.from('{"process_connect":{"process":{"binary":"/x"},"destination_ip":"999.1.1.1"},"time":"2022-02-01T18:01:56.419Z"}\n{"hello":1}\nnot json\n') })];
  assert.deepEqual(bad.map((o) => o.kind), ['dead_letter', 'dead_letter', 'dead_letter']);
  assert.match(bad[0]!.kind === 'dead_letter' ? bad[0]!.reason : '', /destination_ip "999\.1\.1\.1" is not an IP address/);
  assert.throws(() => normalizeTetragonEvent('x'), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED');
});

test('sniff: Tetragon records are recognised, and only by this collector among the flow collectors; it is registered', () => {
  for (const r of [...selected, ...lines('testdata-events.jsonl')]) {
    assert.equal(sniffTetragonEvent(r), true);
    assert.equal(sniffHubbleFlow(r), false);
  }
  const hubble = JSON.parse(readFileSync(new URL('../../../test/fixtures/hubble_flows/basic-sample-10-flows.jsonl', import.meta.url), 'utf8').split('\n')[0]!) as unknown;
  assert.equal(sniffTetragonEvent(hubble), false);
  assert.ok(COLLECTOR_SPECS.includes(tetragonSpec));
});
