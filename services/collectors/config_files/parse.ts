/**
 * parseConfigFile: one IaC file -> ConfigState events (one per resource) and rejections. Pure: no
 * I/O; the time stamped on the events comes in through the options.
 *
 * The file's format is found from its content, the name only breaking ties:
 *   - JSON (name *.json, or text starting with `{`/`[`): a CloudFormation template, a Terraform
 *     plan/state (`terraform show -json`), a Kubernetes object or list, or an array of those;
 *   - otherwise YAML, possibly several documents (`---`), each a CloudFormation template (short-form
 *     tags such as `!Ref` read into the long form) or a Kubernetes object or list.
 * Line numbers come from the YAML parser (also used on JSON files up to POSITION_MAX_BYTES).
 */
import { MAX_NESTING, nestingTooDeep } from '../nesting.ts';
import { LineCounter, parseAllDocuments, parseDocument, type Document } from 'yaml';
import type { CollectorOutput, RejectedRecord } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { SluiceError } from '../../core/errors.ts';
import { clip, isObj, isoTime, typeName } from '../aws_config/config-state.ts';
import { parseConfigTime } from '../aws_config/time.ts';
import { jsonErrorLocation } from '../aws_config/read.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, gunzipInput, utf8Text } from '../input.ts';
import { CFN_TAGS } from './cfn-yaml.ts';
import { isCloudFormation, readCloudFormation } from './cloudformation.ts';
import { isAuditEvent, isKubernetesObject, readKubernetes } from './kubernetes.ts';
import { documentPositions, NO_POSITIONS, type NodePath, type Positions } from './positions.ts';
import { buildIacEvent, FORMATS, SOURCE_TYPE, type BuildOptions, type FormatInfo, type IacItem } from './resource.ts';
import { isTerraformJson, readTerraform } from './terraform.ts';
import { HclError, parseHcl } from './hcl.ts';
import { readTerraformSource, type TerraformModuleContext } from './terraform-hcl.ts';
import { isArmTemplate, isArmParameters, readArm } from './arm.ts';
import { isEcsTaskDefinitionJson, readEcsTaskDefinition } from './ecs.ts';
import { isKustomization, isKustomizationFileName } from './kustomize.ts';
import { DockerfileError, isDockerfileName, readDockerfile } from './dockerfile.ts';
import { BICEP_FORMAT, BicepError, checkBicepParams, isBicepName, isBicepParamName, readBicep } from './bicep.ts';

/** JSON files larger than this are not indexed for line numbers (location.line is null). */
export const POSITION_MAX_BYTES = 8 * 1024 * 1024;
/** Alias expansions allowed per YAML document (guards against "billion laughs"). */
export const MAX_YAML_ALIASES = 100;

export interface ParseOptions extends BuildOptions {
  /** Epoch ms stamped on events as `time` (a Terraform plan's own `timestamp` wins). Default Date.now(). */
  time?: number;
  maxDecompressedBytes?: number;
  /** Larger (decompressed) files are rejected as unreadable. Default 64 MiB. */
  maxFileBytes?: number;
  /**
   * Terraform source: the variables and locals of the file's module (its folder: every `.tf`,
   * `.tf.json` and tfvars file, see terraformModuleContext). Without it, a `.tf` file's own
   * variable defaults and locals are used.
   */
  terraformModule?: TerraformModuleContext;
  /**
   * Bicep: other files by name (local modules, `.bicepparam` and `*.parameters.json` files beside
   * the template), so modules are followed and parameters files merged. Without it, a `.bicep`
   * file's own parameter defaults are used and its modules are not followed.
   */
  bicepSources?: ReadonlyMap<string, string>;
}

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** A parsed document with where its nodes are. */
interface ParsedDoc {
  value: unknown;
  pos: Positions;
  /** 1-based line where the document starts. */
  line: number | null;
}

