/**
 * Deployment files agree with the code: Dockerfile, .dockerignore, docker-compose.yml and every
 * manifest in k8s/ are parsed (no Docker or cluster needed) and checked against package.json,
 * services/core/config.ts and the files in the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_VARS, TopicsConfig, configFromEnv, resolveConfig, type SluiceConfig } from '../services/cli/config.ts';
import { followSourceFor } from '../services/cli/follow-sources.ts';
import { EVENTHUBS_CHECKPOINT_CONNECTION_ENV, EVENTHUBS_CONNECTION_ENV } from '../services/collectors/azure_activity/eventhubs-config.ts';
import { AZURE_STORAGE_CONNECTION_ENV } from '../services/collectors/object_storage/azure-blob-follow-config.ts';
import { buildProgram } from '../services/cli/main.ts';
import { azureBlobFollowConfig } from '../services/cli/follow-azure-blob.ts';
import { eventHubsFollowConfig } from '../services/cli/follow-eventhubs.ts';
import { gcsFollowConfig } from '../services/cli/follow-gcs.ts';
import { silentLogger } from '../services/core/logger.ts';
import { systemClock } from '../services/core/clock.ts';
import { createTelemetry } from '../services/core/telemetry.ts';

// Parsed YAML is untyped data; the assertions below are what give it a shape.
type Y = any;
type Env = Record<string, string>;

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const exists = (path: string): boolean => existsSync(new URL(path, root));
const isDir = (path: string): boolean => statSync(new URL(path, root)).isDirectory();
/** `./a/b/` -> `a/b`; `./` -> `` */
const norm = (path: string): string => posix.normalize(path).replace(/^\.\/?/, '').replace(/\/$/, '').replace(/^\.$/, '');

const pkg: Y = JSON.parse(read('package.json'));
const TOPICS = TopicsConfig.parse({});
type TopicKey = Exclude<keyof typeof TOPICS, 'partitions'>;
/** Every topic Sluice uses, derived from the schema: each key of TopicsConfig except `partitions`. */
const TOPIC_KEYS = (Object.keys(TOPICS) as Array<keyof typeof TOPICS>).filter((k): k is TopicKey => k !== 'partitions');
const DLQ_PARTITIONS = 3;
const DEFAULT_HTTP_PORT = resolveConfig().http.port;
const SLUICE_PREFIX = /^(SLUICE|KAFKA|CLICKHOUSE|SCHEMA_REGISTRY)_/;
/** Config env names (config.ts), plus the connection strings the follow roles read themselves (their config modules). */
const KNOWN = new Set<string>([...Object.keys(ENV_VARS), EVENTHUBS_CONNECTION_ENV, EVENTHUBS_CHECKPOINT_CONNECTION_ENV, AZURE_STORAGE_CONNECTION_ENV]);
/** What each role must be connected to: an absent section silently falls back to an embedded stand-in. */
const NEEDS: Record<string, Array<'kafka' | 'schemaRegistry' | 'clickhouse'>> = {
  processor: ['kafka', 'schemaRegistry', 'clickhouse'],
  collector: ['kafka', 'schemaRegistry'],
  'collector:follow': ['kafka', 'schemaRegistry'],
  remediator: ['kafka', 'schemaRegistry', 'clickhouse'],
  migrate: ['clickhouse'],
};
/** Roles that keep running, serve /healthz and /readyz and stop on SIGTERM. The others do one pass and exit. */
const LONG_RUNNING = new Set(['processor', 'remediator', 'enforcer', 'collector:follow']);
/** A process's role from its command line: `collector:follow` for a collector started with --follow. */
const roleOf = (args: readonly string[]): string => (args[0] === 'collector' && args.includes('--follow') ? 'collector:follow' : args[0]!);
/** The source of `--follow [source]` in a command line: its value, or sqs (the default) when none is given. */
const followValue = (args: readonly string[]): string => {
  const v = args[args.indexOf('--follow') + 1];
  return v === undefined || v.startsWith('-') ? 'sqs' : v;
};
/** The Kafka user (and Secret) of a role: the follow-mode collectors are collectors. */
const kafkaRole = (role: string): string => role.split(':')[0]!;

// ---- Dockerfile and .dockerignore --------------------------------------------------------------------
interface Instruction { op: string; args: string; stage: number }
const dockerfile: Instruction[] = (() => {
  const out: Instruction[] = [];
  let stage = -1;
  const text = read('Dockerfile').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage += 1;
    out.push({ op, args: m[2]!.trim(), stage });
  }
  return out;
})();
const finalStage = Math.max(...dockerfile.map((i) => i.stage));
const copyArgs = (args: string): { flags: string[]; sources: string[]; dest: string } => {
  const flags = args.match(/^(?:--\S+\s+)*/)![0].trim().split(/\s+/).filter(Boolean);
  const rest = args.slice(args.match(/^(?:--\S+\s+)*/)![0].length);
  const words: string[] = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
  return { flags, sources: words.slice(0, -1), dest: words.at(-1)! };
};
/** COPY instructions from the build context (not --from another stage), with their index. */
const contextCopies = dockerfile
  .map((ins, index) => ({ ...ins, index, ...copyArgs(ins.args) }))
  .filter((c) => (c.op === 'COPY' || c.op === 'ADD') && !c.flags.some((f) => f.startsWith('--from')));
