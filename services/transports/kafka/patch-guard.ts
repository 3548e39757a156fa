import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SluiceError } from '../../core/errors.ts';

const MARKER = 'SLUICE-PATCH(kafkajs-2.2.4-leader-move)';

/**
 * kafkajs 2.2.4 loses acknowledged messages when a partition's leader moves during a send
 * (producer/sendMessages.js skipped brokers that had already answered). kafkajs+2.2.4.patch
 * (services/transports/kafka/patches/) fixes it and is applied by `npm ci` (postinstall: patch-package). Refuse to run without it.
 */
export function assertKafkajsPatched(): void {
  const require = createRequire(import.meta.url);
  const file = require.resolve('kafkajs/src/producer/sendMessages.js');
  if (!readFileSync(file, 'utf8').includes(MARKER)) {
    throw new SluiceError(
      'SLUICE_ERR_TRANSPORT_KAFKAJS_UNPATCHED',
      `kafkajs at ${file} lacks the leader-move fix; run \`npm ci\` (its postinstall applies services/transports/kafka/patches/kafkajs+2.2.4.patch)`,
    );
  }
}
