import { sensitiveOperationSpec } from './spec.ts';

export { SensitiveOperationDetector, DETECTOR_NAME } from './detector.ts';
export { SENSITIVE_RULES } from './rules.ts';
export { SensitiveOperationConfig } from './config.ts';

/** The sensitive_operation detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { sensitiveOperationSpec };
await sensitiveOperationSpec.load?.();
