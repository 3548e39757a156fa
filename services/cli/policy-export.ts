/**
 * `sluice policy export --namespace <ns> [--format networkpolicy|cilium] --input <flows file>...`:
 * reads Hubble flow files through the hubble_flows collector, learns baselines offline and returns
 * the namespace's policies as YAML. The CLI (owned elsewhere) registers the command and prints it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hubbleFlowsCollector } from '../collectors/hubble_flows/index.ts';
import { SluiceError } from '../core/errors.ts';
import type { NetworkFlow } from '../core/model/network-flow.ts';
import type { FlowBaselineConfigInput } from '../detectors/flow_baseline/config.ts';
import { exportPolicyYaml, learnBaselines, type PolicyFormat } from '../detectors/flow_baseline/policy-export.ts';

/** Options of `sluice policy export`. */
export interface PolicyExportCommandOptions {
  namespace: string;
  format: PolicyFormat;
  /** Hubble flow files (`hubble observe -o json`, NDJSON, JSON arrays, gzip), or directories of them. */
  input: string[];
  /** Only this cluster's workloads (default: merge the namespace across clusters). */
  cluster?: string | undefined;
  /** Detector settings used while learning (sources, inbound, limits...). */
  config?: FlowBaselineConfigInput | undefined;
}

const FLOW_FILE = /\.(jsonl?|ndjson|json\.gz|jsonl\.gz|gz)$/;

function inputFiles(paths: readonly string[]): string[] {
  if (paths.length === 0) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'policy export needs at least one --input file');
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new SluiceError('SLUICE_ERR_INPUT_NOT_FOUND', `input ${p} does not exist`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const f = join(p, name);
        if (FLOW_FILE.test(name) && statSync(f).isFile()) out.push(f);
      }
    } else {
      out.push(p);
    }
  }
  return out;
}

/**
 * Reads the flow files, learns the baselines and returns the policy YAML for the namespace. The
 * header comments say how many flows were read and rejected; rejected records do not stop it.
 */
export async function policyExportCommand(options: PolicyExportCommandOptions): Promise<string> {
  if (options.format !== 'networkpolicy' && options.format !== 'cilium') {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--format must be networkpolicy or cilium, got ${JSON.stringify(String(options.format).slice(0, 40))}`);
  }
  const files = inputFiles(options.input);
  const collector = hubbleFlowsCollector();
  const counts = { files: files.length, flows: 0, rejected: 0 };
  function* flows(): Generator<NetworkFlow> {
    for (const file of files) {
      for (const out of collector.collect({ name: basename(file), bytes: readFileSync(file) })) {
        if (out.kind === 'event' && out.stream === 'flow') {
          counts.flows++;
          yield out.event;
        } else {
          counts.rejected++;
        }
      }
    }
  }
  const baselines = learnBaselines(flows(), options.config);
  return exportPolicyYaml(baselines, { namespace: options.namespace, format: options.format, cluster: options.cluster }, [
    `Learned from ${counts.flows} flow(s) in ${counts.files} file(s); ${counts.rejected} record(s) rejected; ${baselines.size} source workload(s).`,
  ]);
}
