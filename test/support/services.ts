// Kafka + ClickHouse for integration tests. test/run.ts calls startTestServices() once and hands the
// addresses to the test files through KAFKA_BROKERS / CLICKHOUSE_URL; test files call
// testServicesFromEnv(). Providers, first that works:
//   env            KAFKA_BROKERS and CLICKHOUSE_URL already set (external services)
//   testcontainers a Docker engine answers: apache/kafka (KRaft) + clickhouse/clickhouse-server
//   local-kafka    Apache Kafka 4.x, 3 KRaft nodes on loopback ports, run with the machine's JDK from jars
//                  fetched with Maven (test/support/kafka-local.ts, fetch-kafka.sh) + a private clickhouse-server
//   local-mock     the librdkafka mock cluster (test/support/kafka-mock.ts) + the private clickhouse-server:
//                  the fallback where no JDK 17+ (or no Maven) is available; the runner says so
// SLUICE_TEST_KAFKA=kafka|mock forces one of the two local Kafkas (kafka: fail rather than fall back).
// prepare.sh installs (as root, with apt) and builds / fetches what the local providers need.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { clickHouseInstalled, freePort, startClickHouse, startClickHouseLocal, stopClickHouse } from './clickhouse-local.ts';
import { createTestTopics } from './kafka-admin.ts';
import { KAFKA_VERSION, kafkaLocalUnavailable, killKafkaLocalSync, startKafkaLocal } from './kafka-local.ts';
import { kafkaMockBuild, startKafkaMock, type KafkaMockTopic } from './kafka-mock.ts';

export type TestServicesProvider = 'env' | 'testcontainers' | 'local-kafka' | 'local-mock';
/** What KAFKA_BROKERS points at: real Kafka, or the librdkafka mock (patched or stock build). */
export type KafkaFlavor = 'kafka' | 'mock-patched' | 'mock-stock';

export interface TestServices {
  kafkaBrokers: string[];
  clickhouseUrl: string;
  provider: TestServicesProvider;
  kafkaFlavor: KafkaFlavor;
  /** What ran, in words, for the runner's output (e.g. "Apache Kafka 4.1.1, 3 KRaft nodes"). */
  kafkaDescription: string;
  /** Why a fallback was taken (printed by the runner), or null. */
  fallbackReason: string | null;
  /** Extra variables for the test processes (SLUICE_TEST_*), besides KAFKA_BROKERS / CLICKHOUSE_URL. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface TestServicesFromEnv {
  kafkaBrokers: string[];
  clickhouseUrl: string;
  /** 'mock-stock': ~5 MiB kept per partition, no idempotent producer / createTopics. */
  kafkaFlavor: KafkaFlavor;
}

/** Topics pre-created on the mock (it has no CreateTopics API; unknown topics auto-create with 12 partitions). */
export const TEST_TOPICS: readonly KafkaMockTopic[] = [
  { name: 'sluice.activity.v1', partitions: 12 },
  { name: 'sluice.findings.v2', partitions: 12 },
  { name: 'sluice.dlq.v1', partitions: 3 },
];

/** kafkajs consumer settings the mock needs (fast rebalances, short empty fetches); fine on real Kafka too. */
export const KAFKA_TEST_CONSUMER_SETTINGS = {
  sessionTimeout: 6000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
} as const;

const KAFKA_IMAGE = 'apache/kafka:3.8.0';
const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:24.8';
const INSTALL_HINT =
  'install the local test services with `bash test/support/prepare.sh` (as root it runs: apt-get install -y ' +
  '--no-install-recommends default-jre-headless maven librdkafka-dev clickhouse-server gcc make patch dpkg-dev curl, ' +
  'then fetches Apache Kafka with Maven and builds .sluice/test-bin/kafka-mock), or start a Docker engine, or set ' +
  'KAFKA_BROKERS and CLICKHOUSE_URL';

export async function startTestServices(): Promise<TestServices> {
  const fromEnv = readEnv();
  if (fromEnv) {
    const kafkaDescription = fromEnv.kafkaFlavor === 'kafka' ? 'your Kafka (KAFKA_BROKERS)' : `librdkafka mock (${fromEnv.kafkaFlavor}, KAFKA_BROKERS)`;
    return { ...fromEnv, provider: 'env', kafkaDescription, fallbackReason: null, env: {}, stop: async () => {} };
  }
  if (process.env.SLUICE_TEST_NO_DOCKER !== '1') {
    const docker = await dockerHost();
    if (docker !== null) return startContainers(docker);
  }
  return startLocal();
}

