/**
 * The dlp detector on the object_chunk stream: per object (the record key), chunks are scanned in
 * order through ObjectScanner; each validated match becomes a masked Data Security finding, and
 * the last chunk brings the object verdict, the policy actions (side outputs) and the deletion of
 * the object's state.
 */
import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import { SEVERITY, type Finding } from '../../core/events.ts';
import { invalidConfigError } from '../../core/config.ts';
import { SluiceError } from '../../core/errors.ts';
import type { ObjectChunk } from '../../core/model/object-chunk.ts';
import { BUILTIN_DETECTORS } from './catalog.ts';
import { DlpConfig, type DlpConfigInput } from './config.ts';
import { customDef } from './custom.ts';
import { asFinding, DETECTOR_NAME, matchFinding, verdictFinding, versionTag, type DataSecurityFinding } from './findings.ts';
import { Masker } from './masking.ts';
import { ObjectScanner } from './object-scan.ts';
import type { PrefilterKind } from './prefilter.ts';
import { ScanEngine } from './scanner.ts';
import { StateSealer, type DlpObjectState } from './state.ts';
import type { DataCategory } from './types.ts';
import { actionEvents, summarize, wantsVerdict } from './verdict.ts';

/** Validates a dlp config (every problem at once, SLUICE_ERR_CONFIG_INVALID) and returns it frozen. */
export function parseDlpConfig(input: unknown = {}): DlpConfig {
  const r = DlpConfig.safeParse(input);
  if (!r.success) throw invalidConfigError('dlp detector configuration', r.error.issues);
  return Object.freeze(r.data);
}

/** The scan engine for a config: the enabled built-in detectors and the custom ones. */
export function buildEngine(config: DlpConfig, prefilter?: PrefilterKind): ScanEngine {
  const disabled = new Set<string>(config.disabledTypes);
  const defs = [...BUILTIN_DETECTORS.filter((d) => !disabled.has(d.id)), ...config.customDetectors.map(customDef)];
  return new ScanEngine({ defs, contextWindow: config.contextWindow, minConfidence: config.minConfidence, prefilter });
}

/** Options for tests and benchmarks. */
export interface DlpDetectorOptions {
  prefilter?: PrefilterKind;
}

/** Scans object chunks for sensitive data; see README.md. */
export class DlpDetector implements Detector<ObjectChunk> {
  readonly name = DETECTOR_NAME;
  readonly engine: ScanEngine;
  private readonly scanner: ObjectScanner;
  private readonly masker: Masker;
  private readonly categories: ReadonlyMap<string, DataCategory>;

  constructor(
    private readonly config: DlpConfig,
    private readonly ctx: DetectorContext<DlpObjectState>,
    options: DlpDetectorOptions = {},
  ) {
    this.engine = buildEngine(config, options.prefilter);
    const sealer = new StateSealer(config.stateEncryptionKey);
    this.scanner = new ObjectScanner(this.engine, sealer, { maxPendingChunks: config.maxPendingChunks, maxPendingBytes: config.maxPendingBytes });
    const carry = this.scanner.carryBound(2);
    if (carry > config.maxCarryBytes) {
      throw invalidConfigError('dlp detector configuration', [
        { path: ['maxCarryBytes'], message: `the detectors need up to ${carry} bytes of carry across chunk borders, more than maxCarryBytes (${config.maxCarryBytes}): raise it or lower customDetectors[].maxLength` },
      ]);
    }
    this.masker = new Masker(config.evidence.mode, config.evidence.hmacKey);
    this.categories = new Map(this.engine.compiled.map((c) => [c.def.id, c.def.category]));
  }

  process(chunk: ObjectChunk, meta: EventMeta): Finding[] {
    if (!this.config.enabled) return [];
    checkChunk(chunk);
    const key = meta.key;
    const o = chunk.object;
    const result = this.scanner.push(this.ctx.state.get(key), versionTag(o), {
      index: chunk.chunk_index,
      offset: chunk.offset,
      size: chunk.content.length,
      isLast: chunk.is_last,
      uid: chunk.metadata.uid,
      time: chunk.time,
      content: chunk.content,
      contentType: o.content_type,
    });
    const st = result.state;
    const out: DataSecurityFinding[] = [];
    for (const m of result.matches) {
      const t = m.def.id;
      st.counts[t] = (st.counts[t] ?? 0) + 1;
      st.severity[t] = Math.max(st.severity[t] ?? 0, SEVERITY[m.severity]);
      if (st.emitted >= this.config.maxFindingsPerObject) {
        st.unemitted++;
        continue;
      }
      st.emitted++;
      const prefix = m.def.publicPrefix?.exec(m.normalized)?.[0] ?? '';
      out.push(matchFinding(m, o, key, this.masker.mask(m.normalized, prefix)));
    }
    if (result.done) {
      const v = summarize(st, this.config.policies, this.categories, chunk.metadata.uid);
      if (wantsVerdict(this.config.verdicts, v)) {
        const verdict = verdictFinding(v, o, key, chunk.time);
        out.push(verdict);
        for (const a of actionEvents(v, this.config.policies, o, key, verdict.id, chunk.time)) this.ctx.emit(a);
      }
      this.ctx.state.delete(key);
    } else {
      this.ctx.state.set(key, st);
    }
    return out.map(asFinding);
  }
}

/** A chunk the detector cannot read at all is a broken event (dead-lettered by the runtime). The message names fields, never content. */
function checkChunk(c: ObjectChunk): void {
  const bad: string[] = [];
  if (!Buffer.isBuffer(c.content)) bad.push('content is not bytes');
  if (!Number.isSafeInteger(c.chunk_index) || c.chunk_index < 0) bad.push('chunk_index');
  if (!Number.isSafeInteger(c.offset) || c.offset < 0) bad.push('offset');
  if (typeof c.object !== 'object' || c.object === null || typeof c.object.content_type !== 'string') bad.push('object');
  if (typeof c.metadata?.uid !== 'string') bad.push('metadata.uid');
  if (bad.length > 0) throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `object chunk is malformed: ${bad.join(', ')}`);
}

/** Builds the detector from raw config input (validated here): convenience for the CLI, tests and benchmarks. */
export function createDlpDetector(input: DlpConfigInput, ctx: DetectorContext<DlpObjectState>, options: DlpDetectorOptions = {}): DlpDetector {
  return new DlpDetector(parseDlpConfig(input), ctx, options);
}
