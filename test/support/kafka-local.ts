// A local Apache Kafka cluster for the tests: KAFKA_LOCAL_NODES combined broker+controller nodes in
// KRaft mode on free loopback ports, run with the machine's JDK from the jars that fetch-kafka.sh put in
// test/support/.cache/kafka-<version>/libs (Maven Central, org.apache.kafka:kafka_2.13).
//
// Everything lives in one directory (cluster.json, nN.properties, dataN/, nN.log, nN.pid), so another
// process can kill and restart a node: the test runner starts the cluster and hands its directory to
// the test files as SLUICE_TEST_KAFKA_DIR; a fault test then calls killKafkaNode(dir, 2) and
// startKafkaNode(dir, 2) (same ports, same data, as after a crash).
//
// Start-up: one `kafka.tools.StorageTool format` (a JVM start), its meta.properties copied to the
// other nodes with their own node.id/directory.id (what `format` writes for a static quorum), then the
// three JVMs in parallel. Measured on 2 busy cores: ~15 s until all three log "Kafka Server started".
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './clickhouse-local.ts';

/** The Apache Kafka release the tests run on (SLUICE_TEST_KAFKA_VERSION overrides; any 4.x). */
export const KAFKA_VERSION = process.env.SLUICE_TEST_KAFKA_VERSION || '4.1.1';
export const KAFKA_LOCAL_NODES = 3;
const SUPPORT = fileURLToPath(new URL('.', import.meta.url));
const FETCH_SCRIPT = join(SUPPORT, 'fetch-kafka.sh');

/** JVM options per node: small heap, serial GC and C1 only (start-up and CPU matter here, not peak throughput). */
const JVM_OPTS = (process.env.SLUICE_TEST_KAFKA_JVM_OPTS ?? '-Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true')
  .split(/\s+/)
  .filter(Boolean);

export function kafkaCacheDir(version = KAFKA_VERSION): string {
  return join(SUPPORT, '.cache', `kafka-${version}`);
}

/** The fetched jars' directory, or null when fetch-kafka.sh has not completed for this version. */
export function kafkaLibs(version = KAFKA_VERSION): string | null {
  const libs = join(kafkaCacheDir(version), 'libs');
  return existsSync(join(libs, '.complete')) ? libs : null;
}

/** Major version of `java` on PATH (JAVA_HOME/bin/java first), or null. */
export function javaMajor(): number | null {
  const r = spawnSync(javaBin(), ['-version'], { encoding: 'utf8', timeout: 30_000 });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr ?? ''}${r.stdout ?? ''}`);
  if (!m) return null;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

/** Why a local Apache Kafka cannot run here, or null when it can (JDK 17+ and fetched jars, or mvn to fetch them). */
export function kafkaLocalUnavailable(version = KAFKA_VERSION): string | null {
  const major = javaMajor();
  if (major === null) return 'no JDK (java not found)';
  if (major < 17) return `JDK ${major} found, Kafka 4 brokers need 17+`;
  if (kafkaLibs(version)) return null;
  if (spawnSync('mvn', ['-v'], { timeout: 60_000 }).status !== 0) return `Kafka ${version} jars not fetched and mvn not found`;
  return null;
}

/** Fetches the jars with Maven unless present (fetch-kafka.sh); returns the libs directory. */
export function ensureKafkaLibs(version = KAFKA_VERSION): string {
  const have = kafkaLibs(version);
  if (have) return have;
  const r = spawnSync('bash', [FETCH_SCRIPT, version, kafkaCacheDir(version)], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  const libs = kafkaLibs(version);
  if (r.status !== 0 || !libs) throw new Error(`fetching Apache Kafka ${version} with Maven failed (bash ${FETCH_SCRIPT} ${version} ${kafkaCacheDir(version)})`);
  return libs;
}

interface NodeInfo {
  id: number;
  port: number;
  controllerPort: number;
}

interface ClusterFile {
  version: string;
  libs: string;
  clusterId: string;
  nodes: NodeInfo[];
}

export interface KafkaLocal {
  version: string;
  dir: string;
  bootstrap: string[];
  nodeIds: number[];
  /** Milliseconds from the call to all nodes logging "Kafka Server started" (format included). */
  startMs: number;
  /** SIGKILL every node and remove the directory (when we created it). */
  stop(): Promise<void>;
}

export interface KafkaLocalOptions {
  version?: string;
  /** Directory for config, data and logs; a fresh temp dir by default (removed by stop()). */
  dir?: string;
  startTimeoutMs?: number;
  /** Combined broker+controller nodes (default KAFKA_LOCAL_NODES); topics are replicated min(3, nodes) times. */
  nodes?: number;
}

/** Broker settings for a small, fast-starting test cluster that still behaves like production. */
function properties(dir: string, c: ClusterFile, n: NodeInfo): string {
  const voters = c.nodes.map((v) => `${v.id}@127.0.0.1:${v.controllerPort}`).join(',');
  return [
    'process.roles=broker,controller',
    `node.id=${n.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${n.port},CONTROLLER://127.0.0.1:${n.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${n.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, `data${n.id}`)}`,
    // Topics: auto-created ones as the mock does them (12 partitions), replicated on all three nodes.
    'auto.create.topics.enable=true',
    'num.partitions=12',
    `default.replication.factor=${c.nodes.length}`,
    `min.insync.replicas=${Math.min(2, c.nodes.length)}`,
    `offsets.topic.replication.factor=${c.nodes.length}`,
    'offsets.topic.num.partitions=6',
    `transaction.state.log.replication.factor=${c.nodes.length}`,
    `transaction.state.log.min.isr=${Math.min(2, c.nodes.length)}`,
    'transaction.state.log.num.partitions=6',
    `share.coordinator.state.topic.replication.factor=${c.nodes.length}`,
    `share.coordinator.state.topic.min.isr=${Math.min(2, c.nodes.length)}`,
    'group.initial.rebalance.delay.ms=0',
    // A killed node is fenced (and its leaderships moved) after 3 s instead of 9 s.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
    // Compaction of changelog topics runs within seconds (topics opt in with segment.ms / dirty ratio).
    'log.cleaner.backoff.ms=1000',
    'log.cleaner.threads=1',
    // Few threads: 2 cores shared by three nodes and the tests.
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'num.replica.fetchers=1',
    'num.recovery.threads.per.data.dir=1',
    '',
  ].join('\n');
}

