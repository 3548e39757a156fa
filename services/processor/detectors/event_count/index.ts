export { EventCountDetector, DETECTOR_NAME } from './detector.ts';
export { EventCountConfig } from '../../../core/config.ts';
