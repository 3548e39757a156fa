/**
 * Where an enforcement policy goes: a directory of manifests (the default: for GitOps, review or
 * `kubectl apply -f`), or the Kubernetes API by server-side apply. Both are idempotent by decision:
 * the object name derives from the decision id and carries it in an annotation, so a decision seen
 * again finds its policy in place (already_done).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { PolicyObject } from './builders.ts';

export interface TargetOutcome {
  outcome: 'done' | 'already_done' | 'failed';
  reason: string;
  steps: string[];
}

export interface EnforcementTarget {
  /** What put() would do, without doing it. */
  plan(manifest: PolicyObject): string;
  put(manifest: PolicyObject): Promise<TargetOutcome>;
}

const DECISION_ANNOTATION = 'sluice.dev/decision-id';

/** `# <comment>` header and the manifest as YAML. */
export function manifestYaml(m: PolicyObject): string {
  return `# Written by the Sluice enforcer for decision ${m.metadata.annotations?.[DECISION_ANNOTATION] ?? '?'}; apply with kubectl apply -f\n${stringify(m, { lineWidth: 0 })}`;
}

export class DirectoryTarget implements EnforcementTarget {
  constructor(readonly dir: string) {}

  path(m: PolicyObject): string {
    return join(this.dir, m.metadata.namespace, `${m.metadata.name}.yaml`);
  }

  plan(m: PolicyObject): string {
    return `write ${m.kind} ${m.metadata.namespace}/${m.metadata.name} to ${this.path(m)}`;
  }

  async put(m: PolicyObject): Promise<TargetOutcome> {
    const path = this.path(m);
    const text = manifestYaml(m);
    try {
      const existing = existsSync(path) ? await readFile(path, 'utf8') : null;
      if (existing === text) return { outcome: 'already_done', reason: `${path} already holds this policy`, steps: [] };
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, path);
      return { outcome: 'done', reason: `${existing === null ? 'wrote' : 'replaced'} ${m.kind} ${m.metadata.namespace}/${m.metadata.name} in ${path}`, steps: [`write ${path}`] };
    } catch (err) {
      return { outcome: 'failed', reason: `writing ${path} failed: ${(err as Error).message}`, steps: [] };
    }
  }
}

export interface KubernetesApiOptions {
  /** https://host:port (or http:// for a local test server). */
  server: string;
  /** Read on every request: projected service account tokens rotate. */
  tokenFile?: string;
  /** PEM CA bundle of the API server; absent: the system CAs. */
  ca?: string;
  fieldManager: string;
  timeoutMs?: number;
}

/** The API server of the pod (in-cluster): its service address, the service account CA when mounted. */
export function inClusterServer(env: NodeJS.ProcessEnv = process.env): string | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) return null;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
export const IN_CLUSTER_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** The REST path of a policy object. */
export function resourcePath(m: PolicyObject): string {
  const ns = encodeURIComponent(m.metadata.namespace);
  const name = encodeURIComponent(m.metadata.name);
  if (m.apiVersion === 'cilium.io/v2' && m.kind === 'CiliumNetworkPolicy') return `/apis/cilium.io/v2/namespaces/${ns}/ciliumnetworkpolicies/${name}`;
  if (m.apiVersion === 'networking.k8s.io/v1' && m.kind === 'NetworkPolicy') return `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${name}`;
  throw new TypeError(`no REST path for ${m.apiVersion} ${m.kind}`);
}

interface ApiResponse {
  status: number;
  body: string;
}

/** Server-side apply (PATCH application/apply-patch+yaml, force) of each policy, after a GET that finds an object of the same decision. */
export class KubernetesApplyTarget implements EnforcementTarget {
  constructor(private readonly o: KubernetesApiOptions) {}

  plan(m: PolicyObject): string {
    return `server-side apply ${m.kind} ${m.metadata.namespace}/${m.metadata.name} (fieldManager ${this.o.fieldManager}) to ${this.o.server}`;
  }

  async put(m: PolicyObject): Promise<TargetOutcome> {
    const path = resourcePath(m);
    const steps: string[] = [];
    try {
      const got = await this.call('GET', path);
      if (got.status === 200) {
        const existing = JSON.parse(got.body) as { metadata?: { annotations?: Record<string, string> }; spec?: unknown };
        if (existing.metadata?.annotations?.[DECISION_ANNOTATION] === m.metadata.annotations?.[DECISION_ANNOTATION] && JSON.stringify(existing.spec) === JSON.stringify(m.spec)) {
          return { outcome: 'already_done', reason: `${m.kind} ${m.metadata.namespace}/${m.metadata.name} is already applied`, steps };
        }
      } else if (got.status !== 404) {
        return { outcome: 'failed', reason: `GET ${path}: ${describeStatus(got)}`, steps };
      }
      const query = `?fieldManager=${encodeURIComponent(this.o.fieldManager)}&force=true`;
      const res = await this.call('PATCH', `${path}${query}`, JSON.stringify(m));
      if (res.status !== 200 && res.status !== 201) return { outcome: 'failed', reason: `server-side apply of ${m.kind} ${m.metadata.namespace}/${m.metadata.name}: ${describeStatus(res)}`, steps };
      steps.push(`PATCH ${path} (server-side apply, HTTP ${res.status})`);
      return { outcome: 'done', reason: `${res.status === 201 ? 'created' : 'applied'} ${m.kind} ${m.metadata.namespace}/${m.metadata.name}`, steps };
    } catch (err) {
      return { outcome: 'failed', reason: `Kubernetes API ${this.o.server}: ${(err as Error).message}`, steps };
    }
  }

  private call(method: 'GET' | 'PATCH', path: string, body?: string): Promise<ApiResponse> {
    const url = new URL(path, this.o.server);
    const token = this.o.tokenFile && existsSync(this.o.tokenFile) ? readFileSync(this.o.tokenFile, 'utf8').trim() : null;
    const headers: Record<string, string> = { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/apply-patch+yaml';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = request(url, { method, headers, timeout: this.o.timeoutMs ?? 10_000, ...(url.protocol === 'https:' && this.o.ca ? { ca: this.o.ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** `HTTP n <reason>: <Status.message>` of a Kubernetes error response. */
function describeStatus(r: ApiResponse): string {
  let message = r.body.slice(0, 300);
  try {
    const s = JSON.parse(r.body) as { message?: unknown; reason?: unknown };
    if (typeof s.message === 'string') message = `${typeof s.reason === 'string' ? `${s.reason}: ` : ''}${s.message}`;
  } catch {
    // not a Status object
  }
  return `HTTP ${r.status}${message ? ` ${message}` : ''}`;
}
