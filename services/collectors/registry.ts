import type { CollectorSpec } from '../core/components.ts';
import { awsCloudTrailSpec } from './aws_cloudtrail/index.ts';
import { objectStorageSpec } from './object_storage/index.ts';
import { azureActivitySpec } from './azure_activity/index.ts';
import { k8sAuditSpec } from './k8s_audit/index.ts';
import { gcpAuditSpec } from './gcp_audit/index.ts';
import { awsConfigSpec } from './aws_config/index.ts';
import { configFilesSpec } from './config_files/index.ts';
import { hubbleFlowsSpec } from './hubble_flows/index.ts';
import { tetragonSpec } from './tetragon/index.ts';
import { vpcFlowLogsSpec } from './vpc_flow_logs/index.ts';
import { sbomSpec } from './sbom/index.ts';
import { osvSpec } from './osv/index.ts';
import { awsConfigRescanSpec } from './aws_config_rescan/index.ts';
import { awsAccountSpec } from './aws_account/index.ts';

/** Every collector Sluice ships, by type. `--source <type>` picks one; `--source auto` sniffs per record. */
export const COLLECTOR_SPECS: readonly CollectorSpec[] = [
  awsCloudTrailSpec,
  azureActivitySpec,
  k8sAuditSpec,
  gcpAuditSpec,
  awsConfigSpec,
  awsConfigRescanSpec,
  awsAccountSpec,
  configFilesSpec,
  hubbleFlowsSpec,
  tetragonSpec,
  vpcFlowLogsSpec,
  sbomSpec,
  osvSpec,
  objectStorageSpec,
];

export function collectorSpec(type: string): CollectorSpec | undefined {
  return COLLECTOR_SPECS.find((s) => s.type === type);
}
