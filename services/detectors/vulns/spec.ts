import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { VulnsConfig } from './config.ts';
import type { VulnsState } from './state.ts';

/** The vulns detector: SBOM packages x OSV advisories, joined by package in keyed state; rescans on new advisories. */
export const vulnsSpec = lazyDetectorSpec<'image_inventory' | 'advisory', VulnsConfig, VulnsState>(
  {
    name: 'vulns',
    stream: 'advisory',
    alsoReads: ['image_inventory'],
    description:
      'Vulnerable image packages: joins per-package image inventory records with OSV advisories by package identity in keyed state; an OCSF Vulnerability Finding (2002) per (image, package, vulnerability) when an image or an advisory arrives, resolved when the advisory is withdrawn or a fixed version is installed. A new advisory re-evaluates only the images holding its package.',
    configSchema: VulnsConfig,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.VulnsDetector),
);
