/**
 * Input builders of the per-detector fault tests (issue #23), shared by the kill -9 tests
 * (`*-kill.int.test.ts`) and the group-growth test (`group-growth-more.int.test.ts`): each returns
 * normalized, keyed records as the collectors publish them, built from recorded fixtures.
 */
import assert from 'node:assert/strict';
import { parseConfigFile } from '../../services/collectors/config_files/index.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import type { ImageInventory } from '../../services/core/model/image-inventory.ts';
import { BUILTIN_DATA_TYPES } from '../../services/detectors/dlp/config.ts';
import { makeDecoy, makeSample, Rng } from '../../services/detectors/dlp/samples.ts';
import { chunksOf, refOf } from '../../services/detectors/dlp/testing.ts';
import { after, MINUTE, normalized, processOf, REAL, variant, type Rec } from '../../services/detectors/process_baseline/tests/fixtures.ts';
import { advisories, FIXTURES, inventories } from '../../services/detectors/vulns/testing.ts';
import type { KeyedInput } from './detector-kill.ts';

const T0 = Date.UTC(2026, 2, 3);

/**
 * posture: CloudFormation stack r at version w (through the config_files collector): a security
 * group whose SSH and RDP ingress open to the world and close again on different rhythms (CIS AWS
 * 5.2 / 5.3 failing and resolving), and a bucket whose versioning is suspended every other version.
 */
function stack(r: number, w: number): string {
  const ssh = (r + w) % 3 === 0 ? '0.0.0.0/0' : '10.0.0.0/8';
  const rdp = (r + 2 * w) % 4 === 0 ? '0.0.0.0/0' : '10.1.0.0/16';
  return `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web ${r}
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: ${ssh} }
        - { IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: ${rdp} }
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: posture-kill-${r}
      VersioningConfiguration: { Status: ${w % 2 === 0 ? 'Suspended' : 'Enabled'} }
`;
}

/** posture: version w of `stacks` stacks, one config record per resource, an hour per version. */
export function postureWave(stacks: number, w: number): KeyedInput[] {
  return Array.from({ length: stacks }, (_, r) =>
    parseConfigFile(`stack-${r}.yaml`, Buffer.from(stack(r, w)), { time: T0 + w * 3_600_000 + r * 1000 }).flatMap((o) => {
      if (o.kind !== 'event') throw new Error(`stack ${r} rejected`);
      const event = o.event as ConfigState;
      return [{ stream: 'config' as const, key: event.resource.uid, event }];
    }),
  ).flat();
}

/**
 * dlp: objects of synthetic sensitive data (cards, SSNs, IBANs, keys..., samples.ts's seeded
 * generator) and decoys, each cut into `chunks` chunks at random borders so that values straddle
 * them; element o holds object o's chunks in order. One object in three never gets its last chunk
 * (its scan stays open, in the state, at the end).
 */
export function dlpObjects(objects: number, chunks: number, seed = 2323): KeyedInput[][] {
  const rng = new Rng(seed);
  const out: KeyedInput[][] = [];
  for (let o = 0; o < objects; o++) {
    const parts: string[] = [];
    for (let i = 0; i < 12; i++) parts.push(i % 3 === 2 ? makeDecoy(rng) : makeSample(rng.pick(BUILTIN_DATA_TYPES), rng).text);
    const bytes = Buffer.from(parts.join('\n'));
    const cuts = Array.from({ length: chunks - 1 }, (_, i) => Math.floor(((i + 1) * bytes.length) / chunks) + rng.int(24) - 12);
    const spec = { bucket: 'dlp-kill', key: `exports/object-${o}.txt`, etag: `etag-${o}`, time: T0 + o * 1000 };
    const cs = chunksOf(bytes, cuts, spec);
    assert.equal(cs.length, chunks);
    out.push(cs.filter((c) => !(o % 3 === 0 && c.is_last)).map((c) => ({ stream: 'object_chunk' as const, key: refOf(spec), event: c })));
  }
  return out;
}

/** vulns: the recorded SBOM (python-go-app.cdx.json, through the sbom collector) cloned into images from..to-1, one record per package. */
export function vulnImages(from: number, to: number): KeyedInput[] {
  const base = inventories(new URL('sbom/python-go-app.cdx.json', FIXTURES));
  const out: KeyedInput[] = [];
  for (let i = from; i < to; i++) {
    const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
    for (const { key, event } of base) {
      const clone: ImageInventory = { ...event, metadata: { ...event.metadata, uid: `${event.metadata.uid}-img${i}` }, image: { ...event.image, uid: digest, digest, tags: [`v${i}`] } };
      out.push({ stream: 'image_inventory', key, event: clone });
    }
  }
  return out;
}

/** vulns: the OSV advisories of a fixture file of services/detectors/vulns/fixtures/osv/. */
export const vulnAdvisories = (file: string): KeyedInput[] => advisories(new URL(`osv/${file}`, FIXTURES)).map(({ key, event }) => ({ stream: 'advisory', key, event }));

/** vulns: a package state with the open findings' first-seen times (the processing time of a rescan, README exception (1)) masked. */
export const vulnStateMasked = (state: unknown): unknown => JSON.parse(JSON.stringify(state), (k, v: unknown) => (k === 'first' && typeof v === 'number' ? 'time' : v));

/** The real deathstar exec (pid 1 of its container), moved to namespace ns-<k>. */
function inNamespace(record: Rec, k: number): Rec {
  const r = structuredClone(record);
  const body = (r.process_exec ?? Object.values(r).find((v) => typeof v === 'object' && v !== null && 'process' in (v as Rec))) as Rec;
  const pod = (body.process as Rec).pod as Rec;
  pod.namespace = `ns-${k}`;
  return r;
}

/**
 * process_baseline: real Tetragon process_exec records (test/fixtures/tetragon/), one application
 * per namespace, minute by minute: each runs its server and two jobs it starts; from minute 40 on
 * (after discovery, with maxMs 30 minutes) the server starts, every ten minutes, a job nobody saw
 * (new_binary) and a shell (shell_from_server). Element n holds minute n's records.
 */
export function processMinutes(apps: number, minutes: number, start = '2026-03-03T08:00:00.000Z'): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: minutes }, () => []);
  for (let n = 0; n < minutes; n++) {
    for (let k = 0; k < apps; k++) {
      const server = inNamespace(REAL.starwarsExec, k);
      const parent = processOf(server);
      const time = after(start, n * MINUTE + k);
      const records: Rec[] = [variant(server, { time, pid: 1000 + n })];
      for (const job of ['/app/bin/job-a', '/app/bin/job-b']) records.push(variant(server, { time, binary: job, containerPid: 50 + n, pid: 2000 + n, parent }));
      if (n >= 40 && n % 10 === k % 10) {
        records.push(variant(server, { time, binary: `/app/bin/job-new-${n}`, containerPid: 90, pid: 3000 + n, parent }));
        records.push(variant(server, { time, binary: '/bin/sh', args: '-c id', containerPid: 91, pid: 4000 + n, parent }));
      }
      for (const r of records) {
        const { key, event } = normalized(r);
        out[n]!.push({ stream: 'process', key, event });
      }
    }
  }
  return out;
}
