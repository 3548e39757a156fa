import { implementationIn, type DetectorSpec } from '../../core/components.ts';
import { DlpConfig } from './config.ts';
import type { DlpObjectState } from './state.ts';

const implementation = implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.DlpDetector);

/** The dlp detector's spec: consumes object_chunk, keyed by object reference. */
export const dlpSpec = {
  kind: 'detector',
  name: 'dlp',
  stream: 'object_chunk',
  description:
    'Finds validated sensitive data (cards, SSNs, IBANs, e-mails, phones, cloud credentials, private keys, tokens, user patterns) in object content across chunk borders; masked evidence, object verdicts, policy actions.',
  configSchema: DlpConfig,
  load: async () => void (await implementation.load()),
  create: (config, ctx) => new (implementation.get())(config, ctx),
} satisfies DetectorSpec<'object_chunk', DlpConfig, DlpObjectState>;
