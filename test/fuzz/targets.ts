/**
 * What the fuzz suite feeds and what it accepts back, per external input. A target's `check`
 * returns 'accepted' or 'rejected' (a dead letter or a SluiceError with a documented code); any
 * other throw, an output that breaks its contract, or an unclear rejection fails the suite.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseAllDocuments } from 'yaml';
import { join } from 'node:path';
import type { CollectorOutput, CollectorSpec } from '../../services/core/components.ts';
import { ERROR_CODES, SluiceError } from '../../services/core/errors.ts';
import { corpus, type Seed } from './corpus.ts';

// Each target imports what it fuzzes when it starts (a worker runs one target: it loads only that).
const collectorSpecs = async (): Promise<readonly CollectorSpec[]> => (await import('../../services/collectors/registry.ts')).COLLECTOR_SPECS;

export type Outcome = 'accepted' | 'rejected';

export interface FuzzTarget {
  readonly name: string;
  /** Seeds, each fuzzed with mutations of its own syntax. */
  readonly seeds: () => Seed[] | Promise<Seed[]>;
  check(input: Seed, seedIndex: number): Outcome | Promise<Outcome>;
  /** Run once before the timed inputs (thread pools, rule compilation). */
  warmUp?(): Promise<void>;
  close?(): Promise<void>;
}

/** A thrown error is a clear rejection only as a SluiceError with a documented code and a message. */
export function rejection(err: unknown, what: string): Outcome {
  if (err instanceof SluiceError && err.code in ERROR_CODES && err.message.length > 0) return 'rejected';
  const e = err as Error;
  throw new Error(`${what} threw ${e?.name ?? typeof err} (not a SluiceError): ${e?.message ?? String(err)}\n${e?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`);
}

/** Checks a collector's outputs for one input: events on its streams with a key, dead letters with a documented code and a reason. */
function checkOutputs(spec: CollectorSpec, outs: CollectorOutput[]): Outcome {
  let events = 0;
  for (const o of outs) {
    if (o.kind === 'dead_letter') {
      if (!(o.reasonCode in ERROR_CODES)) throw new Error(`${spec.type}: dead letter with an undocumented code ${o.reasonCode}`);
      if (!o.reason) throw new Error(`${spec.type}: dead letter ${o.reasonCode} without a reason`);
    } else if (o.kind === 'event') {
      if (!spec.streams.includes(o.stream)) throw new Error(`${spec.type}: event on stream ${o.stream}, not one of ${spec.streams.join(', ')}`);
      if (typeof o.key !== 'string') throw new Error(`${spec.type}: event without a string key`);
      JSON.stringify(o.event); // serializable: no BigInt, no cycles
      events++;
    }
  }
  return events > 0 ? 'accepted' : 'rejected';
}

/**
 * Collectors whose README documents inputs that yield nothing: config_files (a file with no
 * resource), object_storage (an empty object), tetragon (events that are neither network calls nor
 * process exec/exit, e.g. other kprobes and tracepoints: dead-lettering them would flood the DLQ).
 */
const MAY_YIELD_NOTHING = new Set(['config_files', 'object_storage', 'tetragon']);

const collectorsByType = new Map<string, ReturnType<CollectorSpec['create']>>();

function collectorCheck(spec: CollectorSpec, input: Seed): Outcome {
  let collector = collectorsByType.get(spec.type);
  if (!collector) collectorsByType.set(spec.type, (collector = spec.create({})));
  let outs: CollectorOutput[];
  try {
    outs = [...collector.collect({ name: input.name, bytes: input.bytes })];
  } catch (err) {
    return rejection(err, `${spec.type}.collect(${input.name})`);
  }
  if (outs.length === 0 && input.bytes.toString('utf8').trim() !== '' && !MAY_YIELD_NOTHING.has(spec.type)) {
    throw new Error(`${spec.type}: ${input.name} gave no event and no dead letter (a silent loss)`);
  }
  return checkOutputs(spec, outs);
}

let specs: readonly CollectorSpec[] = [];
const spec = (type: string): CollectorSpec => {
  const s = specs.find((c) => c.type === type);
  if (!s) throw new Error(`no collector ${type}`);
  return s;
};
const loadSpecs = async (): Promise<void> => {
  specs = await collectorSpecs();
};

/** Every collector: its fixture records (test/collectors/seeds.ts) plus corpus/collectors/<type>-*; object_storage its corpus files. */
const collectors: FuzzTarget = (() => {
  const owner: string[] = [];
  return {
    name: 'collectors',
    seeds: async () => {
      await loadSpecs();
      const { seedTexts, SEED_FILES } = await import('../collectors/seeds.ts');
      const seeds: Seed[] = [];
      for (const s of specs) {
        const texts = s.type in SEED_FILES ? seedTexts(s.type).slice(0, 6) : [];
        const ext = s.type === 'vpc_flow_logs' ? 'log' : 'json';
        texts.forEach((t, i) => {
          seeds.push({ name: `${s.type}-${i}.${ext}`, bytes: Buffer.from(t) });
          owner.push(s.type);
        });
      }
      for (const seed of corpus('collectors')) {
        const type = specs.find((s) => seed.name.startsWith(`${s.type}-`))?.type;
        if (!type) throw new Error(`corpus/collectors/${seed.name}: name it <collector type>-<anything>`);
        seeds.push({ name: seed.name.slice(type.length + 1), bytes: seed.bytes });
        owner.push(type);
      }
      return seeds;
    },
    check: (input, i) => collectorCheck(spec(owner[i]!), input),
  };
})();

