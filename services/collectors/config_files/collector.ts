import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { ConfigFilesConfig } from './config.ts';
import { parseConfigFile } from './parse.ts';
import { SOURCE_TYPE } from './resource.ts';

/**
 * Builds the collector from an already validated config (see parseConfigFilesConfig). Each input
 * is one file; its resources come out as events on the 'config' stream keyed by resource uid
 * (`iac:<file>#<id>`), stamped with the clock's time (a Terraform plan's own timestamp wins).
 * collect() never throws on bad input.
 */
export function createConfigFilesCollector(config: ConfigFilesConfig, clock: Clock = systemClock): Collector {
  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const outputs = parseConfigFile(input.name, input.bytes, {
      time: clock.now(),
      rawCapBytes: config.rawCapBytes,
      unmappedCapBytes: config.unmappedCapBytes,
      maxConfigurationBytes: config.maxConfigurationBytes,
      maxFileBytes: config.maxFileBytes,
      maxDecompressedBytes: config.maxDecompressedBytes,
    });
    yield* outputs;
    // A file with content but no resource at all (`[]`, `null`, only empty documents) still leaves a
    // trace: a FILTERED dead letter, which `sluice scan` reports as skipped, not as an error.
    if (outputs.length === 0 && hasContent(input.bytes)) {
      yield {
        kind: 'dead_letter',
        stage: 'collect',
        source: SOURCE_TYPE,
        position: `${input.name}#0`,
        reasonCode: 'SLUICE_ERR_INPUT_FILTERED',
        reason: 'the file holds no resource (empty list, null or empty documents only)',
        raw: input.bytes,
      };
    }
  }
  return { type: SOURCE_TYPE, collect };
}

/**
 * True when the bytes hold more than whitespace, YAML comments and document markers. Binary bytes
 * (control characters YAML forbids, or invalid UTF-8) count as content even behind a `#`.
 */
function hasContent(bytes: Buffer): boolean {
  const text = bytes.subarray(0, 64 * 1024).toString('utf8');
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(text)) return true;
  return text.split('\n').some((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('#') && t !== '---' && t !== '...';
  });
}
