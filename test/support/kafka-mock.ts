// Starts librdkafka's mock Kafka cluster via the launcher built by test/support/prepare.sh
// (.sluice/test-bin/kafka-mock, source test/support/kafka-mock.c) and drives its fault commands.
//
// Launcher protocol: prints `BOOTSTRAP host:port,...` once, then answers each stdin line with `ok` or
// `err <msg>`. Commands: down <id|-1> | up <id|-1> | rtt <id|-1> <ms> | leader <topic> <part> <id> |
// err <apiKey> <code...> | berr <id> <apiKey> <code> <rtt_ms> | clear <apiKey> |
// topic <name> <parts> <rf> | coord group|transaction <key> <id>. It exits when stdin closes.
//
// Auto-creation (verified with kafkajs 2.2.4 against the patched mock, see kafka-mock.int.test.ts):
// the mock has no CreateTopics API, but a kafkajs Metadata request for an unknown topic (producer.send,
// consumer.subscribe, admin.fetchTopicMetadata; kafkajs sets allowAutoTopicCreation=true) auto-creates
// it with RDKAFKA_MOCK_PARTITIONS partitions (we set 12; the stock build always uses 4) and
// replication factor min(3, brokers). So integration tests can use a unique topic name per test.
// Pre-create topics (opts.topics or command('topic ...')) when a test needs a specific partition count.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const KAFKA_MOCK_BIN = fileURLToPath(new URL('../../.sluice/test-bin/kafka-mock', import.meta.url));
/** Written by prepare.sh when only the stock (unpatched) librdkafka build was possible. */
export const KAFKA_MOCK_STOCK_MARKER = `${KAFKA_MOCK_BIN}.stock`;
/** Partitions for auto-created topics on the patched mock. */
export const KAFKA_MOCK_DEFAULT_PARTITIONS = 12;

export interface KafkaMockTopic {
  name: string;
  partitions: number;
  replicationFactor?: number;
}

export interface KafkaMockOptions {
  /** Number of brokers (ids 1..n). Default 3. */
  brokers?: number;
  topics?: KafkaMockTopic[];
  /** Extra environment for the launcher (overrides the RDKAFKA_MOCK_* defaults). */
  env?: Record<string, string>;
  /** Launcher path; default .sluice/test-bin/kafka-mock (or SLUICE_KAFKA_MOCK_BIN). */
  binary?: string;
  startTimeoutMs?: number;
}

export interface KafkaMock {
  bootstrap: string[];
  /** false = stock librdkafka build: ~5 MiB kept per partition, controller id 0 (no idempotent producer). */
  patched: boolean;
  /** Sends one command line; resolves on `ok`, rejects on `err ...` or if the launcher is gone. */
  command(cmd: string): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaMockBuild {
  path: string;
  patched: boolean;
}

/** The built launcher, or null if prepare.sh has not built it. */
export function kafkaMockBuild(binary?: string): KafkaMockBuild | null {
  const path = binary ?? process.env.SLUICE_KAFKA_MOCK_BIN ?? KAFKA_MOCK_BIN;
  if (!existsSync(path)) return null;
  return { path, patched: !existsSync(`${path}.stock`) };
}

export async function startKafkaMock(opts: KafkaMockOptions = {}): Promise<KafkaMock> {
  const build = kafkaMockBuild(opts.binary);
  if (!build) {
    throw new Error(`Kafka mock launcher not built (${KAFKA_MOCK_BIN}): run \`bash test/support/prepare.sh\``);
  }
  const args = ['--brokers', String(opts.brokers ?? 3)];
  for (const t of opts.topics ?? []) {
    if (!/^[A-Za-z0-9._-]+$/.test(t.name)) throw new Error(`bad topic name ${JSON.stringify(t.name)}`);
    args.push('--topic', `${t.name}:${t.partitions}${t.replicationFactor ? `:${t.replicationFactor}` : ''}`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Patched build only (ignored by the stock one): keep everything, big default partition count.
    RDKAFKA_MOCK_MAX_BYTES: String(64 * 1024 ** 3),
    RDKAFKA_MOCK_MAX_BATCHES: String(1_000_000_000),
    RDKAFKA_MOCK_PARTITIONS: String(KAFKA_MOCK_DEFAULT_PARTITIONS),
    RDKAFKA_MOCK_CONTROLLER_ID: '1',
    ...opts.env,
  };
  const child = spawn(build.path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
    if (process.env.SLUICE_TEST_DEBUG) process.stderr.write(`[kafka-mock] ${d}`);
  });
  child.stdin.on('error', () => {}); // EPIPE after exit is reported through 'exit'

  let exited: string | null = null;
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void; cmd: string }> = [];
  let onBootstrap: ((line: string) => void) | null = null;
  let failStart: ((e: Error) => void) | null = null;

  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (onBootstrap && line.startsWith('BOOTSTRAP ')) return onBootstrap(line.slice('BOOTSTRAP '.length).trim());
    const p = pending.shift();
    if (!p) return;
    if (line === 'ok') p.resolve();
    else p.reject(new Error(`kafka-mock: '${p.cmd}' -> ${line}`));
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, sig) => {
      exited = `kafka-mock exited (code ${code}, signal ${sig})${stderr ? `: ${stderr.trim()}` : ''}`;
      for (const p of pending.splice(0)) p.reject(new Error(exited));
      failStart?.(new Error(exited));
      resolve();
    });
  });
  child.on('error', (e) => failStart?.(e));

  const bootstrap = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kafka-mock printed no BOOTSTRAP line in time; stderr: ${stderr}`));
    }, opts.startTimeoutMs ?? 10_000);
    onBootstrap = (list) => {
      clearTimeout(timer);
      resolve(list.split(',').filter(Boolean));
    };
    failStart = (e) => {
      clearTimeout(timer);
      reject(e);
    };
  });
  onBootstrap = null;
  failStart = null;

  return {
    bootstrap,
    patched: build.patched,
    command(cmd: string): Promise<void> {
      if (exited) return Promise.reject(new Error(exited));
      if (/[\r\n]/.test(cmd)) return Promise.reject(new Error('kafka-mock command must be one line'));
      return new Promise<void>((resolve, reject) => {
        pending.push({ resolve, reject, cmd });
        child.stdin.write(`${cmd}\n`);
      });
    },
    async stop(): Promise<void> {
      if (exited) return;
      child.stdin.end(); // the launcher exits on stdin EOF
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
