/**
 * Dockerfiles (and Containerfiles) → one IacResource per build stage (type `Dockerfile::Stage`,
 * id = the stage's alias, else its 0-based index). Parsed with `dockerfile-ast` (rcjsuen, the
 * parser of the VS Code Docker extension): line continuations, heredocs (`RUN <<EOT`), JSON
 * (exec) form, the `escape` parser directive. The parser is error-tolerant, so what `docker build`
 * refuses is checked here and makes the whole file an error (`DockerfileError`): an unknown
 * instruction, an instruction other than ARG before the first FROM, a FROM without an image, no
 * FROM at all, a duplicate stage name, binary content. Pure: no I/O.
 */
import { DockerfileParser, type Instruction, type Arg, type Env } from 'dockerfile-ast';
import type { IacItem } from './resource.ts';

export const DOCKERFILE_STAGE_TYPE = 'Dockerfile::Stage';

/**
 * Dockerfile, Dockerfile.<x>, <x>.Dockerfile, <x>.dockerfile, Containerfile, Containerfile.<x> (a
 * base name or a path); not BuildKit's per-Dockerfile ignore files (`Dockerfile.dockerignore`) or notes (`.md`).
 */
export function isDockerfileName(name: string): boolean {
  const base = name.replace(/\.gz$/i, '').split(/[\\/]/).pop() ?? '';
  if (/\.(dockerignore|md)$/i.test(base)) return false;
  return /^(dockerfile|containerfile)(\.[^/]+)?$/i.test(base) || /\.(dockerfile|containerfile)$/i.test(base);
}

/** A Dockerfile `docker build` would refuse; `line` is 1-based. */
export class DockerfileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'DockerfileError';
  }
}

/** Instructions of the Dockerfile reference (docs.docker.com/reference/dockerfile). */
const KEYWORDS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** One instruction of a stage as the configuration holds it. */
export interface DockerInstruction {
  instruction: string;
  /** Arguments without flags; the JSON (exec) form's strings unquoted. */
  arguments: string[];
  /** `--name=value` flags (`--chown`, `--checksum`, `--from`, `--platform`…); value null for a bare flag. */
  flags: Record<string, string | null>;
  /** The arguments as written (continuations joined, heredoc bodies included). */
  text: string;
  /** ENV / ARG / LABEL: name and value (null for `ARG NAME` without a default). */
  properties?: Array<{ name: string; value: string | null }>;
  line: number;
  end_line: number;
}

/** A parsed image reference: `[registry/]repository[:tag][@digest]`. */
export interface ImageRef {
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, tag, digest };
}

const VAR_REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Substitutes `$X`, `${X}`, `${X:-default}`, `${X:+alt}` from vars; null when a variable has no value. */
export function substitute(text: string, vars: ReadonlyMap<string, string | null>): string | null {
  let unresolved = false;
  const out = text.replace(VAR_REF, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, plain: string | undefined) => {
    const name = braced ?? plain ?? '';
    const v = vars.get(name);
    const set = v !== undefined && v !== null && v !== '';
    if (op === '-') return set ? v : (word ?? '');
    if (op === '+') return set ? (word ?? '') : '';
    if (v === undefined || v === null) {
      unresolved = true;
      return '';
    }
    return v;
  });
  return unresolved ? null : out;
}

function line1(i: Instruction): number {
  return i.getRange().start.line + 1;
}

function readInstruction(i: Instruction): DockerInstruction {
  const keyword = i.getKeyword();
  const withFlags = i as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const flags: Record<string, string | null> = {};
  for (const f of withFlags.getFlags?.() ?? []) flags[f.getName()] = f.getValue();
  const json = (i as Instruction & { getJSONStrings?: () => Array<{ getJSONValue(): string }> }).getJSONStrings?.() ?? [];
  const args = json.length > 0 ? json.map((s) => s.getJSONValue()) : i.getArguments().map((a) => a.getValue());
  const out: DockerInstruction = { instruction: keyword, arguments: args, flags, text: i.getArgumentsContent() ?? '', line: line1(i), end_line: i.getRange().end.line + 1 };
  if (keyword === 'ENV' || keyword === 'ARG' || keyword === 'LABEL') {
    const props = (i as Env).getProperties?.() ?? [];
    out.properties = props.map((p) => ({ name: p.getName(), value: p.getValue() }));
  }
  return out;
}

function propertyOf(a: Arg): { name: string; value: string | null } | null {
  const p = a.getProperty();
  return p ? { name: p.getName(), value: p.getValue() } : null;
}

