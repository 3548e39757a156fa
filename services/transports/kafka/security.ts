/**
 * The TLS and SASL options of the kafkajs client, from `kafka.ssl`, `kafka.tls` and `kafka.sasl`.
 * PLAIN and SCRAM go to kafkajs as they are; AWS MSK IAM is kafkajs's OAUTHBEARER mechanism with
 * a token signed by AWS's `aws-msk-iam-sasl-signer-js` (loaded only when that mechanism is chosen).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { OauthbearerProviderResponse, SASLOptions } from 'kafkajs';
import type { z } from 'zod';
import type { KafkaConfig } from '../../core/config.ts';
import { SluiceError } from '../../core/errors.ts';

type Kafka = z.output<typeof KafkaConfig>;
type Sasl = NonNullable<Kafka['sasl']>;

/** What the token provider needs: how to sign an MSK IAM token (replaced in tests). */
export interface MskTokenSigner {
  (options: { region: string; roleArn?: string | undefined }): Promise<{ token: string; expiryTime: number }>;
}

/** The kafkajs client options that carry security. */
export interface KafkaSecurityOptions {
  readonly ssl: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
}

export interface KafkaSecurityDeps {
  readonly readFile?: (path: string) => Buffer;
  readonly signMskToken?: MskTokenSigner;
}

function readPem(readFile: (path: string) => Buffer, key: string, path: string): Buffer {
  try {
    return readFile(path);
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `cannot read kafka.tls.${key} ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** `false`, `true` (system CAs) or the node:tls options of `kafka.tls`; files are read once, here. */
export function kafkaTlsOptions(config: Pick<Kafka, 'ssl' | 'tls'>, readFile: (path: string) => Buffer = readFileSync): boolean | ConnectionOptions {
  const t = config.tls;
  if (!t) return config.ssl;
  return {
    rejectUnauthorized: t.rejectUnauthorized,
    ...(t.caFile ? { ca: [readPem(readFile, 'caFile', t.caFile)] } : {}),
    ...(t.certFile ? { cert: readPem(readFile, 'certFile', t.certFile) } : {}),
    ...(t.keyFile ? { key: readPem(readFile, 'keyFile', t.keyFile) } : {}),
    ...(t.keyPassword ? { passphrase: t.keyPassword } : {}),
    ...(t.servername ? { servername: t.servername } : {}),
  };
}

/** AWS's signer: the default credential provider chain, or an assumed role. */
const awsSigner: MskTokenSigner = async ({ region, roleArn }) => {
  const signer = await import('aws-msk-iam-sasl-signer-js');
  return roleArn ? signer.generateAuthTokenFromRole({ region, awsRoleArn: roleArn, awsRoleSessionName: 'sluice' }) : signer.generateAuthToken({ region });
};

/** An OAUTHBEARER provider for kafkajs that signs a fresh MSK IAM token on each (re)authentication. */
export function mskIamTokenProvider(sasl: Pick<Sasl, 'awsRegion' | 'awsRoleArn'>, sign: MskTokenSigner = awsSigner): () => Promise<OauthbearerProviderResponse> {
  const region = sasl.awsRegion;
  if (!region) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'kafka.sasl.awsRegion is required with aws-msk-iam');
  return async () => {
    try {
      const { token } = await sign({ region, roleArn: sasl.awsRoleArn });
      return { value: token };
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_TRANSPORT_AUTH', `signing the MSK IAM token (region ${region}${sasl.awsRoleArn ? `, role ${sasl.awsRoleArn}` : ''}) failed: ${(cause as Error).message}`, { cause });
    }
  };
}

/** The kafkajs `sasl` option, or undefined without `kafka.sasl`. */
export function kafkaSaslOptions(sasl: Sasl | undefined, sign?: MskTokenSigner): SASLOptions | undefined {
  if (!sasl) return undefined;
  if (sasl.mechanism === 'aws-msk-iam') return { mechanism: 'oauthbearer', oauthBearerProvider: mskIamTokenProvider(sasl, sign) };
  if (sasl.username === undefined || sasl.password === undefined) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `kafka.sasl.username and kafka.sasl.password are required with ${sasl.mechanism}`);
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}

/** `ssl` and `sasl` for `new Kafka({...})`. */
export function kafkaSecurityOptions(config: Pick<Kafka, 'ssl' | 'tls' | 'sasl'>, deps: KafkaSecurityDeps = {}): KafkaSecurityOptions {
  const sasl = kafkaSaslOptions(config.sasl, deps.signMskToken);
  return { ssl: kafkaTlsOptions(config, deps.readFile), ...(sasl ? { sasl } : {}) };
}
