/**
 * Deployment files agree with the config schema: docker-compose.yml and every manifest in k8s/ are
 * parsed (no Docker or cluster needed) and checked against services/core/config.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_VARS, TopicsConfig, configFromEnv, resolveConfig, type SluiceConfig } from '../services/core/config.ts';

// Parsed YAML is untyped data; the assertions below are what give it a shape.
type Y = any;
type Env = Record<string, string>;

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

const TOPICS = TopicsConfig.parse({});
const DEFAULT_HTTP_PORT = resolveConfig().http.port;
const SLUICE_PREFIX = /^(SLUICE|KAFKA|CLICKHOUSE|SCHEMA_REGISTRY)_/;
const KNOWN = new Set<string>(Object.keys(ENV_VARS));
/** What each role must be connected to: an absent section silently falls back to an embedded stand-in. */
const NEEDS: Record<string, Array<'kafka' | 'schemaRegistry' | 'clickhouse'>> = {
  processor: ['kafka', 'schemaRegistry', 'clickhouse'],
  collector: ['kafka', 'schemaRegistry'],
  migrate: ['clickhouse'],
};

// ---- docker compose ------------------------------------------------------------------------------
const compose: Y = parse(read('docker-compose.yml'), { merge: true });
const composeEnv = (svc: Y): Env => {
  const e = svc.environment ?? {};
  const pairs: Array<[string, unknown]> = Array.isArray(e) ? e.map((kv: string) => kv.split(/=(.*)/s) as [string, string]) : Object.entries(e);
  return Object.fromEntries(pairs.map(([k, v]) => [k, String(v ?? '')]));
};
const composeSluice = Object.entries<Y>(compose.services).filter(([, s]) => s.build !== undefined);

// ---- kubernetes ----------------------------------------------------------------------------------
const k8sFiles = readdirSync(new URL('k8s/', root)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const k8sDocs: Y[] = k8sFiles.flatMap((f) =>
  parseAllDocuments(read(`k8s/${f}`)).map((d) => {
    assert.deepEqual(d.errors, [], `k8s/${f} parses`);
    return d.toJS();
  }),
).filter(Boolean);
const find = (kind: string, name: string, ns: string): Y =>
  k8sDocs.find((d) => d.kind === kind && d.metadata.name === name && d.metadata.namespace === ns);
const podSpec = (w: Y): Y => (w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template.spec : w.spec.template.spec);
const workloads = k8sDocs.filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(d.kind));
const containers = (w: Y): Y[] => [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers];

/** The environment a container starts with: envFrom ConfigMaps/Secrets, then env (Secret values from secret.yaml). */
function k8sEnv(c: Y, ns: string): Env {
  const env: Env = {};
  const source = (kind: string, name: string): Env => {
    const doc = find(kind, name, ns);
    assert.ok(doc, `${kind} ${name} exists in namespace ${ns}`);
    return kind === 'Secret' ? { ...doc.stringData, ...doc.data } : doc.data;
  };
  for (const f of c.envFrom ?? []) {
    Object.assign(env, f.configMapRef ? source('ConfigMap', f.configMapRef.name) : source('Secret', f.secretRef.name));
  }
  for (const { name, value, valueFrom: from } of c.env ?? []) {
    if (value !== undefined) env[name] = value;
    else if (from.secretKeyRef) env[name] = source('Secret', from.secretKeyRef.name)[from.secretKeyRef.key]!;
    else if (from.configMapKeyRef) env[name] = source('ConfigMap', from.configMapKeyRef.name)[from.configMapKeyRef.key]!;
    else env[name] = `${name.toLowerCase()}-from-downward-api`;
  }
  return env;
}

// ---- every Sluice process, from both ---------------------------------------------------------------
interface Proc { where: string; role: string; env: Env; ports: number[] }
const procs: Proc[] = [
  ...composeSluice.map(([name, s]) => ({
    where: `compose ${name}`,
    role: s.command[0],
    env: composeEnv(s),
    ports: [...JSON.stringify(s.healthcheck?.test ?? '').matchAll(/:(\d+)\/(?:healthz|readyz)/g)].map((m) => Number(m[1])),
  })),
  ...workloads.flatMap((w) =>
    containers(w).map((c) => ({
      where: `k8s ${w.kind} ${w.metadata.name}/${c.name}`,
      role: c.args[0],
      env: k8sEnv(c, w.metadata.namespace),
      ports: [c.livenessProbe, c.readinessProbe, c.startupProbe]
        .filter(Boolean)
        .map((p) => p.httpGet.port)
        .map((p) => (typeof p === 'number' ? p : c.ports.find((cp: Y) => cp.name === p)?.containerPort)),
    })),
  ),
];
const configOf = (p: Proc): SluiceConfig => resolveConfig(configFromEnv(p.env));
const portOf = (url: string): number => Number(new URL(url).port || (url.startsWith('https:') ? 443 : 80));

