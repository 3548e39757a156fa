// A one-node Apache Kafka (KRaft) with ACLs and only SASL listeners, from the same jars as the 3-node
// test cluster (kafka-local.ts): SCRAM-SHA-512/256 for the Sluice roles, PLAIN for the super user
// `admin` (static credentials in the broker config, used for the broker's own connections and for
// creating topics and ACLs). SCRAM users are created when the storage is formatted (`--add-scram`),
// as KRaft needs. The broker settings are read from docker-compose.yml's `kafka` service (its
// environment, turned into properties as the apache/kafka image does), so that this test checks them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { freePort } from './clickhouse-local.ts';
import { ensureKafkaLibs, kafkaNodeLogTail, killKafkaNode, startKafkaNode, KAFKA_VERSION } from './kafka-local.ts';

const COMPOSE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

/** The `kafka` service's environment in docker-compose.yml (anchors merged). */
function composeKafkaEnv(): Record<string, string> {
  const compose = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: { kafka: { environment: Record<string, unknown> } } };
  return Object.fromEntries(Object.entries(compose.services.kafka.environment).map(([k, v]) => [k, String(v)]));
}

/** The apache/kafka image's rule: KAFKA_A_B__C___D -> a.b_c-d (`_` -> `.`, `__` -> `_`, `___` -> `-`). */
export function imageEnvToProperty(name: string): string {
  return name
    .slice('KAFKA_'.length)
    .toLowerCase()
    .replace(/___/g, '\u0001')
    .replace(/__/g, '\u0002')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '-')
    .replace(/\u0002/g, '_');
}

/** The super user of compose, from the PLAIN JAAS line it gives the broker. */
export const SASL_ADMIN = (() => {
  const jaas = composeKafkaEnv().KAFKA_LISTENER_NAME_SASL_PLAIN_SASL_JAAS_CONFIG ?? '';
  const m = /username="([^"]+)" password="([^"]+)"/.exec(jaas);
  if (!m) throw new Error('docker-compose.yml: kafka has no PLAIN JAAS config for the super user');
  return { username: m[1]!, password: m[2]! };
})();

export interface ScramUser {
  readonly name: string;
  readonly password: string;
}

export interface KafkaSasl {
  readonly bootstrap: string[];
  stop(): Promise<void>;
}

/** Not broker properties: the image reads them itself. */
const IMAGE_ONLY = new Set(['KAFKA_HEAP_OPTS', 'KAFKA_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_LOG4J_OPTS']);

/** compose's broker settings, with loopback ports and a temp log dir, plus the harness's small thread pools. */
function properties(dir: string, port: number, controllerPort: number, hostPort: number): string {
  const props = new Map<string, string>();
  for (const [k, v] of Object.entries(composeKafkaEnv())) if (k.startsWith('KAFKA_') && !IMAGE_ONLY.has(k)) props.set(imageEnvToProperty(k), v);
  const ports: Record<string, number> = { '9092': port, '9093': controllerPort, '29092': hostPort };
  const local = (v: string) => v.replace(/\/\/[a-z]*:(\d+)/g, (_, p: string) => `//127.0.0.1:${ports[p] ?? p}`);
  props.set('listeners', local(props.get('listeners') ?? ''));
  props.set('advertised.listeners', local(props.get('advertised.listeners') ?? ''));
  props.set('controller.quorum.voters', `${props.get('node.id')}@127.0.0.1:${controllerPort}`);
  props.set('log.dirs', join(dir, 'data1'));
  for (const [k, v] of Object.entries({ 'num.network.threads': '1', 'num.io.threads': '2', 'background.threads': '2', 'offsets.topic.num.partitions': '3', 'share.coordinator.state.topic.replication.factor': '1', 'share.coordinator.state.topic.min.isr': '1' })) props.set(k, v);
  return [...props].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/** Starts the node with these SCRAM-SHA-512 users; ~10 s on 2 busy cores. */
export async function startKafkaSasl(users: readonly ScramUser[], version = KAFKA_VERSION): Promise<KafkaSasl> {
  const libs = ensureKafkaLibs(version);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-sasl-'));
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [port, controllerPort, hostPort] = [...ports] as [number, number, number];
  const clusterId = 'c2x1aWNlLXNhc2wtdGVzdA'; // fixed: the directory is new each time
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ version, libs, clusterId, nodes: [{ id: 1, port, controllerPort }] }));
  writeFileSync(join(dir, 'n1.properties'), properties(dir, port, controllerPort, hostPort));
  const stop = async (): Promise<void> => {
    await killKafkaNode(dir, 1);
    rmSync(dir, { recursive: true, force: true });
  };
  const scram = users.flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]);
  const java = process.env.JAVA_HOME && existsSync(join(process.env.JAVA_HOME, 'bin', 'java')) ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const fmt = spawnSync(java, ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dir, 'n1.properties'), ...scram], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (fmt.status !== 0) {
    await stop();
    throw new Error(`kafka-storage format (SASL node) failed (${fmt.status ?? fmt.signal}): ${`${fmt.stdout}${fmt.stderr}`.slice(-2000)}`);
  }
  try {
    await startKafkaNode(dir, 1, 180_000);
  } catch (e) {
    const tail = kafkaNodeLogTail(dir, 1, 20);
    await stop().catch(() => {});
    throw new Error(`${(e as Error).message}\n${tail}`);
  }
  return { bootstrap: [`127.0.0.1:${port}`], stop };
}
