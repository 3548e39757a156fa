import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { SluiceConfig } from '../config.ts';
import { SluiceError } from '../errors.ts';
import { ConfluentSchemaRegistry } from './confluent-registry.ts';
import { LocalSchemaRegistry, type SchemaRegistry } from './registry.ts';

/** The `schemaRegistry` section of the config. */
export type SchemaRegistrySettings = NonNullable<SluiceConfig['schemaRegistry']>;

/** How to reach the registry: what @confluentinc/schemaregistry's client is built from. */
export interface RegistryConnection {
  /** The URL without user info and trailing slash. */
  baseURL: string;
  basicAuth?: { username: string; password: string };
  /** Set for https:// URLs with `tls` settings. */
  httpsAgent?: Agent;
  timeoutMs: number;
  /** What error messages must never show: the password and the Authorization header value. */
  secrets: string[];
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `schemaRegistry.tls.${key}: cannot read ${path}: ${(cause as Error).message}`);
  }
}

/** Resolves the settings: credentials from basicAuth or the URL's user info, TLS files read. */
export function registryConnection(settings: SchemaRegistrySettings): RegistryConnection {
  const url = new URL(settings.url);
  let basicAuth = settings.basicAuth ? { username: settings.basicAuth.username, password: settings.basicAuth.password } : undefined;
  if (url.username || url.password) {
    basicAuth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
  }
  const connection: RegistryConnection = { baseURL: url.toString().replace(/\/+$/, ''), timeoutMs: settings.timeoutMs, secrets: [] };
  if (basicAuth) {
    connection.basicAuth = basicAuth;
    const token = Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64');
    connection.secrets.push(token, `${basicAuth.username}:${basicAuth.password}`);
    if (basicAuth.password) connection.secrets.push(basicAuth.password);
  }
  const tls = settings.tls;
  if (tls && url.protocol === 'https:') {
    connection.httpsAgent = new Agent({
      keepAlive: true,
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.caFile ? { ca: readPem(tls.caFile, 'caFile') } : {}),
      ...(tls.certFile ? { cert: readPem(tls.certFile, 'certFile') } : {}),
      ...(tls.keyFile ? { key: readPem(tls.keyFile, 'keyFile') } : {}),
    });
  }
  return connection;
}

/** A registry client for the settings: basic auth, TLS, timeout; auto-registration or pre-registered schemas only. */
export async function connectSchemaRegistry(settings: SchemaRegistrySettings): Promise<ConfluentSchemaRegistry> {
  const connection = registryConnection(settings);
  // Loaded only when a registry is configured: the package is large.
  const { SchemaRegistryClient } = await import('@confluentinc/schemaregistry');
  const client = new SchemaRegistryClient({
    baseURLs: [connection.baseURL],
    createAxiosDefaults: { timeout: connection.timeoutMs, ...(connection.httpsAgent ? { httpsAgent: connection.httpsAgent } : {}) },
    ...(connection.basicAuth
      ? { basicAuthCredentials: { credentialsSource: 'USER_INFO' as const, userInfo: `${connection.basicAuth.username}:${connection.basicAuth.password}` } }
      : {}),
  });
  return new ConfluentSchemaRegistry(client, { autoRegister: settings.autoRegister, compatibility: settings.compatibility, secrets: connection.secrets });
}

/**
 * Refuses Avro on Kafka without a Schema Registry unless `allowLocalSchemaIds` says so: the
 * local ids (schemas/avro/index.json) mean nothing to other clients of a shared cluster, and would
 * collide with a registry's ids if one is added later.
 */
export function checkSchemaIdScope(config: Pick<SluiceConfig, 'kafka' | 'schemaRegistry' | 'allowLocalSchemaIds'>): void {
  if (!config.kafka || config.schemaRegistry || config.allowLocalSchemaIds) return;
  throw new SluiceError(
    'SLUICE_ERR_CONFIG_INVALID',
    'Kafka is configured (KAFKA_BROKERS) but no Schema Registry (SCHEMA_REGISTRY_URL): Avro would go to the cluster with the local schema ids of schemas/avro/index.json, ' +
      'which no other client can resolve. Set SCHEMA_REGISTRY_URL (--schema-registry-url), or, for a private or test cluster, ' +
      'allow local ids with SLUICE_ALLOW_LOCAL_SCHEMA_IDS=true (--allow-local-schema-ids, allowLocalSchemaIds: true).',
  );
}

/** The registry of a role: the configured Schema Registry, else the local one (checked by checkSchemaIdScope). */
export async function createSchemaRegistry(config: Pick<SluiceConfig, 'kafka' | 'schemaRegistry' | 'allowLocalSchemaIds'>): Promise<SchemaRegistry> {
  checkSchemaIdScope(config);
  if (config.schemaRegistry) return connectSchemaRegistry(config.schemaRegistry);
  return new LocalSchemaRegistry();
}