/** For test files: the services started by test/run.ts. Throws (never skips) when absent. */
export function testServicesFromEnv(): TestServicesFromEnv {
  const s = readEnv();
  if (!s) {
    throw new Error(
      'KAFKA_BROKERS and CLICKHOUSE_URL are not set: run the tests with `npm test` (or ' +
        '`node --import tsx test/run.ts [filter]`), which starts the services',
    );
  }
  return s;
}

/**
 * Stop / start the runner's ClickHouse from inside a test process (reliability tests): same URL
 * after start(). Works for the local and testcontainers providers, not for external services.
 */
export function testClickHouseControl(): { stop(): Promise<void>; start(): Promise<void> } {
  const dir = process.env.SLUICE_TEST_CLICKHOUSE_DIR;
  const container = process.env.SLUICE_TEST_CLICKHOUSE_CONTAINER;
  if (dir) return { stop: () => stopClickHouse(dir), start: async () => void (await startClickHouse(dir)) };
  if (container) {
    const url = testServicesFromEnv().clickhouseUrl;
    return {
      stop: async () => void (await run('docker', ['stop', '-t', '15', container])),
      start: async () => {
        await run('docker', ['start', container]);
        await waitForHttp(`${url}/ping`, 60_000);
      },
    };
  }
  throw new Error('ClickHouse is external (CLICKHOUSE_URL set by the caller); the tests cannot stop and start it');
}

/** Kill (as a crash) and restart nodes of the runner's local Apache Kafka cluster from a test process. */
export interface KafkaNodeControl {
  nodeIds: number[];
  /** SIGKILL of the node's JVM; resolves once the process is gone. */
  kill(id: number): Promise<void>;
  /** Starts the node again (same ports and data); resolves once it logged "Kafka Server started". */
  start(id: number): Promise<void>;
  running(id: number): boolean;
  logTail(id: number): string;
}

/** Node control when the runner started a local Apache Kafka (provider local-kafka), else null. */
export async function testKafkaControl(): Promise<KafkaNodeControl | null> {
  const dir = process.env.SLUICE_TEST_KAFKA_DIR;
  if (!dir) return null;
  const { kafkaLocalBootstrap, kafkaNodePid, killKafkaNode, startKafkaNode, kafkaNodeLogTail } = await import('./kafka-local.ts');
  return {
    nodeIds: kafkaLocalBootstrap(dir).map((_, i) => i + 1),
    kill: (id) => killKafkaNode(dir, id),
    start: (id) => startKafkaNode(dir, id),
    running: (id) => kafkaNodePid(dir, id) !== null,
    logTail: (id) => kafkaNodeLogTail(dir, id),
  };
}

function readEnv(): TestServicesFromEnv | null {
  const brokers = process.env.KAFKA_BROKERS;
  const url = process.env.CLICKHOUSE_URL;
  if (!brokers || !url) return null;
  const flavor = process.env.SLUICE_TEST_KAFKA_FLAVOR;
  return {
    kafkaBrokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
    clickhouseUrl: url.replace(/\/+$/, ''),
    kafkaFlavor: flavor === 'mock-patched' || flavor === 'mock-stock' ? flavor : 'kafka',
  };
}

async function startLocal(): Promise<TestServices> {
  const want = process.env.SLUICE_TEST_KAFKA ?? '';
  if (want && want !== 'kafka' && want !== 'mock') throw new Error(`SLUICE_TEST_KAFKA=${want}: use kafka or mock`);
  if (!clickHouseInstalled()) {
    throw new Error(`No test services: no Docker engine, and clickhouse-server missing; ${INSTALL_HINT}`);
  }
  let fallbackReason: string | null = null;
  if (want === 'mock') {
    fallbackReason = 'SLUICE_TEST_KAFKA=mock';
  } else {
    const unavailable = kafkaLocalUnavailable();
    if (unavailable && want === 'kafka') throw new Error(`SLUICE_TEST_KAFKA=kafka but a local Apache Kafka cannot run: ${unavailable}; ${INSTALL_HINT}`);
    if (unavailable) fallbackReason = `no local Apache Kafka: ${unavailable}`;
    else {
      try {
        return await startLocalKafka();
      } catch (e) {
        if (want === 'kafka') throw e;
        fallbackReason = `local Apache Kafka ${KAFKA_VERSION} failed to start: ${(e as Error).message.split('\n')[0]}`;
        console.error(`# ${fallbackReason}\n${(e as Error).message}`);
      }
    }
  }
  return startLocalMock(fallbackReason);
}