const withSpecs = async (target: string): Promise<Seed[]> => {
  await loadSpecs();
  return corpus(target);
};
const iac: FuzzTarget = { name: 'iac', seeds: () => withSpecs('iac'), check: (input) => collectorCheck(spec('config_files'), input) };
const sbom: FuzzTarget = { name: 'sbom', seeds: () => withSpecs('sbom'), check: (input) => collectorCheck(spec('sbom'), input) };

const scratch = (): string => mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));

const sigma: FuzzTarget = (() => {
  let dir: string | undefined;
  let importSigma: typeof import('../../services/rules/sigma/index.ts').importSigma;
  return {
    name: 'sigma',
    seeds: async () => {
      ({ importSigma } = await import('../../services/rules/sigma/index.ts'));
      return corpus('sigma');
    },
    check: (input) => {
      dir ??= scratch();
      const file = join(dir, 'rule.yml');
      writeFileSync(file, input.bytes);
      let result: ReturnType<typeof importSigma>;
      try {
        result = importSigma([file]);
      } catch (err) {
        return rejection(err, 'importSigma');
      }
      const converted = /^rules:/m.test(result.yaml);
      const problems = result.report.filter((r) => !r.problem.startsWith('note:'));
      for (const p of problems) if (!p.problem.trim()) throw new Error('importSigma reported an empty problem');
      if (!converted && problems.length === 0) {
        // Only a file whose documents are all empty (null) may yield neither a rule nor a report line.
        const docs = parseAllDocuments(input.bytes.toString('utf8'));
        const empty = (d: (typeof docs)[number]): boolean => {
          try {
            return d.errors.length === 0 && (d.toJS() ?? null) === null;
          } catch {
            return false;
          }
        };
        const allEmpty = docs.every(empty);
        if (!allEmpty) throw new Error(`importSigma converted nothing and reported nothing for: ${input.bytes.toString('utf8').slice(0, 200)}`);
      }
      return converted ? 'accepted' : 'rejected';
    },
  };
})();

/** The secret of the config seeds: it must never appear in an error message. */
export const CONFIG_SEED_SECRET = 'fuzz-clickhouse-secret-7f3a9c';

const config: FuzzTarget = (() => {
  let dir: string | undefined;
  let loadConfig: typeof import('../../services/cli/config.ts').loadConfig;
  return {
    name: 'config',
    seeds: async () => {
      ({ loadConfig } = await import('../../services/cli/config.ts'));
      return corpus('config');
    },
    check: (input) => {
      dir ??= scratch();
      const file = join(dir, 'sluice.yaml');
      writeFileSync(file, input.bytes);
      try {
        loadConfig({ file, env: {} });
        return 'accepted';
      } catch (err) {
        if (err instanceof SluiceError && err.code !== 'SLUICE_ERR_CONFIG_INVALID') throw new Error(`loadConfig rejected with ${err.code}, not SLUICE_ERR_CONFIG_INVALID`);
        if (err instanceof Error && err.message.includes(CONFIG_SEED_SECRET)) throw new Error(`loadConfig's error prints the password: ${err.message.slice(0, 300)}`);
        return rejection(err, 'loadConfig');
      }
    },
  };
})();

const TOKEN = 'fuzz-token-0123456789abcdef';
const scanServer: FuzzTarget = (() => {
  let app: import('fastify').FastifyInstance | undefined;
  return {
    name: 'scan-server',
    seeds: () => corpus('scan-server'),
    warmUp: async () => {
      const { buildScanServer } = await import('../../services/scan/server.ts');
      app ??= buildScanServer({ token: TOKEN, threads: 1, maxQueue: 8, scanTimeoutMs: 20_000, bodyLimitBytes: 1024 * 1024 });
      const res = await app.inject({ method: 'POST', url: '/v1/scan', headers: { authorization: `Bearer ${TOKEN}` }, payload: { files: [{ name: 'a.yaml', content: 'a: 1' }] } });
      if (res.statusCode !== 200) throw new Error(`warm-up scan answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    },
    check: async (input) => {
      if (!app) throw new Error('scan-server: not warmed up');
      const res = await app.inject({ method: 'POST', url: '/v1/scan', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: input.bytes });
      if (![200, 400, 413, 415, 503].includes(res.statusCode)) throw new Error(`POST /v1/scan answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      if (res.statusCode !== 200) {
        const body = res.json() as { error?: unknown; message?: unknown };
        if (typeof body.error !== 'string' || typeof body.message !== 'string' || !body.message) throw new Error(`a ${res.statusCode} without a clear error: ${res.body.slice(0, 300)}`);
        return 'rejected';
      }
      return 'accepted';
    },
    close: async () => {
      if (!app) return;
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      if (health.statusCode !== 200) throw new Error(`/healthz answered ${health.statusCode} after the fuzzing`);
      await app.close();
    },
  };
})();

export const TARGETS: Record<string, FuzzTarget> = Object.fromEntries([collectors, iac, sbom, sigma, config, scanServer].map((t) => [t.name, t]));
