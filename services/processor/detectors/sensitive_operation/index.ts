export { SensitiveOperationDetector, DETECTOR_NAME } from './detector.ts';
export { SENSITIVE_RULES } from './rules.ts';
export { SensitiveOperationConfig } from './config.ts';
