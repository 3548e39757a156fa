import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessEntity } from '../../core/model/process-event.ts';
import { binaryName } from '../../core/model/process-event.ts';
import { baseName, Classifier } from './classify.ts';
import { ProcessBaselineConfig } from './config.ts';

const c = new Classifier(ProcessBaselineConfig.parse({}).spawn);
const p = (binary: string, args: string | null = null, containerPid: number | null = null): ProcessEntity => ({
  binary, name: binaryName(binary), args, cwd: null, uid: null, exec_id: null, pid: null, container_pid: containerPid, start_time: null, flags: null,
});

test('shells: names, scripts run directly, busybox applets; not other binaries', () => {
  for (const b of ['/bin/sh', '/usr/bin/bash', '/bin/dash', '/bin/ash', '/usr/bin/zsh', '/docker-entrypoint.sh', '/opt/run.bash']) assert.equal(c.isShell(p(b)), true, b);
  assert.equal(c.isShell(p('/bin/busybox', 'sh -c id')), true);
  assert.equal(c.isShell(p('/bin/busybox', 'wget http://x')), false);
  assert.equal(c.spawnKind(p('/bin/busybox', 'wget http://x')), 'network_tool');
  for (const b of ['/usr/sbin/nginx', '/usr/bin/cat', '/bin/shred']) assert.equal(c.isShell(p(b)), false, b);
});

test('spawn kinds: tools, interpreters only with inline code', () => {
  assert.equal(c.spawnKind(p('/usr/bin/nc', 'x 443')), 'network_tool');
  assert.equal(c.spawnKind(p('/usr/bin/ncat')), 'network_tool');
  assert.equal(c.spawnKind(p('/usr/bin/python3.11', '-c "import os"')), 'inline_interpreter');
  assert.equal(c.spawnKind(p('/usr/bin/python3', 'manage.py migrate')), null, 'a script is not inline code');
  assert.equal(c.spawnKind(p('/usr/bin/perl', '-e "print 1"')), 'inline_interpreter');
  assert.equal(c.spawnKind(p('/usr/bin/cat', '/etc/passwd')), null);
});

test('servers: pid 1 of the container, server names (with versions), learned entrypoints; never shells or runtimes', () => {
  assert.equal(c.serverReason(p('/app/server', null, 1), []), 'container_pid_1');
  assert.equal(c.serverReason(p('/usr/sbin/php-fpm8.2', null, 7), []), 'server_binary');
  assert.equal(c.serverReason(p('/app/server', null, 7), ['/app/server']), 'entrypoint');
  assert.equal(c.serverReason(p('/app/server', null, 7), []), null);
  assert.equal(c.serverReason(p('/bin/sh', null, 1), []), null, 'a shell as pid 1 is no server');
  assert.equal(c.serverReason(p('/sbin/tini', null, 1), []), null, 'an init is no server');
  assert.equal(c.serverReason(null, []), null);
  assert.equal(c.isEntrypoint(p('/app/server', null, 1), null), true);
  assert.equal(c.isEntrypoint(p('/app/server'), p('/usr/bin/containerd-shim-runc-v2')), true, 'no container pid: started by a runtime');
  assert.equal(c.isEntrypoint(p('/docker-entrypoint.sh', null, 1), null), false, 'a script is a shell');
  assert.equal(baseName('python3.11'), 'python');
  assert.equal(baseName('hping3'), 'hping3');
});