async function startLocalKafka(): Promise<TestServices> {
  const [kafka, ch] = await Promise.allSettled([startKafkaLocal(), startClickHouseLocal()]);
  if (kafka.status === 'rejected' || ch.status === 'rejected') {
    await Promise.allSettled([kafka.status === 'fulfilled' ? kafka.value.stop() : null, ch.status === 'fulfilled' ? ch.value.destroy() : null]);
    throw kafka.status === 'rejected' ? kafka.reason : (ch as PromiseRejectedResult).reason;
  }
  const k = kafka.value;
  const onExit = () => killKafkaLocalSync(k.dir); // the JVMs must not outlive a runner that dies
  process.once('exit', onExit);
  try {
    await createTestTopics(k.bootstrap, TEST_TOPICS.map((t) => ({ name: t.name, partitions: t.partitions })));
  } catch (e) {
    await Promise.allSettled([k.stop(), ch.value.destroy()]);
    throw e;
  }
  return {
    kafkaBrokers: k.bootstrap,
    clickhouseUrl: ch.value.url,
    provider: 'local-kafka',
    kafkaFlavor: 'kafka',
    kafkaDescription: `Apache Kafka ${k.version}, ${k.nodeIds.length} KRaft nodes (broker+controller), up in ${k.startMs} ms`,
    fallbackReason: null,
    env: {
      SLUICE_TEST_KAFKA_FLAVOR: 'kafka',
      SLUICE_TEST_KAFKA_DIR: k.dir,
      SLUICE_TEST_CLICKHOUSE_DIR: ch.value.dir,
    },
    stop: async () => {
      process.removeListener('exit', onExit);
      await Promise.allSettled([k.stop(), ch.value.destroy()]);
    },
  };
}

async function startLocalMock(fallbackReason: string | null): Promise<TestServices> {
  const build = kafkaMockBuild();
  if (!build) {
    throw new Error(`No test services: no Docker engine, ${fallbackReason ?? 'no local Apache Kafka'}, and the Kafka mock launcher (.sluice/test-bin/kafka-mock) is not built; ${INSTALL_HINT}`);
  }
  const mock = await startKafkaMock({ brokers: 3, topics: [...TEST_TOPICS] });
  let ch;
  try {
    ch = await startClickHouseLocal();
  } catch (e) {
    await mock.stop();
    throw e;
  }
  const kafkaFlavor: KafkaFlavor = mock.patched ? 'mock-patched' : 'mock-stock';
  return {
    kafkaBrokers: mock.bootstrap,
    clickhouseUrl: ch.url,
    provider: 'local-mock',
    kafkaFlavor,
    kafkaDescription: `librdkafka mock cluster (${mock.patched ? 'patched' : 'stock'} build), 3 brokers: NOT Apache Kafka`,
    fallbackReason,
    env: { SLUICE_TEST_KAFKA_FLAVOR: kafkaFlavor, SLUICE_TEST_CLICKHOUSE_DIR: ch.dir },
    stop: async () => {
      await Promise.allSettled([mock.stop(), ch.destroy()]);
    },
  };
}

/** The Docker host name if an engine answers, else null (getContainerRuntimeClient rejects fast without one). */
async function dockerHost(): Promise<string | null> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    return client.info.containerRuntime.host;
  } catch {
    return null;
  }
}

async function startContainers(host: string): Promise<TestServices> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // Fixed host ports: Kafka must advertise its host-side address, and a restarted ClickHouse keeps its URL.
  const kafkaPort = await freePort();
  const chPort = await freePort();
  const kafkaStarting = new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '12',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  const chStarting = new GenericContainer(CLICKHOUSE_IMAGE)
    .withExposedPorts({ container: 8123, host: chPort })
    .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
    .withUlimits({ nofile: { soft: 262144, hard: 262144 } })
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .withStartupTimeout(180_000)
    .start();
  const [kafka, ch] = await Promise.allSettled([kafkaStarting, chStarting]);
  if (kafka.status === 'rejected' || ch.status === 'rejected') {
    await Promise.allSettled([kafka, ch].map((r) => (r.status === 'fulfilled' ? r.value.stop() : null)));
    const reason = kafka.status === 'rejected' ? kafka.reason : ch.status === 'rejected' ? ch.reason : null;
    throw new Error(`testcontainers failed to start Kafka/ClickHouse: ${(reason as Error).message}`);
  }
  const brokers = [`${host}:${kafkaPort}`];
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: TEST_TOPICS.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
  });
  await admin.disconnect();
  return {
    kafkaBrokers: brokers,
    clickhouseUrl: `http://${host}:${chPort}`,
    provider: 'testcontainers',
    kafkaFlavor: 'kafka',
    kafkaDescription: `${KAFKA_IMAGE} container, 1 KRaft node`,
    fallbackReason: null,
    env: { SLUICE_TEST_KAFKA_FLAVOR: 'kafka', SLUICE_TEST_CLICKHOUSE_CONTAINER: ch.value.getId() },
    stop: async () => {
      await Promise.allSettled([kafka.value.stop(), ch.value.stop()]);
    },
  };
}

const run = promisify(execFile);

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
