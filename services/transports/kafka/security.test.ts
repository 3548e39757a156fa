import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConfig, configFromEnv } from '../../core/config.ts';
import { SluiceError } from '../../core/errors.ts';
import { kafkaSecurityOptions, mskIamTokenProvider } from './security.ts';

const parse = (input: Record<string, unknown>) => KafkaConfig.parse({ brokers: ['k:9096'], ...input });
const issues = (input: Record<string, unknown>): string[] => {
  const r = KafkaConfig.safeParse({ brokers: ['k:9096'], ...input });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('PLAIN and SCRAM credentials go to kafkajs as they are, over TLS with the system CAs', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const opts = kafkaSecurityOptions(parse({ ssl: true, sasl: { mechanism, username: 'collector', password: 'pw' } }));
    assert.deepEqual(opts, { ssl: true, sasl: { mechanism, username: 'collector', password: 'pw' } });
  }
  assert.deepEqual(kafkaSecurityOptions(parse({})), { ssl: false });
});

test('the SASL section is checked per mechanism', () => {
  assert.match(issues({ sasl: { mechanism: 'scram-sha-512', username: 'u' } }).join('\n'), /sasl\.password: required with scram-sha-512/);
  assert.match(issues({ sasl: { mechanism: 'plain', username: 'u', password: 'p', awsRegion: 'eu-west-1' } }).join('\n'), /sasl\.awsRegion: only used with aws-msk-iam/);
  assert.match(issues({ ssl: true, sasl: { mechanism: 'aws-msk-iam' } }).join('\n'), /sasl\.awsRegion: required with aws-msk-iam/);
  assert.match(issues({ ssl: true, sasl: { mechanism: 'aws-msk-iam', awsRegion: 'eu-west-1', password: 'p' } }).join('\n'), /sasl\.password: not used with aws-msk-iam/);
  assert.match(issues({ sasl: { mechanism: 'aws-msk-iam', awsRegion: 'eu-west-1' } }).join('\n'), /ssl: aws-msk-iam needs TLS/);
  assert.match(issues({ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }).join('\n'), /sasl\.mechanism/);
  assert.match(issues({ tls: { certFile: '/c.pem' } }).join('\n'), /tls\.keyFile: certFile and keyFile go together/);
  assert.deepEqual(issues({ ssl: true, sasl: { mechanism: 'aws-msk-iam', awsRegion: 'eu-west-1', awsRoleArn: 'arn:aws:iam::123456789012:role/sluice-collector' } }), []);
});

test('the environment variables fill kafka.tls and kafka.sasl', () => {
  const env = {
    KAFKA_BROKERS: 'b-1.msk.example:9098',
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'aws-msk-iam',
    KAFKA_SASL_AWS_REGION: 'us-east-1',
    KAFKA_SASL_AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
    KAFKA_TLS_CA_FILE: '/etc/ca.pem',
  };
  const k = KafkaConfig.parse((configFromEnv(env) as { kafka: unknown }).kafka);
  assert.deepEqual(k.sasl, { mechanism: 'aws-msk-iam', awsRegion: 'us-east-1', awsRoleArn: 'arn:aws:iam::123456789012:role/r' });
  assert.deepEqual(k.tls, { caFile: '/etc/ca.pem', rejectUnauthorized: true });
  const mtls = configFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_TLS_CERT_FILE: '/c', KAFKA_TLS_KEY_FILE: '/k', KAFKA_TLS_KEY_PASSWORD: 'kp' }) as { kafka: { tls: unknown } };
  assert.deepEqual(mtls.kafka.tls, { certFile: '/c', keyFile: '/k', keyPassword: 'kp' });
});

test('kafka.tls: CA, client certificate and key are read once into the node:tls options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-tls-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----BEGIN ${f}-----\n`);
  const opts = kafkaSecurityOptions(
    parse({ tls: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), keyPassword: 'kp', servername: 'kafka.internal' } }),
  );
  assert.ok(typeof opts.ssl === 'object');
  const ssl = opts.ssl as { ca: Buffer[]; cert: Buffer; key: Buffer; passphrase: string; servername: string; rejectUnauthorized: boolean };
  assert.equal(ssl.ca[0]!.toString(), '-----BEGIN ca.pem-----\n');
  assert.equal(ssl.cert.toString(), '-----BEGIN cert.pem-----\n');
  assert.equal(ssl.key.toString(), '-----BEGIN key.pem-----\n');
  assert.equal(ssl.passphrase, 'kp');
  assert.equal(ssl.servername, 'kafka.internal');
  assert.equal(ssl.rejectUnauthorized, true);
  // A missing file is a configuration error naming the key, not a crash at connect time.
  assert.throws(
    () => kafkaSecurityOptions(parse({ tls: { caFile: join(dir, 'missing.pem') } })),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /kafka\.tls\.caFile/.test(e.message),
  );
});

test('aws-msk-iam: OAUTHBEARER with a token signed for the region (and the role) on each authentication', async () => {
  const calls: Array<{ region: string; roleArn?: string | undefined }> = [];
  const sign = async (o: { region: string; roleArn?: string | undefined }) => {
    calls.push(o);
    return { token: `token-${calls.length}`, expiryTime: Date.now() + 900_000 };
  };
  const opts = kafkaSecurityOptions(parse({ ssl: true, sasl: { mechanism: 'aws-msk-iam', awsRegion: 'eu-west-1', awsRoleArn: 'arn:aws:iam::123456789012:role/r' } }), { signMskToken: sign });
  assert.equal(opts.ssl, true);
  assert.equal(opts.sasl?.mechanism, 'oauthbearer');
  const provider = (opts.sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
  assert.deepEqual(await provider(), { value: 'token-1' });
  assert.deepEqual(await provider(), { value: 'token-2' }, 'a fresh token each time kafkajs (re)authenticates');
  assert.deepEqual(calls[0], { region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/r' });

  const failing = mskIamTokenProvider({ awsRegion: 'eu-west-1' }, async () => {
    throw new Error('Could not load credentials from any providers');
  });
  await assert.rejects(failing(), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_TRANSPORT_AUTH' && e.retriable && /Could not load credentials/.test(e.message));
});

test("aws-msk-iam with AWS's signer: a presigned kafka-cluster:Connect token from the default credential chain, offline", async () => {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: '' });
  delete process.env.AWS_PROFILE;
  try {
    const opts = kafkaSecurityOptions(parse({ ssl: true, sasl: { mechanism: 'aws-msk-iam', awsRegion: 'eu-west-1' } }));
    const { value } = await (opts.sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    assert.equal(url.host, 'kafka.eu-west-1.amazonaws.com');
    assert.equal(url.searchParams.get('Action'), 'kafka-cluster:Connect');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    assert.ok(url.searchParams.get('X-Amz-Signature'));
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