/**
 * Reads a Dockerfile into its stages. Throws DockerfileError for what `docker build` would refuse.
 * The last stage is `final: true` (the image `docker build` produces without `--target`).
 */
export function readDockerfile(text: string): IacItem[] {
  if (/\u0000/.test(text)) throw new DockerfileError('not a Dockerfile: the file holds NUL bytes (binary content)', null);
  const d = DockerfileParser.parse(text);
  const instructions = d.getInstructions();
  const globalArgs = new Map<string, string | null>();
  const globalList: Array<{ name: string; value: string | null }> = [];
  let seenFrom = false;
  for (const i of instructions) {
    const kw = i.getKeyword();
    if (!KEYWORDS.has(kw)) throw new DockerfileError(`line ${line1(i)}: unknown instruction: ${i.getInstruction().slice(0, 60)}`, line1(i));
    if (kw === 'FROM') seenFrom = true;
    else if (!seenFrom) {
      if (kw !== 'ARG') throw new DockerfileError(`line ${line1(i)}: ${kw} before the first FROM (only ARG may come before FROM)`, line1(i));
      const p = propertyOf(i as Arg);
      if (p) {
        globalArgs.set(p.name, p.value);
        globalList.push(p);
      }
    }
  }
  if (!seenFrom) throw new DockerfileError('not a Dockerfile: no FROM instruction', null);

  type Stage = { from: Instruction; body: Instruction[] };
  const stages: Stage[] = [];
  for (const i of instructions) {
    if (i.getKeyword() === 'FROM') stages.push({ from: i, body: [] });
    else if (stages.length > 0) stages[stages.length - 1]!.body.push(i);
  }
  const names = new Map<string, number>();
  const users: Array<string | null> = [];
  const usersKnown: boolean[] = [];
  const items: IacItem[] = [];
  stages.forEach((s, index) => {
    const from = s.from as Instruction & { getImage(): string | null; getBuildStage(): string | null };
    const image = from.getImage();
    if (image === null || image === '') throw new DockerfileError(`line ${line1(s.from)}: FROM without an image`, line1(s.from));
    const alias = from.getBuildStage();
    const key = alias?.toLowerCase() ?? null;
    if (key !== null && names.has(key)) throw new DockerfileError(`line ${line1(s.from)}: duplicate stage name "${alias}"`, line1(s.from));
    const resolved = substitute(image, globalArgs);
    const parent = resolved === null ? undefined : names.get(resolved.toLowerCase());
    if (key !== null) names.set(key, index);
    const ref = resolved === null || parent !== undefined ? null : parseImageRef(resolved);
    const platform = (readInstruction(s.from).flags.platform ?? null) as string | null;
    const body = s.body.map(readInstruction);
    // Variables a stage's instructions see: its ARGs (a bare `ARG X` takes the global default) and ENVs.
    const vars = new Map<string, string | null>();
    let user: string | null = parent !== undefined ? (users[parent] ?? null) : null;
    let userKnown = parent !== undefined ? (usersKnown[parent] ?? true) : true;
    for (const b of body) {
      if (b.instruction === 'ARG' || b.instruction === 'ENV') {
        for (const p of b.properties ?? []) vars.set(p.name, p.value ?? (b.instruction === 'ARG' ? (globalArgs.get(p.name) ?? null) : null));
      } else if (b.instruction === 'USER' && b.arguments.length > 0) {
        const u = substitute(b.arguments[0]!, vars);
        user = u;
        userKnown = u !== null;
      }
    }
    users.push(user);
    usersKnown.push(userKnown);
    const name = alias ?? String(index);
    const configuration = {
      index,
      name: alias,
      final: index === stages.length - 1,
      from: {
        image,
        resolved,
        stage: parent === undefined ? null : resolved,
        repository: ref?.repository ?? null,
        tag: ref?.tag ?? null,
        digest: ref?.digest ?? null,
        platform,
        line: line1(s.from),
      },
      // The effective user at the end of the stage (inherited from a parent stage); null: none set.
      user: userKnown ? user : null,
      // false when the last USER names a variable without a value here (`USER $APP_UID`).
      user_known: userKnown,
      global_args: globalList,
      instructions: body,
    };
    items.push({
      kind: 'resource',
      resource: { id: name, type: DOCKERFILE_STAGE_TYPE, name, configuration, tags: [], relationships: [], line: line1(s.from), unmapped: {}, raw: configuration },
    });
  });
  return items;
}
