import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { FlowBaselineConfig, type FlowBaselineSettings } from './config.ts';
import type { FlowBaselineState } from './state.ts';

/** The detector's spec: consumes the `flow` stream, keyed by source workload identity. */
export const flowBaselineSpec = lazyDetectorSpec<'flow', FlowBaselineSettings, FlowBaselineState>(
  {
    name: 'flow_baseline',
    stream: 'flow',
    description:
      'Learns how each workload talks (peer workload or external endpoint, port, protocol, and from L7 flows its HTTP paths and DNS names) by identity, then alerts on or blocks edges outside that baseline; new image versions inherit it and their new edges are reported as behaviour changes.',
    configSchema: FlowBaselineConfig,
    stateful: true,
    takesControl: true,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.FlowBaselineDetector),
);
