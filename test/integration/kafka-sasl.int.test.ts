/**
 * Kafka SASL/SCRAM from the Sluice config, against a real broker with ACLs (test/support/kafka-sasl.ts,
 * the settings of docker-compose.yml's kafka service): the collector's credentials write its topic,
 * are refused a topic its ACLs do not grant, and a wrong password is refused at authentication.
 * Its own one-node Apache Kafka: the shared test cluster has no SASL listener.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { KafkaConfig } from '../../services/core/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { SASL_ADMIN, startKafkaSasl, type KafkaSasl } from '../support/kafka-sasl.ts';

// kafkajs is CommonJS: its enums are properties of the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } = kafkajs;
const COLLECTOR = { name: 'sluice-collector', password: 'collector-test-secret' };
const ALLOWED = 'sluice.activity.v1';
const FORBIDDEN = 'sluice.actions.v1';
let kafka: KafkaSasl;

before(async () => {
  kafka = await startKafkaSasl([COLLECTOR]);
  const admin = new Kafka({ brokers: kafka.bootstrap, sasl: { mechanism: 'plain', ...SASL_ADMIN }, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [ALLOWED, FORBIDDEN].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    // The collector's ACLs of docs/deploy.md: WRITE and DESCRIBE on its topics (and the DLQ), nothing else.
    await admin.createAcls({
      acl: [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: ALLOWED,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${COLLECTOR.name}`,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  } finally {
    await admin.disconnect();
  }
});
after(() => kafka?.stop());

const transportFor = (password: string) =>
  new KafkaTransport(KafkaConfig.parse({ brokers: kafka.bootstrap, sasl: { mechanism: 'scram-sha-512', username: COLLECTOR.name, password } }), silentLogger());

test('SCRAM-SHA-512 credentials from the config: the collector writes its topic and is refused another', async () => {
  const transport = transportFor(COLLECTOR.password);
  try {
    const producer = await transport.producer();
    await producer.send(ALLOWED, [{ key: 'k', value: Buffer.from('v') }]);
    await assert.rejects(producer.send(FORBIDDEN, [{ key: 'k', value: Buffer.from('v') }]), /authoriz/i);
  } finally {
    await transport.close();
  }
});

test('a wrong SCRAM password is refused at authentication', async () => {
  const transport = transportFor('not-the-password');
  try {
    await assert.rejects(
      (async () => {
        const producer = await transport.producer();
        await producer.send(ALLOWED, [{ key: 'k', value: Buffer.from('v') }]);
      })(),
      (e: unknown) => /SASL SCRAM SHA512 authentication failed|Authentication failed/i.test(`${(e as Error).message} ${String((e as { cause?: Error }).cause?.message ?? '')}`),
    );
  } finally {
    await transport.close();
  }
});
