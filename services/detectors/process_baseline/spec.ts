import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { ProcessBaselineConfig, type ProcessBaselineSettings } from './config.ts';
import type { ProcessBaselineState } from './state.ts';

/** The detector's spec: consumes the `process` stream, keyed by application (the key of its flows). */
export const processBaselineSpec = lazyDetectorSpec<'process', ProcessBaselineSettings, ProcessBaselineState>(
  {
    name: 'process_baseline',
    stream: 'process',
    description:
      'Learns which binaries each application runs (per version, with their parents) from Tetragon process events, then reports a binary outside that baseline; reports at any time a shell or network tool spawned by a server process.',
    configSchema: ProcessBaselineConfig,
    stateful: true,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.ProcessBaselineDetector),
);
