/**
 * dlp detector: validated sensitive data (payment cards, SSNs, IBANs, e-mail addresses, phone numbers,
 * cloud and SaaS credentials, private keys, JWTs, keyword-assigned secrets, user patterns) in
 * object-storage content, with masked evidence, object verdicts and policy actions. See README.md.
 */
import { dlpSpec } from './spec.ts';

export { DlpConfig, BUILTIN_DATA_TYPES, BUILTIN_VALIDATORS } from './config.ts';
export type { DlpConfigInput, BuiltinDataType, CustomDetectorConfig, PolicyConfig } from './config.ts';
export { DlpDetector, parseDlpConfig, buildEngine, createDlpDetector } from './detector.ts';
export type { DlpDetectorOptions } from './detector.ts';
export type { DlpObjectState } from './state.ts';
export type { DataSecurityFinding } from './findings.ts';
export { DETECTOR_NAME, VERDICT_RULE } from './findings.ts';

/** The dlp detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { dlpSpec };
await dlpSpec.load();
export { createPrefilter, type PrefilterKind } from './prefilter.ts';
export { makeDecoy, makeSample, Rng } from './samples.ts';
