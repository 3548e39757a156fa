/**
 * The enforcer role's wiring: flow_baseline's policy builders handed to the enforcer (remediation
 * may import only core; the CLI may import the detectors), the target from the config, and the
 * role itself: consume topics.enforcement until SIGTERM/SIGINT.
 */
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { SluiceConfig } from '../core/config.ts';
import { parsePeer } from '../detectors/flow_baseline/identity.ts';
import { ciliumPolicies } from '../detectors/flow_baseline/policy-cilium.ts';
import { applicationSelector, type PolicyConnection, type PolicyEnd, type PolicyModel, type PolicyWorkload } from '../detectors/flow_baseline/policy-connections.ts';
import { networkPolicies } from '../detectors/flow_baseline/policy-networkpolicy.ts';
import type { EnforcementPolicyBuilders, PolicyObject } from '../remediation/enforcement/builders.ts';
import type { DecisionEdge, DecisionWorkload } from '../remediation/enforcement/decision.ts';
import { EnforcerService } from '../remediation/enforcement/service.ts';
import { DirectoryTarget, IN_CLUSTER_CA, inClusterServer, KubernetesApplyTarget, type EnforcementTarget } from '../remediation/enforcement/targets.ts';
import { ActionResultWriter } from '../remediation/results.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

/**
 * flow_baseline's builders over a model of one workload whose whole baseline is the decision's edge
 * (or empty: a default deny). Its selector is the application selector the baseline policies use.
 */
export const flowBaselineBuilders: EnforcementPolicyBuilders = {
  allowPolicy(format: 'cilium' | 'networkpolicy', w: DecisionWorkload, edge: DecisionEdge | null) {
    const warnings: string[] = [];
    const self: PolicyWorkload = { id: `${w.namespace}/${w.kind}/${w.name}`, namespace: w.namespace, kind: w.kind, name: w.name, labels: applicationSelector(w.labels), hasState: true, dnsNames: [] };
    const workloads = new Map<string, PolicyWorkload>([[self.id, self]]);
    const connections: PolicyConnection[] = [];
    if (edge) {
      const peer = parsePeer(edge.peer);
      let end: PolicyEnd;
      if (peer.type === 'unknown') return { policy: null, warnings: [`peer ${edge.peer} has no identity a policy can name`] };
      if (peer.type === 'workload') {
        const id = `${peer.namespace ?? '-'}/${peer.kind}/${peer.name}`;
        // The decision does not carry the peer's pod labels: the builder leaves such a peer out, with a warning.
        if (!workloads.has(id)) workloads.set(id, { id, namespace: peer.namespace ?? '-', kind: peer.kind, name: peer.name, labels: null, hasState: false, dnsNames: [] });
        end = { type: 'workload', id };
      } else {
        end = peer;
      }
      const me: PolicyEnd = { type: 'workload', id: self.id };
      const port = edge.port === null ? '-' : String(edge.port);
      connections.push(edge.direction === 'egress' ? { client: me, server: end, proto: edge.protocol, port } : { client: end, server: me, proto: edge.protocol, port });
    }
    const model: PolicyModel = { workloads, connections, warnings: [] };
    const policies: Array<{ metadata: { annotations?: Record<string, string> } }> = format === 'cilium' ? ciliumPolicies(model, w.namespace, warnings) : networkPolicies(model, w.namespace, warnings);
    const own = policies.find((p) => p.metadata.annotations?.['sluice.dev/workload'] === `${w.kind}/${w.name}`);
    return { policy: (own as unknown as PolicyObject | undefined) ?? null, warnings };
  },
};

/** The target the config names: a directory, or the Kubernetes API (in-cluster unless enforcement.kubernetes.server). */
export function enforcementTarget(config: SluiceConfig): EnforcementTarget {
  const e = config.enforcement;
  if (e.target === 'directory') return new DirectoryTarget(e.outputDir);
  const k = e.kubernetes;
  const server = k.server ?? inClusterServer();
  if (!server) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'enforcement.target is apply but no API server is known: set enforcement.kubernetes.server, or run in a pod (KUBERNETES_SERVICE_HOST)');
  const caFile = k.caFile ?? (existsSync(IN_CLUSTER_CA) ? IN_CLUSTER_CA : undefined);
  return new KubernetesApplyTarget({ server, tokenFile: k.tokenFile, ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}), fieldManager: k.fieldManager });
}

/** Enforcer role: consumes topics.enforcement until SIGTERM/SIGINT. */
export async function runEnforcerRole(ctx: AppContext): Promise<void> {
  if (!ctx.config.kafka) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the enforcer role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  const e = ctx.config.enforcement;
  if (!e.dryRun && !ctx.config.remediation.actionsKey) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'enforcement.dryRun is false but remediation.actionsKey is not set (SLUICE_ACTIONS_KEY): only signed decisions are enforced');
  }
  const target = enforcementTarget(ctx.config);
  const transport = createTransport(ctx);
  let service: EnforcerService | undefined;
  let ready = false;
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    service = new EnforcerService({
      transport,
      deadLetters: new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock),
      results: new ActionResultWriter(producer, ctx.config.topics.actionResults),
      config: ctx.config,
      builders: flowBaselineBuilders,
      target,
      logger: ctx.logger,
      clock: ctx.clock,
    });
    health = await startHealthServer(ctx.config.http.port, async () => ready, ctx.logger);
    const consumer = await service.start();
    ready = true;
    ctx.logger.info({ topic: ctx.config.topics.enforcement, results: ctx.config.topics.actionResults, dryRun: e.dryRun, format: e.format, target: e.target === 'directory' ? e.outputDir : 'kubernetes api' }, 'enforcer consuming');
    await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT'), consumer.done]);
    ctx.logger.info(service.stats, 'enforcer stopping');
  } finally {
    ready = false;
    await service?.stop().catch(() => {});
    await transport.close();
    health?.close();
  }
}
