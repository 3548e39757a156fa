export { SensitiveOperationConfig } from '../../../core/config.ts';