function readCluster(dir: string): ClusterFile {
  return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterFile;
}

const logFile = (dir: string, id: number) => join(dir, `n${id}.log`);
const pidFile = (dir: string, id: number) => join(dir, `n${id}.pid`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The node's pid when it is running, else null. */
export function kafkaNodePid(dir: string, id: number): number | null {
  try {
    const pid = Number(readFileSync(pidFile(dir, id), 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Starts node `id` of the cluster in `dir` (again: same ports and data) and resolves once it logged
 * "Kafka Server started". The JVM is not tied to the calling process: stopKafkaLocal/killKafkaNode end it.
 */
export async function startKafkaNode(dir: string, id: number, timeoutMs = 120_000): Promise<void> {
  const c = readCluster(dir);
  if (kafkaNodePid(dir, id)) throw new Error(`kafka node ${id} is already running`);
  const log = logFile(dir, id);
  const from = existsSync(log) ? statSync(log).size : 0;
  const fd = openSync(log, 'a');
  const child = spawn(javaBin(), [...JVM_OPTS, '-cp', join(c.libs, '*'), 'kafka.Kafka', join(dir, `n${id}.properties`)], {
    stdio: ['ignore', fd, fd],
    detached: true, // its own process group: a Ctrl-C of the test runner is handled by the runner's stop()
  });
  closeSync(fd);
  child.unref();
  let exited: string | null = null;
  child.on('exit', (code, sig) => (exited = `exit code ${code}, signal ${sig}`));
  child.on('error', (e) => (exited = e.message));
  writeFileSync(pidFile(dir, id), String(child.pid));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFrom(log, from);
    if (text.includes('Kafka Server started')) return;
    if (exited) throw new Error(`kafka node ${id} exited during start-up (${exited}):\n${tailLines(text, 30)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kafka node ${id} not started within ${timeoutMs} ms:\n${tailLines(text, 30)}`);
    }
    await sleep(100);
  }
}

/** Kills node `id` (default SIGKILL, as a crash) and waits until the process is gone. */
export async function killKafkaNode(dir: string, id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const pid = kafkaNodePid(dir, id);
  if (!pid) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 60_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(50);
  }
  rmSync(pidFile(dir, id), { force: true });
}

/** The bootstrap list of the cluster in `dir`. */
export function kafkaLocalBootstrap(dir: string): string[] {
  return readCluster(dir).nodes.map((n) => `127.0.0.1:${n.port}`);
}

/** Last lines of a node's log, for failure messages. */
export function kafkaNodeLogTail(dir: string, id: number, lines = 40): string {
  const path = logFile(dir, id);
  const size = existsSync(path) ? statSync(path).size : 0;
  return tailLines(readFrom(path, Math.max(0, size - 64 * 1024)), lines);
}

/** The file's text from byte `from` on (only that part is read: a node's log grows over a run). */
function readFrom(path: string, from: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const start = Math.min(from, size);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function tailLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

/**
 * Kafka's cluster id: 16 random bytes, URL-safe base64 without padding (as `kafka-storage random-uuid`).
 * Never one starting with "-" (1 in 64): `format -t -xyz…` reads it as an option and fails (Kafka's own
 * Uuid.randomUuid() skips those too).
 */
const kafkaUuid = (): string => {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
};

export async function startKafkaLocal(opts: KafkaLocalOptions = {}): Promise<KafkaLocal> {
  const t0 = Date.now();
  const version = opts.version ?? KAFKA_VERSION;
  const libs = ensureKafkaLibs(version);
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
  mkdirSync(dir, { recursive: true });
  const nodes = opts.nodes ?? KAFKA_LOCAL_NODES;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5) throw new Error(`startKafkaLocal: nodes must be 1 to 5, got ${nodes}`);
  const ports = new Set<number>();
  while (ports.size < nodes * 2) ports.add(await freePort());
  const list = [...ports];
  const cluster: ClusterFile = {
    version,
    libs,
    clusterId: kafkaUuid(),
    nodes: Array.from({ length: nodes }, (_, i) => ({ id: i + 1, port: list[2 * i]!, controllerPort: list[2 * i + 1]! })),
  };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster, null, 2));
  for (const n of cluster.nodes) writeFileSync(join(dir, `n${n.id}.properties`), properties(dir, cluster, n));

  const stop = async (): Promise<void> => {
    await Promise.all(cluster.nodes.map((n) => killKafkaNode(dir, n.id)));
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Format node 1's log directory, then give the others a copy with their own node.id and directory.id:
    // for a static controller quorum that is all `format` writes (meta.properties, bootstrap.checkpoint).
    const first = cluster.nodes[0]!;
    const fmt = spawnSync(javaBin(), ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', '-t', cluster.clusterId, '-c', join(dir, `n${first.id}.properties`)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const firstData = join(dir, `data${first.id}`);
    if (fmt.status !== 0 || !existsSync(join(firstData, 'meta.properties'))) {
      throw new Error(`kafka-storage format failed (${fmt.status ?? fmt.signal}): ${tailLines(`${fmt.stdout}${fmt.stderr}`, 20)}`);
    }
    for (const n of cluster.nodes.slice(1)) {
      const data = join(dir, `data${n.id}`);
      mkdirSync(data, { recursive: true });
      for (const f of readdirSync(firstData)) {
        if (f !== 'meta.properties' && statSync(join(firstData, f)).isFile()) copyFileSync(join(firstData, f), join(data, f));
      }
      const meta = readFileSync(join(firstData, 'meta.properties'), 'utf8')
        .replace(/^node\.id=.*$/m, `node.id=${n.id}`)
        .replace(/^directory\.id=.*$/m, `directory.id=${kafkaUuid()}`);
      writeFileSync(join(data, 'meta.properties'), meta);
    }
    await Promise.all(cluster.nodes.map((n) => startKafkaNode(dir, n.id, opts.startTimeoutMs ?? 180_000)));
  } catch (e) {
    const logs = cluster.nodes.map((n) => `--- node ${n.id}\n${kafkaNodeLogTail(dir, n.id, 15)}`).join('\n');
    await stop().catch(() => {});
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
  return {
    version,
    dir,
    bootstrap: kafkaLocalBootstrap(dir),
    nodeIds: cluster.nodes.map((n) => n.id),
    startMs: Date.now() - t0,
    stop,
  };
}

/** Synchronous SIGKILL of every node of the cluster in `dir` (for process 'exit' handlers). */
export function killKafkaLocalSync(dir: string): void {
  let c: ClusterFile;
  try {
    c = readCluster(dir);
  } catch {
    return;
  }
  for (const n of c.nodes) {
    const pid = kafkaNodePid(dir, n.id);
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