type Source = { kind: 'docs'; docs: ParsedDoc[]; errors: Array<{ reason: string; line: number | null; raw: Buffer }> } | { kind: 'fatal'; code: ErrorCode; reason: string };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function looksJson(name: string, text: string): boolean {
  if (/\.json$/i.test(name.replace(/\.gz$/i, ''))) return true;
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function readJson(name: string, text: string): Source | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Not JSON: a YAML file may still start with `{` (flow mapping). A *.json name settles it.
    if (!/\.json$/i.test(name.replace(/\.gz$/i, ''))) return null;
    const loc = jsonErrorLocation(text, errorMessage(err));
    const where = loc ? `line ${loc.line} column ${loc.column}: ` : '';
    return { kind: 'docs', docs: [], errors: [{ reason: `${where}not valid JSON: ${errorMessage(err)}`, line: loc?.line ?? null, raw: Buffer.from(text) }] };
  }
  let pos: Positions = NO_POSITIONS;
  if (Buffer.byteLength(text, 'utf8') <= POSITION_MAX_BYTES) {
    try {
      const lines = new LineCounter();
      const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
      if (doc.errors.length === 0) pos = documentPositions(doc, lines);
    } catch {
      // Positions are a convenience: without them, location.line is null.
    }
  }
  return { kind: 'docs', docs: [{ value, pos, line: 1 }], errors: [] };
}

function readYaml(text: string): Source {
  if (nestingTooDeep(text)) {
    return { kind: 'fatal', code: 'SLUICE_ERR_INPUT_MALFORMED', reason: `not accepted: nested deeper than ${MAX_NESTING} levels` };
  }
  const lines = new LineCounter();
  let docs: Array<Document.Parsed>;
  try {
    docs = parseAllDocuments(text, { customTags: [...CFN_TAGS], lineCounter: lines, merge: true, prettyErrors: false }) as Array<Document.Parsed>;
  } catch (err) {
    return { kind: 'fatal', code: 'SLUICE_ERR_INPUT_MALFORMED', reason: `not valid YAML: ${errorMessage(err)}` };
  }
  if (!Array.isArray(docs)) docs = [];
  const out: ParsedDoc[] = [];
  const errors: Array<{ reason: string; line: number | null; raw: Buffer }> = [];
  docs.forEach((doc, i) => {
    const start = doc.range?.[0];
    const docLine = start === undefined ? null : lines.linePos(start).line;
    const rawDoc = (): Buffer => Buffer.from(doc.range ? text.slice(doc.range[0], doc.range[2]) : '');
    const label = docs.length > 1 ? `document ${i + 1}, ` : '';
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line ?? (e.pos ? lines.linePos(e.pos[0]).line : null);
      const msg = e.message.split('\n')[0] ?? e.message;
      errors.push({ reason: `${label}line ${line ?? '?'}: not valid YAML: ${msg}`, line, raw: rawDoc() });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      errors.push({ reason: `${label}line ${docLine ?? '?'}: YAML document cannot be read: ${errorMessage(err)}`, line: docLine, raw: rawDoc() });
      return;
    }
    const contentStart = doc.contents?.range?.[0];
    out.push({ value, pos: documentPositions(doc, lines), line: contentStart === undefined ? docLine : lines.linePos(contentStart).line });
  });
  return { kind: 'docs', docs: out, errors };
}