/** Where a repository path ends up in the image (relative to WORKDIR) if `stage` copies it before `before`. */
const inImage = (path: string, stage: number, before = Infinity): string | undefined => {
  for (const c of contextCopies.filter((c) => c.stage === stage && c.index < before)) {
    for (const src of c.sources.map(norm)) {
      if (src === path) return isDir(src) || !c.dest.endsWith('/') ? norm(c.dest) : posix.join(norm(c.dest), posix.basename(src));
      if (src === '' || path.startsWith(`${src}/`)) return posix.join(norm(c.dest), src === '' ? path : path.slice(src.length + 1));
    }
  }
  return undefined;
};

const ignorePatterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${norm(pattern.replace(/^\//, ''))
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((t) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[t] ?? t.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
      .join('')}$`,
  );
/**
 * Whether .dockerignore keeps a path out of the build context. As in Docker, a pattern matches a
 * path when it matches the path or a folder above it, and the last matching pattern wins.
 */
const dockerIgnored = (path: string): boolean => {
  const parts = norm(path).split('/').filter(Boolean);
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of ignorePatterns) {
    const negated = p.startsWith('!');
    const re = globToRegExp(negated ? p.slice(1) : p);
    if (prefixes.some((x) => re.test(x))) ignored = !negated;
  }
  return ignored;
};

// ---- docker compose ------------------------------------------------------------------------------
const compose: Y = parse(read('docker-compose.yml'), { merge: true });
const composeEnv = (svc: Y): Env => {
  const e = svc.environment ?? {};
  const pairs: Array<[string, unknown]> = Array.isArray(e) ? e.map((kv: string) => kv.split(/=(.*)/s) as [string, string]) : Object.entries(e);
  return Object.fromEntries(pairs.map(([k, v]) => [k, String(v ?? '')]));
};
const composeSluice = Object.entries<Y>(compose.services).filter(([, s]) => s.build !== undefined);
/** `${VAR:-default}` -> default, as Compose interpolates it when VAR is unset. */
const interpolateDefaults = (s: string): string => s.replace(/\$\{[A-Z0-9_]+:?-([^}]*)\}/g, '$1');

// ---- kubernetes ----------------------------------------------------------------------------------
const k8sFiles = readdirSync(new URL('k8s/', root)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const fileOf = new Map<Y, string>();
const parseDocs = (text: string, where: string): Y[] =>
  parseAllDocuments(text)
    .map((d) => {
      assert.deepEqual(d.errors, [], `${where} parses`);
      return d.toJS();
    })
    .filter(Boolean);
/**
 * Commented-out variants in a manifest: the YAML after `# ---` between `# BEGIN <name>` and
 * `# END <name>`, uncommented, so that they are checked like the live manifests and cannot rot.
 */
const commentedVariants = (f: string): Y[] =>
  [...read(`k8s/${f}`).matchAll(/^# BEGIN (.+?)(?::.*)?\n([\s\S]*?)^# END \1$/gm)].flatMap((m) => {
    const lines = m[2]!.split('\n');
    const start = lines.findIndex((l) => l === '# ---');
    assert.ok(start >= 0, `k8s/${f}: variant "${m[1]}" has a "# ---" line before its YAML`);
    const yaml = lines.slice(start + 1).map((l) => {
      assert.match(l, /^(#|$)/, `k8s/${f}: every line of variant "${m[1]}" is commented`);
      return l.replace(/^# ?/, '');
    });
    return parseDocs(yaml.join('\n'), `k8s/${f} variant "${m[1]}"`).map((d) => ({ ...d, variant: m[1] }));
  });
const k8sDocs: Y[] = k8sFiles.flatMap((f) => {
  const docs = [...parseDocs(read(`k8s/${f}`), `k8s/${f}`), ...commentedVariants(f)];
  for (const d of docs) fileOf.set(d, f);
  return docs;
});
const liveDocs = k8sDocs.filter((d) => !d.variant);
/** The Secrets the pods reference: created out of band, so only in k8s/secrets/*.example.yaml, never applied by -k. */
const SECRET_EXAMPLE = 'k8s/secrets/secret.example.yaml';
const exampleSecrets: Y[] = parseDocs(read(SECRET_EXAMPLE), SECRET_EXAMPLE);
const find = (kind: string, name: string, ns: string): Y =>
  (kind === 'Secret' ? exampleSecrets : liveDocs).find((d) => d.kind === kind && d.metadata.name === name && d.metadata.namespace === ns);
const podTemplate = (w: Y): Y => (w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template);
const podSpec = (w: Y): Y => podTemplate(w).spec;
const workloads = k8sDocs.filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(d.kind));
const workloadName = (w: Y): string => `${w.kind} ${w.metadata.name}${w.variant ? ` (commented variant)` : ''}`;
const containers = (w: Y): Y[] => [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers];

/** The environment a container starts with: envFrom ConfigMaps/Secrets, then env (Secret values from the example Secrets). */
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
    role: roleOf(s.command),
    env: composeEnv(s),
    ports: [...JSON.stringify(s.healthcheck?.test ?? '').matchAll(/:(\d+)\/(?:healthz|readyz)/g)].map((m) => Number(m[1])),
  })),
  ...workloads.flatMap((w) =>
    containers(w).map((c) => ({
      where: `k8s ${workloadName(w)}/${c.name}`,
      role: roleOf(c.args),
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

test('the Dockerfile copies only paths that exist and that .dockerignore lets through', () => {
  assert.ok(contextCopies.length > 0, 'the Dockerfile has COPY instructions');
  for (const c of contextCopies) {
    for (const src of c.sources) {
      assert.ok(exists(src), `Dockerfile: COPY source ${src} exists in the repository`);
      assert.ok(!dockerIgnored(src), `Dockerfile: COPY source ${src} is not excluded by .dockerignore`);
    }
  }
});

test("the Dockerfile's ENTRYPOINT runs the package's bin, copied into the final stage", () => {
  const entrypoint = dockerfile.filter((i) => i.op === 'ENTRYPOINT').at(-1);
  assert.ok(entrypoint, 'Dockerfile has an ENTRYPOINT');
  const argv: string[] = JSON.parse(entrypoint.args); // exec form, so that SIGTERM reaches node
  assert.equal(argv[0], 'node');
  const script = norm(argv[1]!);
  assert.ok(exists(script) && !isDir(script), `ENTRYPOINT script ${script} exists`);
  assert.equal(script, norm(pkg.bin.sluice), 'ENTRYPOINT runs package.json bin.sluice');
  assert.equal(inImage(script, finalStage), script, `${script} is copied to the same path in the final stage`);
  assert.ok(!dockerIgnored(script), `${script} is not excluded by .dockerignore`);
});

test('the Dockerfile copies the patch dir of the postinstall hook before npm ci', () => {
  const patchDir = norm(/--patch-dir\s+(\S+)/.exec(pkg.scripts.postinstall)?.[1] ?? '');
  assert.ok(patchDir, 'postinstall names its --patch-dir');
  const patches = readdirSync(new URL(`${patchDir}/`, root)).filter((f) => f.endsWith('.patch'));
  assert.ok(patches.length > 0, `${patchDir} holds patches`);
  const install = dockerfile.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
  assert.ok(install >= 0, 'the Dockerfile runs npm ci');
  const stage = dockerfile[install]!.stage;
  assert.equal(inImage(patchDir, stage, install), patchDir, `${patchDir} is copied to the same path before npm ci`);
  for (const file of ['package.json', 'package-lock.json']) assert.equal(inImage(file, stage, install), file, `${file} is copied before npm ci`);
  // The build greps for the patch's marker; it must be a marker the patches really add.
  const marker = /grep -q '([^']+)'/.exec(dockerfile[install]!.args)?.[1];
  assert.ok(marker, 'npm ci is followed by a grep for the patch marker');
  const adds = (f: string): boolean => read(`${patchDir}/${f}`).split('\n').some((l) => l.startsWith('+') && l.includes(marker));
  assert.ok(patches.some(adds), `a patch in ${patchDir} adds ${marker}`);
});

test('the deployment files hold the Sluice services', () => {
  const roles = ['collector', 'collector:follow', 'enforcer', 'migrate', 'processor', 'remediator'];
  assert.deepEqual([...new Set(composeSluice.map(([, s]) => roleOf(s.command)))].sort(), roles);
  const live = procs.filter((p) => p.where.startsWith('k8s') && !p.where.includes('(commented variant)'));
  assert.deepEqual([...new Set(live.map((p) => p.role))].sort(), roles);
  // The follow roles, in both: CloudTrail from SQS, the Kubernetes audit webhook, Event Hubs, Pub/Sub, Azure Blob and GCS (Kinesis in k8s only).
  const follows = (args: readonly string[]): string => `${args[1]} ${followValue(args)}`;
  const composeFollows = composeSluice.filter(([, s]) => roleOf(s.command) === 'collector:follow').map(([, s]) => follows(s.command)).sort();
  const k8sFollows = workloads.filter((w) => !w.variant).flatMap((w) => containers(w)).filter((c) => roleOf(c.args) === 'collector:follow').map((c) => follows(c.args)).sort();
  const both = ['aws_cloudtrail sqs', 'azure_activity eventhubs', 'gcp_audit pubsub', 'k8s_audit webhook', 'object_storage azure-blob', 'object_storage gcs'];
  assert.deepEqual(composeFollows, both);
  assert.deepEqual(k8sFollows, [...both, 'aws_cloudtrail kinesis'].sort());
});

test('Sluice services set only environment variables that config.ts reads, also in commented examples', () => {
  for (const p of procs) {
    for (const name of Object.keys(p.env).filter((n) => SLUICE_PREFIX.test(n))) {
      assert.ok(KNOWN.has(name), `${p.where}: ${name} is not in ENV_VARS (services/core/config.ts)`);
    }
    for (const [name, value] of Object.entries(p.env)) assert.equal(typeof value, 'string', `${p.where}: ${name} is a string`);
  }
  for (const f of k8sFiles) {
    for (const m of read(`k8s/${f}`).matchAll(/^\s*#\s*(?:-\s*name:\s*|key:\s*)?((?:SLUICE|KAFKA|CLICKHOUSE|SCHEMA_REGISTRY)_[A-Z0-9_]+)\b/gm)) {
      assert.ok(KNOWN.has(m[1]!), `k8s/${f}: commented ${m[1]} is not in ENV_VARS (services/core/config.ts)`);
    }
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

test('the commented Kafka TLS/SASL example in k8s/ is a valid config once uncommented, with one user and one Secret per role', () => {
  const commented = (f: string): Env =>
    Object.fromEntries([...read(`k8s/${f}`).matchAll(/^\s*#\s*(KAFKA_[A-Z0-9_]+):\s*"([^"]*)"/gm)].map((m) => [m[1]!, m[2]!]));
  const fromConfigMap = commented('configmap.yaml');
  assert.deepEqual(Object.keys(fromConfigMap).sort(), ['KAFKA_SASL_MECHANISM', 'KAFKA_SSL'], 'the ConfigMap shared by the roles names no Kafka user');
  // The commented Secrets, one per role: sluice-kafka-<role>, each with the role's password only.
  const secretText = read(SECRET_EXAMPLE);
  const roleSecrets = [...secretText.matchAll(/^#\s*name: (sluice-kafka-[a-z]+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(roleSecrets.sort(), ['sluice-kafka-collector', 'sluice-kafka-processor', 'sluice-kafka-remediator']);
  const passwords = [...secretText.matchAll(/^\s*#\s*(KAFKA_[A-Z0-9_]+):\s*"([^"]*)"/gm)];
  assert.deepEqual(passwords.map((m) => m[1]), roleSecrets.map(() => 'KAFKA_SASL_PASSWORD'), 'each role Secret holds KAFKA_SASL_PASSWORD only');
  // The users are the ones compose's kafka-init creates and grants ACLs to (docs/deploy.md "Kafka users and ACLs").
  const script = [compose.services['kafka-init'].command].flat().join('\n');
  const composeUsers = new Set([...script.matchAll(/^\s*user (sluice-[a-z]+) /gm)].map((m) => m[1]!));
  for (const name of roleSecrets) assert.ok(composeUsers.has(name.replace('sluice-kafka-', 'sluice-')), `${name}: its user has ACLs in kafka-init`);
  for (const w of workloads.filter((w) => !w.variant)) {
    for (const c of containers(w)) {
      const p = procs.find((x) => x.where === `k8s ${workloadName(w)}/${c.name}`)!;
      if (!p.env.KAFKA_BROKERS) continue;
      const role = kafkaRole(p.role);
      const ref = new RegExp(
        `#\\s*- name: KAFKA_SASL_USERNAME\\n\\s*#\\s*value: sluice-${role}\\n\\s*#\\s*- name: KAFKA_SASL_PASSWORD\\n\\s*#\\s*valueFrom:\\n\\s*#\\s*secretKeyRef:\\n\\s*#\\s*name: sluice-kafka-${role}\\n\\s*#\\s*key: KAFKA_SASL_PASSWORD\\n`,
      );
      assert.match(read(`k8s/${fileOf.get(w)}`), ref, `${p.where}: commented user sluice-${role} and its password from the Secret sluice-kafka-${role}`);
      const config = resolveConfig(configFromEnv({ ...p.env, ...fromConfigMap, KAFKA_SASL_USERNAME: `sluice-${role}`, KAFKA_SASL_PASSWORD: 'from-the-role-secret' }));
      assert.equal(config.kafka?.ssl, true, `${p.where}: KAFKA_SSL`);
      assert.equal(config.kafka?.sasl?.username, `sluice-${role}`, `${p.where}: its own SASL user`);
      assert.ok(config.kafka?.sasl?.password, `${p.where}: SASL mechanism, user and password`);
    }
  }
});

test('topic names are the TopicsConfig defaults, and kafka-init pre-creates every one of them', () => {
  const topicEnv = Object.entries(ENV_VARS).filter(([, spec]) => spec.path[0] === 'topics');
  for (const p of procs) {
    for (const [name, spec] of topicEnv) if (name in p.env) assert.equal(p.env[name], TOPICS[spec.path[1] as TopicKey], `${p.where}: ${name}`);
  }
  const script = [compose.services['kafka-init'].command].flat().join('\n');
  const all = [...script.matchAll(/--create\b.*?--topic\s+(\S+)\s+--partitions\s+(\d+)([^\n]*)/g)];
  const created = all.filter((m) => !m[1]!.endsWith('-changelog')).map((m) => [m[1]!, Number(m[2])] as const);
  const changelogs = all.filter((m) => m[1]!.endsWith('-changelog'));
  assert.equal(changelogs.length, 1, 'one loop creates the changelog topics');
  assert.equal(Number(changelogs[0]![2]), TOPICS.partitions, 'changelogs are co-partitioned with their input topics');
  assert.match(changelogs[0]![3]!, /cleanup\.policy=compact/, 'changelogs are compacted');
  const wanted = TOPIC_KEYS.map((k) => [TOPICS[k], k === 'deadLetter' ? DLQ_PARTITIONS : TOPICS.partitions] as const);
  assert.deepEqual(created.map(([t]) => t).sort(), wanted.map(([t]) => t).sort(), 'kafka-init creates every topic in TopicsConfig, once');
  assert.deepEqual(Object.fromEntries(created), Object.fromEntries(wanted), 'partitions per topic');
  assert.equal(compose.services.kafka.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false', 'topics are never auto-created');
  for (const [name, s] of composeSluice.filter(([, s]) => s.command[0] !== 'migrate')) {
    assert.equal(s.depends_on?.['kafka-init']?.condition, 'service_completed_successfully', `${name} waits for kafka-init`);
  }
  const docs = read('docs/deploy.md');
  for (const [topic] of wanted) assert.ok(docs.includes(`--topic ${topic} `), `docs/deploy.md shows how to create ${topic} on Kubernetes`);
});

test('long-running roles have health checks on the configured HTTP port; one-shot roles run to completion', () => {
  assert.equal(DEFAULT_HTTP_PORT, 8080);
  for (const p of procs) {
    if (LONG_RUNNING.has(p.role)) {
      assert.ok(p.ports.length > 0, `${p.where}: has a health check`);
      for (const port of p.ports) assert.equal(port, configOf(p).http.port, `${p.where}: health port`);
    } else {
      assert.deepEqual(p.ports, [], `${p.where}: a one-shot role serves no health endpoints`);
    }
  }
  for (const [name, s] of composeSluice) {
    const longRunning = LONG_RUNNING.has(roleOf(s.command));
    assert.equal(s.restart === 'no', !longRunning, `compose ${name}: restart ${longRunning ? 'on exit' : '"no"'}`);
    assert.equal(s.healthcheck !== undefined, longRunning, `compose ${name}: healthcheck only on long-running roles`);
  }
  const collector = composeSluice.find(([, s]) => roleOf(s.command) === 'collector')![1];
  const processor = composeSluice.find(([, s]) => s.command[0] === 'processor')![0];
  assert.equal(collector.depends_on?.[processor]?.condition, 'service_healthy', 'the compose collector waits for a healthy processor');
  for (const w of workloads) {
    for (const c of containers(w)) {
      const where = `${workloadName(w)}/${c.name}`;
      if (LONG_RUNNING.has(roleOf(c.args))) {
        assert.equal(w.kind, 'Deployment', `${where}: a long-running role is a Deployment`);
        assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${where}: liveness /healthz`);
        assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${where}: readiness /readyz`);
      } else {
        assert.ok(['Job', 'CronJob'].includes(w.kind), `${where}: a one-shot role is a Job or CronJob`);
        assert.ok(['Never', 'OnFailure'].includes(podSpec(w).restartPolicy), `${where}: restartPolicy`);
      }
    }
  }
});

test('compose mounts only files that exist in the repository or live in a gitignored folder', () => {
  const gitignored = read('.gitignore').split('\n').map((l) => norm(l.trim().replace(/^\//, ''))).filter(Boolean);
  for (const [name, s] of Object.entries<Y>(compose.services)) {
    for (const v of s.volumes ?? []) {
      const host = interpolateDefaults(typeof v === 'string' ? v.split(':')[0]! : v.type === 'bind' ? v.source : '');
      if (!host.startsWith('.')) continue; // a named volume
      assert.ok(exists(host) || gitignored.includes(norm(host).split('/')[0]!), `compose ${name}: ${host} exists or is under a gitignored folder`);
    }
    for (const c of s.configs ?? []) {
      const def = compose.configs?.[typeof c === 'string' ? c : c.source];
      assert.ok(def, `compose ${name}: config ${JSON.stringify(c)} is declared under the top-level configs`);
      assert.ok(typeof def.content === 'string' || (def.file && exists(def.file)), `compose ${name}: config has content or an existing file`);
    }
  }
  const otel: Y = parse(compose.configs['otel-collector-config'].content);
  const otlpHttp = portOf(`http://${otel.receivers.otlp.protocols.http.endpoint}`);
  for (const p of procs.filter((p) => p.where.startsWith('compose'))) {
    assert.equal(portOf(p.env.OTEL_EXPORTER_OTLP_ENDPOINT!), otlpHttp, `${p.where}: exports to the collector's OTLP/HTTP port`);
  }
});

test('every k8s pod runs with least privilege', () => {
  for (const w of workloads) {
    const spec = podSpec(w);
    const where = workloadName(w);
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(spec[key], true, `${where}: ${key}`);
    // Only the enforcer calls the Kubernetes API (server-side apply of network policies), with its own
    // ServiceAccount whose ClusterRole grants network policies only and is bound per namespace.
    const enforcer = containers(w).some((c) => roleOf(c.args) === 'enforcer');
    assert.equal(spec.automountServiceAccountToken, enforcer, `${where}: ${enforcer ? 'the API token it applies policies with' : 'no service account token'}`);
    if (enforcer) assert.equal(spec.serviceAccountName, 'sluice-enforcer', `${where}: its own ServiceAccount`);
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
  assert.equal(liveDocs.find((d) => d.kind === 'ServiceAccount').automountServiceAccountToken, false);
});

test('the processor Deployment shares a namespace with its ConfigMap, Secret and PDB', () => {
  const processor = find('Deployment', 'sluice-processor', 'sluice');
  assert.ok(processor, 'Deployment sluice-processor in namespace sluice');
  assert.ok(processor.spec.replicas >= 2, 'at least two consumers in the group');
  const ns = processor.metadata.namespace;
  for (const c of containers(processor)) k8sEnv(c, ns); // asserts every referenced ConfigMap/Secret is in ns
  const pdb = liveDocs.find((d) => d.kind === 'PodDisruptionBudget');
  assert.equal(pdb.metadata.namespace, ns);
  assert.deepEqual(pdb.spec.selector.matchLabels, processor.spec.selector.matchLabels);
  const clusterScoped = new Set(['Namespace', 'ClusterRole']);
  assert.ok(k8sDocs.every((d) => clusterScoped.has(d.kind) || d.metadata.namespace === ns), 'one namespace');
});

test('the network policies let each role reach what it is configured to use, and DNS', () => {
  const policies = liveDocs.filter((d) => d.kind === 'NetworkPolicy');
  const selects = (sel: Y, labels: Env): boolean =>
    Object.entries<string>(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (sel.matchExpressions ?? []).every((e: Y) => e.operator === 'In' && e.values.includes(labels[e.key]));
  for (const w of workloads) {
    const labels = podTemplate(w).metadata.labels;
    const open = policies
      .filter((p) => selects(p.spec.podSelector, labels))
      .flatMap((p) => (p.spec.egress ?? []).flatMap((r: Y) => r.ports.map((x: Y) => x.port)));
    for (const c of containers(w)) {
      const p = procs.find((x) => x.where === `k8s ${workloadName(w)}/${c.name}`)!;
      const config = configOf(p);
      const needed = [53, portOf(p.env.OTEL_EXPORTER_OTLP_ENDPOINT!)];
      if (config.kafka) needed.push(...config.kafka.brokers.map((b) => Number(b.split(':')[1])));
      if (config.schemaRegistry) needed.push(portOf(config.schemaRegistry.url));
      if (config.clickhouse) needed.push(portOf(config.clickhouse.url));
      for (const port of needed) assert.ok(open.includes(port), `${p.where}: egress to port ${port} is allowed`);
    }
  }
});

test('`kubectl apply -k` never writes a Secret (it would put placeholders back over real passwords)', () => {
  const kustomization: Y = parse(read('k8s/kustomization.yaml'));
  assert.equal(kustomization.secretGenerator, undefined, 'no secretGenerator');
  assert.deepEqual(liveDocs.filter((d) => d.kind === 'Secret').map((d) => d.metadata.name), [], 'no Secret among the applied manifests');
  for (const d of exampleSecrets) assert.equal(d.kind, 'Secret', `${SECRET_EXAMPLE} holds Secrets only`);
  // Each pod gets only its own credentials: the migrate Job the migration password, the processor the sink's.
  const envNames = (w: Y): string[] => containers(w).flatMap((c: Y) => (c.env ?? []).map((e: Y) => e.name));
  const migrate = find('Job', 'sluice-migrate', 'sluice');
  assert.ok(envNames(migrate).includes('CLICKHOUSE_MIGRATION_PASSWORD') && !envNames(migrate).includes('CLICKHOUSE_PASSWORD'), 'migrate: migration password only');
  const processor = find('Deployment', 'sluice-processor', 'sluice');
  assert.ok(!envNames(processor).includes('CLICKHOUSE_MIGRATION_PASSWORD'), 'processor: no migration password');
});

test('compose: least-privilege ClickHouse users, no access management for the Sluice roles', () => {
  const ch = compose.services.clickhouse;
  assert.equal(composeEnv(ch).CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT ?? '0', '0', 'no CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT');
  const usersXml = read('deploy/clickhouse/users.d/sluice.xml');
  assert.ok(ch.volumes.some((v: string) => v.startsWith('./deploy/clickhouse/users.d/sluice.xml:')), 'users.d/sluice.xml is mounted');
  const migrate = composeSluice.find(([, s]) => s.command[0] === 'migrate')![1];
  const processor = composeSluice.find(([, s]) => s.command[0] === 'processor')![1];
  const m = configOf({ where: 'migrate', role: 'migrate', env: composeEnv(migrate), ports: [] });
  const p = configOf({ where: 'processor', role: 'processor', env: composeEnv(processor), ports: [] });
  assert.ok(m.clickhouse?.migration, 'migrate has its own user');
  assert.equal(p.clickhouse?.migration, undefined, 'the processor does not get the migration user');
  assert.notEqual(m.clickhouse!.migration!.username, p.clickhouse!.username);
  assert.equal(composeEnv(migrate).CLICKHOUSE_PASSWORD, undefined, 'migrate does not get the sink password');
  assert.notEqual(p.clickhouse!.username, composeEnv(ch).CLICKHOUSE_USER, 'the sink does not use the server admin');
  // The sink user's profile forbids DDL; both users see the Sluice database only (and `default`, where the client connects).
  const user = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(usersXml.split('<users>')[1]!)?.[1] ?? '';
  const profile = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(usersXml.split('<profiles>')[1]!.split('</profiles>')[0]!)?.[1] ?? '';
  const sinkUser = user(p.clickhouse!.username);
  assert.match(profile(/<profile>(\w+)<\/profile>/.exec(sinkUser)![1]!), /<allow_ddl>0<\/allow_ddl>/, 'sink profile: allow_ddl 0');
  for (const u of [sinkUser, user(m.clickhouse!.migration!.username)]) assert.match(u, /<allow_databases>\s*<database>sluice<\/database>\s*<database>default<\/database>\s*<\/allow_databases>/);
});

test('compose: Kafka authenticates every connection and authorizes with ACLs, one SCRAM user per role', () => {
  const env = composeEnv(compose.services.kafka);
  assert.doesNotMatch(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!, /:PLAINTEXT\b/, 'no PLAINTEXT listener');
  assert.match(env.KAFKA_AUTHORIZER_CLASS_NAME!, /StandardAuthorizer/);
  assert.equal(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND, 'false');
  const init = [compose.services['kafka-init'].command].flat().join('\n');
  const users = new Map<string, string>();
  for (const [name, s] of composeSluice) {
    const c = configOf({ where: name, role: s.command[0], env: composeEnv(s), ports: [] });
    if (!c.kafka) continue;
    assert.equal(c.kafka.sasl?.mechanism, 'scram-sha-512', `${name}: SCRAM`);
    users.set(kafkaRole(roleOf(s.command)), c.kafka.sasl!.username!);
    assert.match(init, new RegExp(`user ${c.kafka.sasl!.username} ${c.kafka.sasl!.password}\\b`), `${name}: kafka-init creates its SCRAM user`);
    assert.match(init, new RegExp(`User:${c.kafka.sasl!.username}\\b`), `${name}: kafka-init grants it ACLs`);
  }
  assert.notEqual(users.get('collector'), users.get('processor'), 'one user per role');
});

test('kustomization.yaml lists every manifest', () => {
  const kustomization: Y = parse(read('k8s/kustomization.yaml'));
  assert.deepEqual([...kustomization.resources].sort(), [...k8sFiles].sort());
  assert.equal(kustomization.namespace, 'sluice');
});

test('each follow-mode collector names a source its collector type has, and a flag the CLI knows', () => {
  const program = buildProgram();
  const known = new Set(program.commands.find((c) => c.name() === 'collector')!.options.map((o) => o.long));
  const commands = [
    ...composeSluice.map(([name, s]) => [`compose ${name}`, s.command as string[]] as const),
    ...workloads.filter((w) => !w.variant).flatMap((w) => containers(w).map((c) => [`k8s ${workloadName(w)}/${c.name}`, c.args as string[]] as const)),
  ].filter(([, args]) => roleOf(args) === 'collector:follow');
  assert.ok(commands.length >= 4);
  for (const [where, args] of commands) {
    assert.doesNotThrow(() => followSourceFor(args[1]!, followValue(args) === 'sqs' && !args.includes('sqs') ? true : followValue(args)), `${where}: a follow source of ${args[1]}`);
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(known.has(flag), `${where}: ${flag} is an option of sluice collector`);
  }
});

test('the audit webhook: its config file is valid, its tokens, certificate and config are mounted where the config says, and only its port is open', () => {
  // k8s: the ConfigMap's config.yaml, read as `--config` reads it.
  const deployment = find('Deployment', 'sluice-collector-k8s-audit', 'sluice');
  const c = containers(deployment)[0];
  const configPath = c.args[c.args.indexOf('--config') + 1];
  const mountOf = (path: string): Y => c.volumeMounts.find((m: Y) => path.startsWith(`${m.mountPath}/`));
  const configMount = mountOf(configPath);
  const cm = find('ConfigMap', podSpec(deployment).volumes.find((v: Y) => v.name === configMount.name).configMap.name, 'sluice');
  const file: Y = parse(cm.data[posix.basename(configPath)]);
  const config = resolveConfig(file);
  const webhook = config.collectors.k8s_audit?.webhook as Y;
  assert.ok(webhook, 'collectors.k8s_audit.webhook');
  for (const [what, path, secret] of [['tokensFile', webhook.tokensFile, 'sluice-k8s-audit-webhook-tokens'], ['tls.certFile', webhook.tls.certFile, 'sluice-k8s-audit-webhook-tls'], ['tls.keyFile', webhook.tls.keyFile, 'sluice-k8s-audit-webhook-tls']]) {
    const m = mountOf(path);
    assert.ok(m, `${what} ${path} is under a volume mount`);
    const volume = podSpec(deployment).volumes.find((v: Y) => v.name === m.name);
    assert.equal(volume.secret?.secretName, secret, `${what} comes from the Secret ${secret}`);
    const example = find('Secret', secret, 'sluice');
    assert.ok(example, `${SECRET_EXAMPLE} shows the Secret ${secret}`);
    assert.ok(posix.relative(m.mountPath, path) in { ...example.stringData, ...example.data }, `${secret} has the key ${posix.relative(m.mountPath, path)}`);
  }
  const port = c.ports.find((p: Y) => p.containerPort === webhook.port);
  assert.ok(port, 'the container declares the webhook port');
  const service = find('Service', 'sluice-k8s-audit-webhook', 'sluice');
  assert.equal(service.spec.ports[0].targetPort, port.name, 'the Service targets the webhook port');
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  const ingress = liveDocs.filter((d) => d.kind === 'NetworkPolicy' && (d.spec.policyTypes ?? []).includes('Ingress') && d.spec.ingress);
  const opened = ingress.filter((p) => Object.entries<string>(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => podTemplate(deployment).metadata.labels[k] === v));
  assert.deepEqual(opened.flatMap((p) => p.spec.ingress.flatMap((r: Y) => r.ports.map((x: Y) => x.port))), [webhook.port], 'ingress to the webhook port only');
  // compose: the inline config file and the token secret.
  const svc = compose.services['sluice-collector-k8s-audit'];
  const composeConfig = resolveConfig(parse(compose.configs[svc.configs[0].source].content));
  const w = composeConfig.collectors.k8s_audit?.webhook as Y;
  assert.equal(w.tokensFile, `/run/secrets/${svc.secrets[0].target}`, 'compose: tokensFile is the mounted secret');
  assert.ok(compose.secrets[svc.secrets[0].source].environment, 'compose: the tokens come from a variable, not from this file');
  assert.ok(svc.ports.some((p: string) => p.endsWith(`:${w.port}`)), 'compose: the webhook port is published');
});

test('pods that call cloud APIs are allowed HTTPS out; the remediator has ACLs for both of its consumer groups', () => {
  const policies = liveDocs.filter((d) => d.kind === 'NetworkPolicy');
  for (const w of workloads.filter((w) => !w.variant)) {
    const labels = podTemplate(w).metadata.labels;
    const roles = containers(w).map((c) => roleOf(c.args));
    const callsCloud = roles.some((r) => r === 'remediator' || r === 'enforcer') || containers(w).some((c) => roleOf(c.args) === 'collector:follow' && followValue(c.args) !== 'webhook');
    assert.equal(labels['sluice.io/egress-cloud-apis'] === 'true', callsCloud, `${workloadName(w)}: egress-cloud-apis label`);
    if (!callsCloud) continue;
    const open = policies
      .filter((p) => Object.entries<string>(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && p.spec.egress)
      .flatMap((p) => p.spec.egress.flatMap((r: Y) => r.ports.map((x: Y) => x.port)));
    assert.ok(open.includes(443), `${workloadName(w)}: HTTPS egress`);
  }
  const init = [compose.services['kafka-init'].command].flat().join('\n');
  const defaults = resolveConfig().remediation;
  for (const group of [defaults.groupId, defaults.resultsGroupId]) {
    assert.match(init, new RegExp(`User:sluice-remediator --operation Read --group ${group}\\b`), `kafka-init: remediator reads in group ${group}`);
  }
  assert.match(init, new RegExp(`User:sluice-remediator --operation Read --operation Describe --topic ${TOPICS.actionResults}\\b`));
});

test('the Kinesis follow role: one replica, Recreate, its checkpoint file on a persistent volume it can write', () => {
  const deployment = find('Deployment', 'sluice-collector-cloudtrail-kinesis', 'sluice');
  assert.equal(deployment.spec.replicas, 1, 'one writer per checkpoint file');
  assert.equal(deployment.spec.strategy.type, 'Recreate', 'the old pod stops before the new one starts');
  const c = containers(deployment)[0];
  assert.equal(followValue(c.args), 'kinesis');
  const file = c.args[c.args.indexOf('--checkpoint-file') + 1];
  const mount = c.volumeMounts.find((m: Y) => file.startsWith(`${m.mountPath}/`));
  assert.ok(mount && !mount.readOnly, `the checkpoint file ${file} is on a writable mount`);
  const claim = podSpec(deployment).volumes.find((v: Y) => v.name === mount.name).persistentVolumeClaim?.claimName;
  assert.ok(find('PersistentVolumeClaim', claim, 'sluice'), `the PVC ${claim} exists`);
  assert.equal(podSpec(deployment).securityContext.fsGroup, 10001, 'the volume is writable by uid 10001');
});

test('the Event Hubs, Azure Blob and GCS follow roles: their config files are valid, secrets come from Secrets or variables, state files sit on writable persistent volumes', () => {
  const ctxOf = (config: unknown) => ({ config: resolveConfig(config as Parameters<typeof resolveConfig>[0]), logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'deploy-test' }) });
  const check = { eventhubs: eventHubsFollowConfig, 'azure-blob': azureBlobFollowConfig, gcs: (ctx: Parameters<typeof gcsFollowConfig>[0]) => gcsFollowConfig(ctx) } as const;
  const stateful = new Set(['azure-blob', 'gcs']);
  const checked: string[] = [];
  for (const w of workloads.filter((w) => !w.variant)) {
    const c = containers(w)[0];
    const source = followValue(c.args) as keyof typeof check;
    if (roleOf(c.args) !== 'collector:follow' || !(source in check)) continue;
    const where = workloadName(w);
    // The ConfigMap's config.yaml, read as `--config` reads it, with the connection strings from the (example) Secrets.
    const configPath: string = c.args[c.args.indexOf('--config') + 1];
    const mount = c.volumeMounts.find((m: Y) => configPath.startsWith(`${m.mountPath}/`));
    const cm = find('ConfigMap', podSpec(w).volumes.find((v: Y) => v.name === mount.name).configMap.name, 'sluice');
    const env = k8sEnv(c, 'sluice');
    const resolved = check[source](ctxOf(parse(cm.data[configPath.slice(mount.mountPath.length + 1)])), env) as { stateFile?: string };
    checked.push(`k8s ${source}`);
    for (const e of c.env ?? []) {
      if (e.name.includes('CONNECTION_STRING')) assert.ok(e.valueFrom?.secretKeyRef, `${where}: ${e.name} from a Secret, never a literal`);
    }
    if (!stateful.has(source)) continue;
    assert.equal(w.spec.replicas, 1, `${where}: one writer per state file`);
    assert.equal(w.spec.strategy.type, 'Recreate', `${where}: the old pod stops before the new one starts`);
    const stateMount = c.volumeMounts.find((m: Y) => resolved.stateFile!.startsWith(`${m.mountPath}/`));
    assert.ok(stateMount && !stateMount.readOnly, `${where}: the state file ${resolved.stateFile} is on a writable mount`);
    const claim = podSpec(w).volumes.find((v: Y) => v.name === stateMount.name).persistentVolumeClaim?.claimName;
    assert.ok(find('PersistentVolumeClaim', claim, 'sluice'), `${where}: the PVC ${claim} exists`);
    assert.equal(podSpec(w).securityContext.fsGroup, 10001, `${where}: the volume is writable by uid 10001`);
  }
  // compose: each inline config is valid once its variables take their defaults; connection strings are variables.
  for (const [name, s] of composeSluice.filter(([, s]) => roleOf(s.command) === 'collector:follow')) {
    const source = followValue(s.command) as keyof typeof check;
    for (const k of Object.keys(composeEnv(s)).filter((k) => k.includes('CONNECTION_STRING'))) {
      assert.match(String(compose.services[name].environment[k]), /^\$\{[A-Z_]+:-\}$/, `compose ${name}: ${k} from a Compose variable`);
    }
    if (!(source in check) || !s.configs) continue;
    const content = interpolateDefaults(compose.configs[s.configs[0].source].content);
    const env = Object.fromEntries(Object.keys(composeEnv(s)).filter((k) => k.includes('CONNECTION_STRING')).map((k) => [k, 'from-a-compose-variable']));
    const resolved = check[source](ctxOf(parse(content)), env) as { stateFile?: string };
    checked.push(`compose ${source}`);
    if (stateful.has(source)) {
      const vol = (s.volumes ?? []).map((v: string) => v.split(':').at(-1)).find((m: string) => resolved.stateFile!.startsWith(`${m}/`));
      assert.ok(vol, `compose ${name}: the state file ${resolved.stateFile} is on a mounted volume`);
    }
  }
  assert.deepEqual(checked.sort(), ['compose azure-blob', 'compose eventhubs', 'compose gcs', 'k8s azure-blob', 'k8s eventhubs', 'k8s gcs']);
});
