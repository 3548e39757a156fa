/**
 * AWS VPC flow log text: the space-separated records AWS writes to S3 (a header line naming the
 * fields, then one record per line, usually gzip'd) and to CloudWatch Logs (no header, default
 * format). Turns one input into field maps with positions, without judging the values.
 */
import type { CollectorInput } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { numberedLines } from '../input.ts';

/** The default (version 2) format, in order. */
export const VPC_DEFAULT_FIELDS: readonly string[] = Object.freeze([
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol',
  'packets', 'bytes', 'start', 'end', 'action', 'log-status',
]);

/** Every field AWS documents for custom formats (versions 2 to 8). */
export const VPC_KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...VPC_DEFAULT_FIELDS,
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr',
  'region', 'az-id', 'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service',
  'flow-direction', 'traffic-path',
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id',
  'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn',
  'ecs-task-arn', 'ecs-task-id', 'reject-reason',
]);

/** Record fields in the order of the format, `-` kept as written. */
export type VpcFields = Record<string, string>;

export type TextItem =
  | { kind: 'fields'; position: string; fields: VpcFields; raw: Buffer; line: number }
  | { kind: 'json'; position: string; text: string; raw: Buffer; line: number }
  | { kind: 'error'; position: string; error: { code: ErrorCode; reason: string }; raw: Buffer; line?: number };

/**
 * The field names of a header line (`version account-id interface-id srcaddr …`, also the
 * `${version} ${account-id} …` form of a --log-format), or null when the line is not a header: every
 * token must look like a field name and at least three must be known VPC fields, srcaddr or dstaddr among them.
 */
export function parseHeader(line: string): string[] | null {
  const tokens = line.trim().split(/\s+/).map((t) => (t.startsWith('${') && t.endsWith('}') ? t.slice(2, -1) : t));
  if (tokens.length < 3 || tokens.length > 64) return null;
  if (!tokens.every((t) => /^[a-z][a-z0-9-]{0,63}$/.test(t))) return null;
  const known = tokens.filter((t) => VPC_KNOWN_FIELDS.has(t));
  if (known.length < 3 || !(known.includes('srcaddr') || known.includes('dstaddr'))) return null;
  if (new Set(tokens).size !== tokens.length) return null;
  return tokens;
}

/** Splits one text record by the given field names; a count mismatch is an error message. */
export function splitRecord(line: string, names: readonly string[]): VpcFields | string {
  const values = line.trim().split(/\s+/);
  if (values.length !== names.length) {
    const what = names === VPC_DEFAULT_FIELDS ? 'the default (version 2) format' : 'the header';
    return `${values.length} fields, ${what} has ${names.length} (${names.slice(0, 14).join(' ')}${names.length > 14 ? ' …' : ''})`;
  }
  const out: VpcFields = {};
  names.forEach((n, i) => {
    out[n] = values[i]!;
  });
  return out;
}

/** True when a text line is a default-format record (14 fields, a numeric version, a known log-status). */
export function looksLikeDefaultRecord(line: string): boolean {
  const t = line.trim().split(/\s+/);
  return t.length === 14 && /^\d{1,3}$/.test(t[0]!) && ['OK', 'NODATA', 'SKIPDATA'].includes(t[13]!);
}

/** Decompresses (when gzip) and decodes an input (input.ts); re-exported for the collectors that import it from here. */
export { decodeInput } from '../input.ts';

/**
 * Splits flow log text into records. The first non-blank line may be a header (it then names the
 * fields of every line); without one, lines are read in the default format. A line that starts with
 * `{` is handed back as JSON text (a JSON record in a text file). Positions count records and errors
 * from 0; the header and blank lines take none.
 */
export function* splitVpcText(input: CollectorInput, text: string): Generator<TextItem, void, undefined> {
  let index = 0;
  const pos = (): string => `${input.name}#${index++}`;
  let names: readonly string[] | null = null;
  for (const { lineNo, line } of numberedLines(text)) {
    const raw = Buffer.from(line, 'utf8');
    if (names === null) {
      const header = parseHeader(line);
      names = header ?? VPC_DEFAULT_FIELDS;
      if (header) continue;
    }
    if (line.trimStart().startsWith('{')) {
      yield { kind: 'json', position: pos(), text: line, raw, line: lineNo };
      continue;
    }
    const fields = splitRecord(line, names);
    if (typeof fields === 'string') {
      yield { kind: 'error', position: pos(), error: { code: 'SLUICE_ERR_INPUT_MALFORMED', reason: `line ${lineNo}: not a VPC flow log record: ${fields}` }, raw, line: lineNo };
      continue;
    }
    yield { kind: 'fields', position: pos(), fields, raw, line: lineNo };
  }
}