test('the deployment files hold the Sluice services', () => {
  assert.deepEqual(composeSluice.map(([, s]) => s.command[0]).sort(), ['collector', 'migrate', 'processor']);
  assert.deepEqual([...new Set(procs.filter((p) => p.where.startsWith('k8s')).map((p) => p.role))].sort(), ['collector', 'migrate', 'processor']);
});

test('Sluice services set only environment variables that config.ts reads', () => {
  for (const p of procs) {
    for (const name of Object.keys(p.env).filter((n) => SLUICE_PREFIX.test(n))) {
      assert.ok(KNOWN.has(name), `${p.where}: ${name} is not in ENV_VARS (services/core/config.ts)`);
    }
    for (const [name, value] of Object.entries(p.env)) assert.equal(typeof value, 'string', `${p.where}: ${name} is a string`);
  }
});

test("each Sluice service's environment is a valid config connected to the real stack", () => {
  for (const p of procs) {
    const config = configOf(p); // throws SLUICE_ERR_CONFIG_INVALID listing every problem
    for (const section of NEEDS[p.role] ?? []) assert.ok(config[section], `${p.where}: ${section} is configured`);
    assert.ok(p.env.OTEL_SERVICE_NAME, `${p.where}: OTEL_SERVICE_NAME is set`);
    assert.ok(new URL(p.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? ''), `${p.where}: OTEL_EXPORTER_OTLP_ENDPOINT is a URL`);
  }
});

