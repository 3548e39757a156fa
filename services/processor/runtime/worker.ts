import { threadId, workerData } from 'node:worker_threads';
import type { Detector } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { serializeError } from '../../core/errors.ts';
import { buildDetectors } from '../detectors/registry.ts';
import type { ProcessBatchResponse, WorkerInit, WorkerRequest } from './protocol.ts';

/**
 * Piscina worker: runs the detectors of this thread. Detector instances are this thread's state,
 * built once from the init data the pool was started with.
 */
const init = workerData as WorkerInit;
const detectors: readonly Detector<ApiActivity>[] = buildDetectors(init.detectors);

export default function handle(request: WorkerRequest): ProcessBatchResponse {
  const findings: Finding[] = [];
  const failures: ProcessBatchResponse['failures'] = [];
  request.events.forEach(({ event, meta }, index) => {
    for (const detector of detectors) {
      try {
        findings.push(...detector.process(event, meta));
      } catch (err) {
        failures.push({ index, detector: detector.name, error: serializeError(err) });
      }
    }
  });
  return { type: 'processed', requestId: request.requestId, threadId, findings, failures };
}
