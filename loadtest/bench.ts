/**
 * `npm run bench -- <name> [options]`: benchmarks that print JSON numbers. Speed and memory targets
 * live here, not in unit tests. Names: normalize, pipeline, runtime, flows, flows-eval, dlp, detect, activity-eval, posture, vulns, startup, produce, clickhouse, kafka-requests.
 */
import { runNormalizeBench } from './normalize.bench.ts';
import { runPipelineBench } from './pipeline.bench.ts';
import { runRuntimeBench } from './runtime.bench.ts';
import { runFlowsBench } from './flows/bench.ts';
import { runFlowsEval } from './flows/eval.ts';
import { runDlpBench } from './dlp/dlp.bench.ts';
import { runDetectBench } from './detect.bench.ts';
import { runActivityEval } from './activity/eval.ts';
import { runPostureBench } from '../services/scan/index.ts';
import { runVulnsBench } from './vulns.bench.ts';
import { runStartupBench } from './startup.bench.ts';
import { runProduceBench } from './produce.bench.ts';
import { runClickHouseBench } from './clickhouse.bench.ts';
import { runKafkaRequestsBench } from './kafka-requests.bench.ts';

const BENCHES: Record<string, (args: string[]) => Promise<unknown>> = {
  normalize: runNormalizeBench,
  pipeline: runPipelineBench,
  runtime: runRuntimeBench,
  flows: runFlowsBench,
  'flows-eval': runFlowsEval,
  dlp: runDlpBench,
  posture: runPostureBench,
  vulns: runVulnsBench,
  startup: runStartupBench,
  produce: runProduceBench,
  clickhouse: runClickHouseBench,
  'kafka-requests': runKafkaRequestsBench,
  detect: runDetectBench,
  'activity-eval': async (args: string[]) => {
    // The signature pack next to principal_anomaly: findings of either count for an attack.
    const { signaturesSpec } = await import('../services/detectors/signatures/index.ts');
    const { MemoryKeyedState } = await import('../services/core/state.ts');
    const { SignaturesConfig } = await import('../services/detectors/signatures/index.ts');
    const signatures = signaturesSpec.create(SignaturesConfig.parse({}), { clock: { now: () => 0 }, state: new MemoryKeyedState(), emit: () => undefined });
    return runActivityEval(args, [signatures]);
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
  process.exit(2);
}
const result = await bench(args);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
