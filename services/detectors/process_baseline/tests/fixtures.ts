/**
 * Test helpers: the real Tetragon process events of test/fixtures/tetragon/ (see its SOURCE.md),
 * normalized by the tetragon collector, and variants built from them (another time, another
 * parent, another version) for the cases the samples do not hold.
 */
import { readFileSync } from 'node:fs';
import { normalizeTetragonProcess } from '../../../collectors/tetragon/process.ts';
import { tetragonEventType } from '../../../collectors/tetragon/normalize.ts';
import type { ProcessEvent } from '../../../core/model/process-event.ts';

export type Rec = Record<string, unknown>;

function lines(f: string): Rec[] {
  return readFileSync(new URL(`../../../../test/fixtures/tetragon/${f}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
}

/** security-observability-process.jsonl, by index (see SOURCE.md for the order). */
export const PROC = lines('security-observability-process.jsonl');
export const SELECTED = lines('security-observability-selected.jsonl');
export const TESTDATA = lines('testdata-events.jsonl');

/** Named real records. */
export const REAL = {
  curlExec: PROC[0]!,
  catExec: PROC[2]!,
  lifecycleShExec: PROC[4]!,
  ncExec: PROC[6]!,
  ncExit: PROC[7]!,
  /** kubectl exec into privileged-pod: /bin/bash started by runc. */
  bashFromRunc: PROC[10]!,
  /** nginx started by /docker-entrypoint.sh in privileged-pod. */
  nginxExec: PROC[9]!,
  /** /docker-entrypoint.sh started by containerd-shim: the container's entrypoint script. */
  entrypointScript: PROC[11]!,
  /** Host: /bin/sh -c "7z ..." started by the merlin agent. */
  merlinSh: PROC[26]!,
  /** deathstar: /starwars-docker, pid 1 of its container, started by containerd-shim-runc-v2. */
  starwarsExec: TESTDATA[1]!,
  /** coreapi: process_listen of /usr/local/bin/python app.py, pid 1 of its container. */
  pythonListen: SELECTED[6]!,
};

export interface Variant {
  /** ISO time of the record. */
  time?: string;
  binary?: string;
  args?: string;
  /** The process's pid inside its container. */
  containerPid?: number | null;
  /** Replaces the parent with this Tetragon process object (e.g. another record's process). */
  parent?: Rec;
  /** Sets the pod's image (name and id digest), so the version changes. */
  image?: { name: string; id: string };
  /** Host pid (an attribute only). */
  pid?: number;
  podName?: string;
}

/** A copy of a real record changed as asked, as a Tetragon process_exec (a listen or exit becomes an exec of its process). */
export function variant(record: Rec, v: Variant = {}): Rec {
  const r = structuredClone(record);
  const type = tetragonEventType(r)!;
  const body = r[type] as Rec;
  const out: Rec = { process_exec: { process: body.process, parent: body.parent }, node_name: r.node_name, time: v.time ?? r.time };
  const ex = out.process_exec as Rec;
  const p = ex.process as Rec;
  if (v.binary !== undefined) p.binary = v.binary;
  if (v.args !== undefined) p.arguments = v.args;
  if (v.pid !== undefined) p.pid = v.pid;
  if (v.binary !== undefined || v.pid !== undefined) p.exec_id = Buffer.from(`${String(p.exec_id)}:${v.binary ?? ''}:${v.pid ?? ''}`).toString('base64');
  const pod = p.pod as Rec | undefined;
  const container = pod?.container as Rec | undefined;
  if (v.containerPid !== undefined && container) {
    if (v.containerPid === null) delete container.pid;
    else container.pid = v.containerPid;
  }
  if (v.image && container) container.image = { name: v.image.name, id: v.image.id };
  if (v.podName && pod) pod.name = v.podName;
  if (v.parent) ex.parent = structuredClone(v.parent);
  return out;
}

/** The Tetragon `process` object of a record. */
export function processOf(record: Rec): Rec {
  const type = tetragonEventType(record)!;
  return structuredClone((record[type] as Rec).process as Rec);
}

/** A record normalized by the collector: the event and its key. */
export function normalized(record: Rec): { key: string; event: ProcessEvent } {
  const type = tetragonEventType(record)!;
  return normalizeTetragonProcess(record, type);
}

/** An ISO time `days`, `hours`, `minutes` after `iso`. */
export function after(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
