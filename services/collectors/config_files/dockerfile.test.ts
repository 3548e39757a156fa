/**
 * Dockerfiles through parseConfigFile: one ConfigState per build stage with its line, ARG before
 * FROM, continuations, heredocs, USER inherited from a parent stage, and the files `docker build`
 * refuses rejected as a whole (never zero resources and no error). Fixtures: the scan fixtures of
 * services/scan/fixtures/docker (authored for Sluice) and inline files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ConfigState } from '../../core/model/config-state.ts';
import { avroRoundTrip } from '../../../test/fixtures/collector-kit.ts';
import { parseConfigFile } from './parse.ts';
import { isDockerfileName, parseImageRef, substitute } from './dockerfile.ts';

type Obj = Record<string, unknown>;
const assertAvroRoundTrip = avroRoundTrip<ConfigState>('config_state.v1');

function parse(name: string, text: string): { events: ConfigState[]; reasons: string[] } {
  const outs = parseConfigFile(name, Buffer.from(text), { time: 0 });
  const events = outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  const reasons = outs.flatMap((o) => (o.kind === 'dead_letter' ? [o.reason] : []));
  return { events, reasons };
}

function config(e: ConfigState): Obj {
  return JSON.parse(e.configuration ?? '{}') as Obj;
}

const fixture = (p: string): string => readFileSync(new URL(`../../scan/fixtures/docker/${p}`, import.meta.url), 'utf8');

describe('Dockerfile names', () => {
  it('knows Dockerfile, Dockerfile.*, *.Dockerfile and Containerfile, not other files', () => {
    for (const n of ['Dockerfile', 'app/Dockerfile', 'Dockerfile.prod', 'api.Dockerfile', 'web.dockerfile', 'Containerfile', 'dockerfile']) assert.ok(isDockerfileName(n), n);
    for (const n of ['Dockerfile-notes.md', 'docker-compose.yml', 'MyDockerfileGuide', 'dockerfiles/README', 'Dockerfile.dockerignore', 'api.Dockerfile.dockerignore', 'Dockerfile.md']) assert.ok(!isDockerfileName(n), n);
  });
});

describe('image references and variables', () => {
  it('splits registry, tag and digest', () => {
    assert.deepEqual(parseImageRef('registry:5000/team/app:1.2@sha256:ab'), { repository: 'registry:5000/team/app', tag: '1.2', digest: 'sha256:ab' });
    assert.deepEqual(parseImageRef('registry:5000/team/app'), { repository: 'registry:5000/team/app', tag: null, digest: null });
    assert.deepEqual(parseImageRef('ubuntu'), { repository: 'ubuntu', tag: null, digest: null });
  });
  it('substitutes $X, ${X}, ${X:-default}; an unset variable is unresolved', () => {
    const vars = new Map<string, string | null>([['V', '1.22'], ['E', null]]);
    assert.equal(substitute('golang:${V}-alpine', vars), 'golang:1.22-alpine');
    assert.equal(substitute('golang:$V', vars), 'golang:1.22');
    assert.equal(substitute('node:${N:-20}', vars), 'node:20');
    assert.equal(substitute('node:${E}', vars), null);
    assert.equal(substitute('node:$MISSING', vars), null);
  });
});

describe('Dockerfile stages', () => {
  it('reads the violating fixture: two stages, lines, ARG before FROM, continuation', () => {
    const { events, reasons } = parse('Dockerfile', fixture('violating/Dockerfile'));
    assert.deepEqual(reasons, []);
    assert.equal(events.length, 2);
    const [build, final] = events as [ConfigState, ConfigState];
    assert.equal(build.resource.uid, 'iac:Dockerfile#build');
    assert.equal(build.resource.type, 'Dockerfile::Stage');
    assert.equal(build.location?.format, 'dockerfile');
    assert.equal(build.location?.line, 5);
    assert.equal(final.resource.uid, 'iac:Dockerfile#1');
    assert.equal(final.location?.line, 11);
    const b = config(build);
    assert.deepEqual(b.from, { image: '${BUILDER_IMAGE}', resolved: 'golang', stage: null, repository: 'golang', tag: null, digest: null, platform: null, line: 5 });
    assert.equal(b.final, false);
    const f = config(final);
    assert.equal(f.final, true);
    assert.equal(f.user, null);
    const env = (f.instructions as Obj[]).find((i) => i.instruction === 'ENV')!;
    assert.deepEqual(env.properties, [
      { name: 'APP_ENV', value: 'production' },
      { name: 'DB_PASSWORD', value: 's3cr3t-Passw0rd' },
    ]);
    assert.equal(env.line, 12);
    assert.equal(env.end_line, 13);
    for (const e of events) assertAvroRoundTrip(e, e.resource.uid);
  });

  it('reads the clean fixture: a stage built on a stage, ADD --checksum, the non-root user', () => {
    const { events, reasons } = parse('Dockerfile', fixture('clean/Dockerfile'));
    assert.deepEqual(reasons, []);
    assert.deepEqual(
      events.map((e) => e.resource.name),
      ['build', 'test', '2'],
    );
    const test = config(events[1]!);
    assert.equal((test.from as Obj).stage, 'build');
    const first = config(events[0]!);
    assert.equal((first.from as Obj).resolved, 'golang:1.22.5-bookworm');
    const last = config(events[2]!);
    assert.equal(last.user, '65532:65532');
    const add = (last.instructions as Obj[]).find((i) => i.instruction === 'ADD')!;
    assert.match(String((add.flags as Obj).checksum), /^sha256:/);
    assert.deepEqual(add.arguments, ['https://example.com/downloads/agent.tar.gz', '/opt/agent/']);
  });

  it('keeps heredoc bodies with their RUN, and inherits USER from the parent stage', () => {
    const text = 'FROM alpine:3.20 AS base\nUSER app\nRUN <<EOT\nset -e\napk add curl\nEOT\n\nFROM base\nCMD ["sh"]\n';
    const { events, reasons } = parse('Containerfile', text);
    assert.deepEqual(reasons, []);
    const base = config(events[0]!);
    const run = (base.instructions as Obj[]).find((i) => i.instruction === 'RUN')!;
    assert.match(String(run.text), /apk add curl/);
    assert.equal(run.line, 3);
    assert.equal(run.end_line, 6);
    assert.equal(config(events[1]!).user, 'app');
  });

  it('resolves USER from the stage ARG and ENV, and marks an unresolvable one unknown', () => {
    const ok = parse('Dockerfile', 'FROM alpine:3.20\nARG UID=10001\nUSER ${UID}\n');
    assert.equal(config(ok.events[0]!).user, '10001');
    const unknown = parse('Dockerfile', 'FROM alpine:3.20\nARG UID\nUSER $UID\n');
    assert.equal(config(unknown.events[0]!).user_known, false);
  });
});

describe('Dockerfiles docker build refuses', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown instruction', 'FROM alpine:3.20\nRUNN echo hi\n', /line 2: unknown instruction: RUNN/],
    ['instruction before FROM', 'RUN echo hi\nFROM alpine:3.20\n', /line 1: RUN before the first FROM/],
    ['no FROM', '# only a comment\nARG X=1\n', /no FROM instruction/],
    ['duplicate stage', 'FROM alpine:3.20 AS a\nFROM alpine:3.20 AS A\n', /line 2: duplicate stage name "A"/],
    ['binary', 'FROM a\u0000b\n', /NUL bytes/],
  ];
  for (const [name, text, reason] of cases) {
    it(`${name}: the whole file is one rejection, no resource`, () => {
      const { events, reasons } = parse('Dockerfile', text);
      assert.equal(events.length, 0);
      assert.equal(reasons.length, 1);
      assert.match(reasons[0]!, /^not a valid Dockerfile: /);
      assert.match(reasons[0]!, reason);
    });
  }
  it('an empty Dockerfile gives nothing', () => {
    assert.deepEqual(parse('Dockerfile', '\n'), { events: [], reasons: [] });
  });
});
