// A private clickhouse-server (Debian's 18.16 package) for tests on machines without Docker.
// Origin: the config follows the project's shared test-services reference clickhouse-start.sh/-stop.sh
// (2026-11-23). Everything lives in one directory (config, users, data, logs, pid, ports.json), so a
// server can be stopped and started again on the same ports and data from ANOTHER process: the test
// runner starts it and passes its directory to the test files as SLUICE_TEST_CLICKHOUSE_DIR; a
// reliability test can then call `stopClickHouse(dir)`, wait, and `startClickHouse(dir)`.
// Clickhouse 18.16 runs as root without complaint; set `user` (or SLUICE_TEST_CLICKHOUSE_USER) to run it
// as another account anyway (e.g. "nobody"; only honoured when running as root).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, chownSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLICKHOUSE_SERVER_BIN = '/usr/sbin/clickhouse-server';

export interface ClickHouseLocalOptions {
  /** Directory for config + data; a fresh temp dir by default (removed by destroy()). */
  dir?: string;
  httpPort?: number;
  tcpPort?: number;
  /** Run the server as this user (only when we are root). */
  user?: string;
  binary?: string;
}

export interface ClickHouseLocal {
  url: string;
  dir: string;
  httpPort: number;
  tcpPort: number;
  /** Graceful stop (SIGTERM, then SIGKILL after 15 s). Data and ports are kept for start(). */
  stop(): Promise<void>;
  /** Start again on the same ports and data directory; resolves when /ping answers. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Kill the server and remove its directory if we created it. */
  destroy(): Promise<void>;
}

interface DirState {
  httpPort: number;
  tcpPort: number;
  user?: string;
  binary: string;
}

/** A free loopback TCP port (bind port 0, read it, close). Never returns 8123/9000/9009. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (![8123, 9000, 9009].includes(port)) return port;
  }
}

export function clickHouseInstalled(binary = CLICKHOUSE_SERVER_BIN): boolean {
  return existsSync(binary);
}

export async function startClickHouseLocal(opts: ClickHouseLocalOptions = {}): Promise<ClickHouseLocal> {
  const binary = opts.binary ?? CLICKHOUSE_SERVER_BIN;
  if (!clickHouseInstalled(binary)) {
    throw new Error(`${binary} not found: apt-get install -y --no-install-recommends clickhouse-server`);
  }
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sluice-ch-'));
  const httpPort = opts.httpPort ?? (await freePort());
  let tcpPort = opts.tcpPort ?? (await freePort());
  while (tcpPort === httpPort) tcpPort = await freePort();
  const user = opts.user ?? process.env.SLUICE_TEST_CLICKHOUSE_USER;
  writeDir(dir, { httpPort, tcpPort, binary, ...(user ? { user } : {}) });
  await startClickHouse(dir);
  return {
    url: `http://127.0.0.1:${httpPort}`,
    dir,
    httpPort,
    tcpPort,
    stop: () => stopClickHouse(dir),
    start: async () => {
      await startClickHouse(dir);
    },
    restart: async () => {
      await stopClickHouse(dir);
      await startClickHouse(dir);
    },
    destroy: async () => {
      await stopClickHouse(dir, 0);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Start (or restart) the server whose directory was set up by startClickHouseLocal. Returns its URL. */
export async function startClickHouse(dir: string, timeoutMs = 30_000): Promise<string> {
  const st = readState(dir);
  const url = `http://127.0.0.1:${st.httpPort}`;
  const running = readPid(dir);
  if (running !== null && isAlive(running)) {
    await waitForPing(url, running, dir, timeoutMs);
    return url;
  }
  const ids = st.user && process.getuid?.() === 0 ? userIds(st.user) : null;
  if (ids) chownTree(dir, ids.uid, ids.gid);
  const out = openSync(join(dir, 'log', 'stdout.log'), 'a');
  const child = spawn(st.binary, [`--config-file=${join(dir, 'config.xml')}`], {
    cwd: dir,
    // Same process group as the starter, so a terminal's Ctrl-C also reaches it; unref'd + file stdio,
    // so it outlives the process that started it (e.g. a test file restarting the runner's server).
    detached: false,
    stdio: ['ignore', out, out],
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not spawn ${st.binary}`);
  child.unref();
  writeFileSync(join(dir, 'pid'), `${child.pid}\n`);
  await waitForPing(url, child.pid, dir, timeoutMs);
  return url;
}

/** Stop the server of `dir`: SIGTERM, then SIGKILL after graceMs (0 = SIGKILL at once). */
export async function stopClickHouse(dir: string, graceMs = 15_000): Promise<void> {
  const pid = readPid(dir);
  if (pid === null || !isAlive(pid)) return;
  signal(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      if (graceMs === 0 || Date.now() > deadline + 5_000) break;
    }
    await sleep(50);
  }
  rmSync(join(dir, 'pid'), { force: true });
}

/** Is the server of `dir` running (pid alive)? */
export function clickHouseRunning(dir: string): boolean {
  const pid = readPid(dir);
  return pid !== null && isAlive(pid);
}

function writeDir(dir: string, st: DirState): void {
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'ports.json'), JSON.stringify(st, null, 2));
  writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>${st.httpPort}</http_port>
  <tcp_port>${st.tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
}

function readState(dir: string): DirState {
  const file = join(dir, 'ports.json');
  if (!existsSync(file)) throw new Error(`${dir} is not a ClickHouse test directory (no ports.json)`);
  return JSON.parse(readFileSync(file, 'utf8')) as DirState;
}

function readPid(dir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (a server restarted by an exited test process may be reparented to a non-reaping pid 1). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

async function waitForPing(url: string, pid: number, dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (!isAlive(pid)) throw new Error(`clickhouse-server exited during start:\n${logTail(dir)}`);
    await sleep(50);
  }
  throw new Error(`clickhouse-server did not answer ${url}/ping within ${timeoutMs} ms:\n${logTail(dir)}`);
}

function logTail(dir: string): string {
  return ['stdout.log', 'error.log']
    .map((f) => join(dir, 'log', f))
    .filter((f) => existsSync(f))
    .map((f) => `${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-20).join('\n')}`)
    .join('\n');
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