test('topic names are the TopicsConfig defaults, and kafka-init pre-creates all of them', () => {
  const wanted: Record<string, string> = { SLUICE_TOPIC_ACTIVITY: TOPICS.activity, SLUICE_TOPIC_FINDINGS: TOPICS.findings, SLUICE_TOPIC_DLQ: TOPICS.deadLetter };
  for (const p of procs) {
    for (const [name, topic] of Object.entries(wanted)) if (name in p.env) assert.equal(p.env[name], topic, `${p.where}: ${name}`);
  }
  const script = [compose.services['kafka-init'].command].flat().join('\n');
  const created = [...script.matchAll(/--create\b.*?--topic\s+(\S+)\s+--partitions\s+(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
  assert.deepEqual(created.map(([t]) => t).sort(), [TOPICS.activity, TOPICS.deadLetter, TOPICS.findings].sort());
  assert.deepEqual(Object.fromEntries(created), { [TOPICS.activity]: TOPICS.partitions, [TOPICS.findings]: TOPICS.partitions, [TOPICS.deadLetter]: 3 });
  assert.equal(compose.services.kafka.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false', 'topics are never auto-created');
  for (const [name, s] of composeSluice.filter(([, s]) => s.command[0] !== 'migrate')) {
    assert.equal(s.depends_on?.['kafka-init']?.condition, 'service_completed_successfully', `${name} waits for kafka-init`);
  }
});

test('health checks and probes use the configured HTTP port', () => {
  for (const p of procs.filter((p) => p.role !== 'migrate')) {
    assert.ok(p.ports.length > 0, `${p.where}: has a health check`);
    for (const port of p.ports) assert.equal(port, configOf(p).http.port, `${p.where}: health port`);
  }
  assert.equal(DEFAULT_HTTP_PORT, 8080);
  for (const w of workloads.filter((w) => w.kind === 'Deployment')) {
    for (const c of containers(w)) {
      assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${w.metadata.name}: liveness /healthz`);
      assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${w.metadata.name}: readiness /readyz`);
    }
  }
});

test('every k8s pod runs with least privilege', () => {
  for (const w of workloads) {
    const spec = podSpec(w);
    const where = `${w.kind} ${w.metadata.name}`;
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(spec[key], true, `${where}: ${key}`);
    assert.equal(spec.automountServiceAccountToken, false, `${where}: no service account token`);
    assert.ok(!(spec.volumes ?? []).some((v: Y) => v.hostPath), `${where}: no hostPath volume`);
    for (const c of containers(w)) {
      const sc = c.securityContext ?? {};
      assert.equal(sc.runAsNonRoot, true, `${where}/${c.name}: runAsNonRoot`);
      assert.equal(sc.runAsUser, 10001, `${where}/${c.name}: runAsUser`);
      assert.equal(sc.readOnlyRootFilesystem, true, `${where}/${c.name}: readOnlyRootFilesystem`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${where}/${c.name}: allowPrivilegeEscalation`);
      assert.notEqual(sc.privileged, true, `${where}/${c.name}: not privileged`);
      assert.deepEqual(sc.capabilities, { drop: ['ALL'] }, `${where}/${c.name}: drops all capabilities`);
      assert.equal(sc.seccompProfile?.type, 'RuntimeDefault', `${where}/${c.name}: seccomp`);
      for (const r of ['cpu', 'memory']) {
        assert.ok(c.resources?.requests?.[r] && c.resources?.limits?.[r], `${where}/${c.name}: ${r} request and limit`);
      }
      assert.ok(!(c.ports ?? []).some((p: Y) => p.hostPort), `${where}/${c.name}: no hostPort`);
      const tmp = c.volumeMounts?.find((m: Y) => m.mountPath === '/tmp');
      assert.ok(spec.volumes.find((v: Y) => v.name === tmp?.name)?.emptyDir, `${where}/${c.name}: /tmp is an emptyDir`);
    }
  }
  assert.equal(k8sDocs.find((d) => d.kind === 'ServiceAccount').automountServiceAccountToken, false);
});

test('the processor Deployment shares a namespace with its ConfigMap, Secret and PDB', () => {
  const processor = find('Deployment', 'sluice-processor', 'sluice');
  assert.ok(processor, 'Deployment sluice-processor in namespace sluice');
  assert.ok(processor.spec.replicas >= 2, 'at least two consumers in the group');
  const ns = processor.metadata.namespace;
  for (const c of containers(processor)) k8sEnv(c, ns); // asserts every referenced ConfigMap/Secret is in ns
  const pdb = k8sDocs.find((d) => d.kind === 'PodDisruptionBudget');
  assert.equal(pdb.metadata.namespace, ns);
  assert.deepEqual(pdb.spec.selector.matchLabels, processor.spec.selector.matchLabels);
  assert.ok(k8sDocs.every((d) => d.kind === 'Namespace' || d.metadata.namespace === ns), 'one namespace');
});

test('the network policies let each role reach what it is configured to use, and DNS', () => {
  const policies = k8sDocs.filter((d) => d.kind === 'NetworkPolicy');
  const selects = (sel: Y, labels: Env): boolean =>
    Object.entries<string>(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (sel.matchExpressions ?? []).every((e: Y) => e.operator === 'In' && e.values.includes(labels[e.key]));
  for (const w of workloads) {
    const labels = w.spec.template.metadata.labels;
    const open = policies
      .filter((p) => selects(p.spec.podSelector, labels))
      .flatMap((p) => (p.spec.egress ?? []).flatMap((r: Y) => r.ports.map((x: Y) => x.port)));
    for (const c of containers(w)) {
      const p = procs.find((x) => x.where === `k8s ${w.kind} ${w.metadata.name}/${c.name}`)!;
      const config = configOf(p);
      const needed = [53, portOf(p.env.OTEL_EXPORTER_OTLP_ENDPOINT!)];
      if (config.kafka) needed.push(...config.kafka.brokers.map((b) => Number(b.split(':')[1])));
      if (config.schemaRegistry) needed.push(portOf(config.schemaRegistry.url));
      if (config.clickhouse) needed.push(portOf(config.clickhouse.url));
      for (const port of needed) assert.ok(open.includes(port), `${p.where}: egress to port ${port} is allowed`);
    }
  }
});

test('kustomization.yaml lists every manifest', () => {
  const kustomization: Y = parse(read('k8s/kustomization.yaml'));
  assert.deepEqual([...kustomization.resources].sort(), [...k8sFiles].sort());
  assert.equal(kustomization.namespace, 'sluice');
});
