import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { ConfigDriftConfig } from './config.ts';
import type { DriftState } from './state.ts';

/** The config_drift detector: per-resource configuration history, structured diffs, risky-change findings. */
export const configDriftSpec = lazyDetectorSpec<'config', ConfigDriftConfig, DriftState>(
  {
    name: 'config_drift',
    stream: 'config',
    description:
      'Configuration drift per resource: current configuration and baseline (first seen or approved), a structured masked diff on each change, and a finding for each risky change (world-open ports, public access block removed, encryption or logging off, public policies, privileged pods, cluster-admin bindings), deletions and re-creations.',
    configSchema: ConfigDriftConfig,
    takesControl: true,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.ConfigDriftDetector),
);
