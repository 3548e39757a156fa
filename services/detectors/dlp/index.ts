/**
 * dlp detector: validated sensitive data (payment cards, SSNs, IBANs, e-mail addresses, phone numbers,
 * cloud and SaaS credentials, private keys, JWTs, keyword-assigned secrets, user patterns) in
 * object-storage content, with masked evidence, object verdicts and policy actions. See README.md.
 */
import type { DetectorSpec } from '../../core/components.ts';
import { DlpConfig } from './config.ts';
import { DlpDetector } from './detector.ts';
import type { DlpObjectState } from './state.ts';

export { DlpConfig, BUILTIN_DATA_TYPES, BUILTIN_VALIDATORS } from './config.ts';
export type { DlpConfigInput, BuiltinDataType, CustomDetectorConfig, PolicyConfig } from './config.ts';
export { DlpDetector, parseDlpConfig, buildEngine, createDlpDetector } from './detector.ts';
export type { DlpDetectorOptions } from './detector.ts';
export type { DlpObjectState } from './state.ts';
export type { DataSecurityFinding } from './findings.ts';
export { DETECTOR_NAME, VERDICT_RULE } from './findings.ts';

/** The dlp detector's spec: consumes object_chunk, keyed by object reference. */
export const dlpSpec = {
  kind: 'detector',
  name: 'dlp',
  stream: 'object_chunk',
  description:
    'Finds validated sensitive data (cards, SSNs, IBANs, e-mails, phones, cloud credentials, private keys, tokens, user patterns) in object content across chunk borders; masked evidence, object verdicts, policy actions.',
  configSchema: DlpConfig,
  create: (config, ctx) => new DlpDetector(config, ctx),
} satisfies DetectorSpec<'object_chunk', DlpConfig, DlpObjectState>;
export { createPrefilter, type PrefilterKind } from './prefilter.ts';
export { makeDecoy, makeSample, Rng } from './samples.ts';
