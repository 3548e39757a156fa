/** Flow enforcement: flow_baseline block decisions -> network policies (written or applied). See ../README.md. */
export { EnforcerService, type EnforcerDeps } from './service.ts';
export { parseBlockDecision, type BlockDecision, type DecisionEdge, type DecisionWorkload } from './decision.ts';
export { enforcementManifest, enforcementName, ENFORCEMENT_LABEL, type EnforcementFormat, type ManifestResult } from './manifests.ts';
export { DirectoryTarget, KubernetesApplyTarget, inClusterServer, IN_CLUSTER_CA, manifestYaml, resourcePath, type EnforcementTarget, type KubernetesApiOptions, type TargetOutcome } from './targets.ts';
export type { EnforcementPolicyBuilders, PolicyObject } from './builders.ts';
