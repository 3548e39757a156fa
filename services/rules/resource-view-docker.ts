/**
 * The resource view of one Dockerfile build stage (`Dockerfile::Stage`, kind `docker.stage`,
 * written by the config_files collector's dockerfile.ts). Fields a rule reads:
 * `final` (the stage `docker build` produces without --target), `base` (the FROM image after
 * global ARG substitution: `resolved`, `is_stage`, `is_scratch`, `repository`, `tag`, `digest`, ''
 * when absent), `user` / `user_known` / `runs_as_root` (the effective USER at the end of the
 * stage, inherited from a parent stage), `variables` (every ENV / ARG with `literal`: a non-empty
 * value without a `$` reference), `secret_variables` (those named like a credential with a literal
 * value), `adds` (`sources`, `remote`: the sources that are URLs or git remotes, `checksum`: an
 * `--checksum` flag), `has_healthcheck` (the last HEALTHCHECK is not NONE), `runs` (RUN texts).
 */
import { isObj, list, text, type KindEntry, type Obj } from './resource-view-util.ts';

/** Credential-like names (password, secret, token, API key, private key, access key, credentials), as separate words of the name. */
const SECRET_NAME = /(^|[_.-])(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?)([_.-]|$)/i;
/** Names of a file, path or folder holding the secret (`POSTGRES_PASSWORD_FILE`, the official images' convention), not the secret. */
const SECRET_LOCATION = /[_.-](FILE|PATH|DIR)$/i;
/** A remote ADD source: a URL (http, https, ftp) or a git remote (git@host:repo, *.git). */
const REMOTE_SOURCE = /^((https?|ftp):\/\/|git@)|\.git(#.*)?$/i;
const ROOT_USER = /^(0|root)(:.*)?$/;

interface InstructionView {
  instruction: string;
  arguments: string[];
  flags: Obj;
  text: string;
  properties: Array<{ name: string; value: string | null }>;
  line: number | null;
}

function instructions(c: Obj): InstructionView[] {
  return list(c.instructions)
    .filter(isObj)
    .map((i) => ({
      instruction: (text(i.instruction) ?? '').toUpperCase(),
      arguments: list(i.arguments).map((a) => text(a) ?? ''),
      flags: isObj(i.flags) ? i.flags : {},
      text: text(i.text) ?? '',
      properties: list(i.properties)
        .filter(isObj)
        .map((p) => ({ name: text(p.name) ?? '', value: typeof p.value === 'string' ? p.value : null })),
      line: typeof i.line === 'number' ? i.line : null,
    }));
}

/** The view fields of a Dockerfile stage (kind `docker.stage`). */
export function dockerStageView(c: Obj): Obj {
  const from = isObj(c.from) ? c.from : {};
  const resolved = text(from.resolved);
  const body = instructions(c);
  const isStage = text(from.stage) !== null;
  const user = text(c.user);
  const userKnown = c.user_known !== false;
  const variables = body.flatMap((i) =>
    i.instruction === 'ENV' || i.instruction === 'ARG'
      ? i.properties.map((p) => ({ instruction: i.instruction, name: p.name, value: p.value ?? '', literal: p.value !== null && p.value.trim() !== '' && !p.value.includes('$'), line: i.line }))
      : [],
  );
  const adds = body
    .filter((i) => i.instruction === 'ADD')
    .map((i) => {
      const sources = i.arguments.slice(0, -1);
      return { sources, remote: sources.filter((s) => REMOTE_SOURCE.test(s)), checksum: Object.hasOwn(i.flags, 'checksum'), line: i.line };
    });
  const healthchecks = body.filter((i) => i.instruction === 'HEALTHCHECK');
  const lastHealthcheck = healthchecks[healthchecks.length - 1];
  return {
    index: typeof c.index === 'number' ? c.index : null,
    stage: text(c.name),
    final: c.final === true,
    base: {
      image: resolved ?? text(from.image) ?? '',
      resolved: resolved !== null,
      is_stage: isStage,
      is_scratch: !isStage && resolved !== null && resolved.toLowerCase() === 'scratch',
      repository: text(from.repository) ?? '',
      tag: text(from.tag) ?? '',
      digest: text(from.digest) ?? '',
    },
    user: user ?? '',
    user_known: userKnown,
    // No USER: the base image's default, root for most images (and for scratch).
    runs_as_root: userKnown && (user === null || user.trim() === '' || ROOT_USER.test(user.trim())),
    variables,
    secret_variables: variables.filter((v) => v.literal && SECRET_NAME.test(v.name) && !SECRET_LOCATION.test(v.name)),
    adds,
    has_healthcheck: lastHealthcheck !== undefined && (lastHealthcheck.arguments[0] ?? '').toUpperCase() !== 'NONE',
    runs: body.filter((i) => i.instruction === 'RUN').map((i) => i.text),
  };
}

/** The kinds this file adds to the table of resource-view.ts. */
export const DOCKER_KINDS: KindEntry[] = [{ kind: 'docker.stage', types: ['Dockerfile::Stage'], build: (_f, c) => dockerStageView(c) }];
