/**
 * For tests: a real HTTP(S) server speaking the few Confluent Schema Registry REST endpoints Sluice
 * uses. There is no Schema Registry on the test machines (it needs a JVM and a Kafka cluster of its
 * own), so the client (@confluentinc/schemaregistry over axios) is tested against this instead: real
 * sockets, real headers, real TLS. It implements, after the API reference
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html):
 *
 *   POST /subjects/{subject}/versions        register (same schema text: same id)
 *   GET  /subjects/{subject}/versions        list the versions (404, error_code 40401, unknown subject)
 *   GET  /subjects/{subject}/versions/{v}    one version: {subject, id, version, schema}
 *   GET  /schemas/ids/{id}                   the schema of an id (404, error_code 40403)
 *   GET  /config/{subject}                   {compatibilityLevel} (404, error_code 40408, when not set)
 *   PUT  /config/{subject}                   {compatibility}
 *
 * Every request is recorded (method, path, Authorization header). With `basicAuth`, requests
 * without the matching header get 401 (error_code 40101), as Confluent Cloud answers.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, without the server's path prefix. */
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface FakeRegistryOptions {
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** A path prefix, as Apicurio's Confluent API has (`/apis/ccompat/v7`). */
  prefix?: string;
  /** Subjects whose registrations are refused with 409 (incompatible). */
  incompatible?: string[];
}

export interface FakeRegistry {
  url: string;
  requests: RecordedRequest[];
  /** Registers directly (as an operator would beforehand): returns the id. */
  preRegister(subject: string, schema: string): number;
  /** Subject-level compatibility settings. */
  compatibility: Map<string, string>;
  close(): Promise<void>;
}

interface Version {
  id: number;
  version: number;
  schema: string;
}

export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const prefix = options.prefix ?? '';
  const subjects = new Map<string, Version[]>();
  const schemasById = new Map<number, string>();
  const compatibility = new Map<string, string>();
  const requests: RecordedRequest[] = [];
  let nextId = 100;

  const register = (subject: string, schema: string): number => {
    let id = [...schemasById].find(([, s]) => s === schema)?.[0];
    if (id === undefined) {
      id = nextId++;
      schemasById.set(id, schema);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.some((v) => v.id === id)) versions.push({ id, version: versions.length + 1, schema });
    subjects.set(subject, versions);
    return id;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(value));
    };
    const url = new URL(req.url ?? '/', 'http://registry');
    if (!url.pathname.startsWith(prefix)) return send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
    const path = url.pathname.slice(prefix.length);
    requests.push({ method: req.method ?? '', path: path + url.search, authorization: req.headers.authorization, body });
    if (options.basicAuth) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(401, { error_code: 40101, message: 'Unauthorized' });
    }
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method;
    if (parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3) {
      const subject = parts[1]!;
      if (method === 'POST') {
        if (options.incompatible?.includes(subject)) return send(409, { error_code: 409, message: 'Schema being registered is incompatible with an earlier schema' });
        return send(200, { id: register(subject, (JSON.parse(body) as { schema: string }).schema) });
      }
      const versions = subjects.get(subject);
      if (!versions) return send(404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      return send(200, versions.map((v) => v.version));
    }
    if (method === 'GET' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 4) {
      const v = subjects.get(parts[1]!)?.find((x) => String(x.version) === parts[3] || (parts[3] === 'latest' && x === subjects.get(parts[1]!)?.at(-1)));
      if (!v) return send(404, { error_code: 40402, message: 'Version not found.' });
      return send(200, { subject: parts[1], id: v.id, version: v.version, schema: v.schema });
    }
    if (method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
      const schema = schemasById.get(Number(parts[2]));
      if (schema === undefined) return send(404, { error_code: 40403, message: 'Schema not found' });
      return send(200, { schema });
    }
    if (parts[0] === 'config' && parts.length === 2) {
      if (method === 'PUT') {
        const level = (JSON.parse(body) as { compatibility: string }).compatibility;
        compatibility.set(parts[1]!, level);
        return send(200, { compatibility: level });
      }
      const level = compatibility.get(parts[1]!);
      if (!level) return send(404, { error_code: 40408, message: `Subject '${parts[1]}' does not have subject-level compatibility configured` });
      return send(200, { compatibilityLevel: level });
    }
    return send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${prefix}`,
    requests,
    preRegister: register,
    compatibility,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