/** Reads one file into resources per document, then events. Never throws on bad input. */
export function parseConfigFile(name: string, bytes: Buffer, opts: ParseOptions = {}): CollectorOutput[] {
  const out: CollectorOutput[] = [];
  let index = 0;
  const pos = (): string => `${name}#${index++}`;
  const reject = (reasonCode: ErrorCode, reason: string, raw: Buffer): void => {
    const r: RejectedRecord = { kind: 'dead_letter', stage: 'collect', source: SOURCE_TYPE, position: pos(), reasonCode, reason, raw };
    out.push(r);
  };
  const rawOf = (value: unknown): Buffer => {
    try {
      return Buffer.from(JSON.stringify(value) ?? '', 'utf8');
    } catch {
      return Buffer.alloc(0);
    }
  };
  const emitItems = (info: FormatInfo, items: IacItem[], time: number, originalTime: string): void => {
    for (const item of items) {
      if (item.kind === 'problem') {
        const where = item.problem.line === null ? '' : `line ${item.problem.line}: `;
        reject('SLUICE_ERR_INPUT_MALFORMED', `${where}${item.problem.reason}`, rawOf(item.problem.raw));
        continue;
      }
      try {
        const event = buildIacEvent(name, info, item.resource, time, originalTime, opts);
        out.push({ kind: 'event', stream: 'config', key: event.resource.uid, event, position: pos() });
      } catch (err) {
        const where = item.resource.line === null ? '' : `line ${item.resource.line}: `;
        reject('SLUICE_ERR_INPUT_MALFORMED', `${where}${clip(item.resource.id, 200)}: event could not be built: ${errorMessage(err)}`, rawOf(item.resource.raw));
      }
    }
  };
  const now = opts.time ?? Date.now();
  const maxOut = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

  try {
    const decoded = gunzipInput(bytes, Math.min(maxOut, maxFile));
    if ('error' in decoded) {
      reject('SLUICE_ERR_INPUT_UNREADABLE', decoded.error, bytes);
      return out;
    }
    const data = decoded.bytes;
    if (data.length > maxFile) {
      reject('SLUICE_ERR_INPUT_UNREADABLE', `file is ${data.length} bytes, over the ${maxFile}-byte limit`, data.subarray(0, 1024));
      return out;
    }
    const text = utf8Text(data);
    if (text.trim() === '') return out;

    const base = name.replace(/\.gz$/i, '');
    // Terraform variable files hold no resource: they are read as the module context of .tf files.
    if (/\.tfvars(\.json)?$/i.test(base)) {
      // A broken variables file must not silently fall back to the defaults.
      try {
        if (/\.json$/i.test(base)) JSON.parse(text);
        else parseHcl(text);
      } catch (err) {
        const reason = err instanceof HclError ? `not valid Terraform variables (HCL): ${err.message}` : `not valid Terraform variables (JSON): ${errorMessage(err)}`;
        reject('SLUICE_ERR_INPUT_MALFORMED', reason, data.subarray(0, 64 * 1024));
      }
      return out;
    }
    if (isDockerfileName(base)) {
      let items: IacItem[];
      try {
        items = readDockerfile(text);
      } catch (err) {
        const reason = err instanceof DockerfileError ? `not a valid Dockerfile: ${err.message}` : `not a valid Dockerfile: ${errorMessage(err)}`;
        reject('SLUICE_ERR_INPUT_MALFORMED', reason, data.subarray(0, 64 * 1024));
        return out;
      }
      emitItems(FORMATS.dockerfile, items, now, isoTime(now));
      return out;
    }
    if (isBicepName(base) || isBicepParamName(base)) {
      // Bicep (by name): the whole file is refused when it does not parse, as `bicep build` would refuse it.
      let items: IacItem[] = [];
      try {
        if (isBicepParamName(base)) checkBicepParams(text);
        else items = readBicep(name, text, opts.bicepSources ? { sources: opts.bicepSources } : {});
      } catch (err) {
        const reason = err instanceof BicepError ? `not valid Bicep: ${err.message}` : `not valid Bicep: ${errorMessage(err)}`;
        reject('SLUICE_ERR_INPUT_MALFORMED', reason, data.subarray(0, 64 * 1024));
        return out;
      }
      emitItems(BICEP_FORMAT, items, now, isoTime(now));
      return out;
    }
    if (/\.tf(\.json)?$/i.test(base)) {
      const json = /\.json$/i.test(base);
      let items: IacItem[];
      try {
        const parsed = json ? readJson(name, text) : null;
        if (parsed && parsed.kind === 'docs' && parsed.errors.length > 0) {
          for (const e of parsed.errors) reject('SLUICE_ERR_INPUT_MALFORMED', e.reason, e.raw);
          return out;
        }
        const pos = parsed && parsed.kind === 'docs' ? parsed.docs[0]?.pos : undefined;
        items = readTerraformSource(base, text, { ...(opts.terraformModule ? { module: opts.terraformModule } : {}), ...(pos ? { pos } : {}) });
      } catch (err) {
        const reason = err instanceof HclError ? `not valid Terraform (HCL): ${err.message}` : `not valid Terraform: ${errorMessage(err)}`;
        reject('SLUICE_ERR_INPUT_MALFORMED', reason, data.subarray(0, 64 * 1024));
        return out;
      }
      emitItems(FORMATS.terraform_hcl, items, now, isoTime(now));
      return out;
    }

    const source = (looksJson(name, text) ? readJson(name, text) : null) ?? readYaml(text);
    if (source.kind === 'fatal') {
      reject(source.code, source.reason, data);
      return out;
    }
    for (const e of source.errors) reject('SLUICE_ERR_INPUT_MALFORMED', e.reason, e.raw);

    for (const doc of source.docs) {
      const docValues: Array<{ value: unknown; path: NodePath }> = Array.isArray(doc.value)
        ? doc.value.map((v, i) => ({ value: v, path: [i] }))
        : [{ value: doc.value, path: [] }];
      for (const { value, path } of docValues) {
        if (value === null || value === undefined) continue; // an empty document (a trailing ---)
        const line = doc.pos.lineOf(path) ?? doc.line;
        const at = line === null ? '' : `line ${line}: `;
        let info: FormatInfo;
        let items: IacItem[];
        let originalTime = isoTime(now);
        let time = now;
        try {
          if (isTerraformJson(value)) {
            info = FORMATS.terraform_plan;
            const tf = readTerraform(value, doc.pos, path);
            items = tf.items;
            const ts = tf.timestamp === null ? null : parseConfigTime(tf.timestamp);
            if (ts !== null) {
              time = ts.ms;
              originalTime = ts.original;
            }
          } else if (isArmTemplate(value)) {
            info = FORMATS.arm;
            items = readArm(value, doc.pos, path);
          } else if (isArmParameters(value) || isKustomization(value) || (isKustomizationFileName(base) && isObj(value) && (!isKubernetesObject(value) || value.kind === 'Kustomization' || value.kind === 'Component'))) {
            // kustomization.yaml (with or without apiVersion/kind, also the legacy `apiVersion: v1` spelling kustomize still accepts)
            // is a kustomize build file: `sluice scan` reads what it references.
            continue; // an ARM parameters file or a kustomize Kustomization/Component: no resource
          } else if (isEcsTaskDefinitionJson(value)) {
            info = FORMATS.ecs_task_definition;
            items = readEcsTaskDefinition(value, doc.pos, path);
          } else if (isCloudFormation(value)) {
            info = FORMATS.cloudformation;
            items = readCloudFormation(value, name, doc.pos, path);
          } else if (isKubernetesObject(value)) {
            info = FORMATS.kubernetes;
            items = readKubernetes(value, doc.pos, path);
          } else {
            const why = isObj(value)
              ? isAuditEvent(value)
                ? 'a Kubernetes audit event, not a manifest (use the k8s audit collector)'
                : `keys ${Object.keys(value).slice(0, 6).join(', ') || '(none)'}`
              : typeName(value);
            reject(
              'SLUICE_ERR_INPUT_MALFORMED',
              `${at}not a CloudFormation template, Terraform JSON (terraform show -json), ARM template, ECS task definition or Kubernetes manifest: ${why}`,
              rawOf(value),
            );
            continue;
          }
        } catch (err) {
          const [code, reason]: [ErrorCode, string] =
            err instanceof SluiceError ? [err.code, err.message] : ['SLUICE_ERR_INPUT_MALFORMED', `reader failed unexpectedly: ${errorMessage(err)}`];
          reject(code, `${at}${reason}`, rawOf(value));
          continue;
        }
        emitItems(info, items, time, originalTime);
      }
    }
  } catch (err) {
    // A bug or an engine limit (e.g. absurd nesting): one rejection for the rest of the file.
    reject('SLUICE_ERR_INPUT_MALFORMED', `file could not be read: ${errorMessage(err)}`, bytes.subarray(0, 64 * 1024));
  }
  return out;
}
