/**
 * moto's server mode (PyPI `moto` with flask), a local HTTP implementation of the AWS APIs (S3, EC2,
 * IAM, SQS, STS, ...), for tests that call AWS through the real SDK clients instead of client
 * mocks. `MOTO_URL` set: that server is used. Otherwise one server is started per test process, on
 * a free loopback port (`-p 0`; the port is read from its "Running on" line), and stopped when the
 * process exits. The binary: `test/support/.cache/moto-venv/bin/moto_server` (installed there by
 * prepare.sh), else `moto_server` on PATH, else `python3 -m moto.server`.
 *
 * moto keeps every account's state in memory; tests that share a server use their own bucket,
 * group and user names (fresh `uniqueName()`s) instead of resetting it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The account moto answers as (its default, `MOTO_ACCOUNT_ID` changes it on the server side). */
export const MOTO_ACCOUNT_ID = process.env.MOTO_ACCOUNT_ID ?? '123456789012';
/** Any credentials are accepted by moto; these keep the SDK's credential chain away from the machine's. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** How it was obtained: `env` (MOTO_URL) or `started` (with the start-up time). */
  provider: 'env' | 'started';
  /** Milliseconds from spawn to the first answered request; 0 for MOTO_URL. */
  startupMs: number;
  /** The command that runs it (empty for MOTO_URL). */
  command: string;
}

const VENV = fileURLToPath(new URL('./.cache/moto-venv/', import.meta.url));
const START_TIMEOUT_MS = 60_000;

let shared: Promise<MotoServer> | null = null;
let child: ChildProcess | null = null;

/** The moto server of this test process: MOTO_URL, or one started on first use and reused. */
export function motoServer(): Promise<MotoServer> {
  shared ??= process.env.MOTO_URL ? Promise.resolve({ endpoint: process.env.MOTO_URL.replace(/\/$/, ''), provider: 'env' as const, startupMs: 0, command: '' }) : startMoto();
  return shared;
}

/** A name unique to this run, for buckets, groups and users (lower case, S3-valid). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function motoCommand(): { file: string; args: string[] } {
  const args = ['-H', '127.0.0.1', '-p', '0'];
  if (existsSync(`${VENV}.complete`)) return { file: `${VENV}bin/moto_server`, args };
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/moto_server`));
  if (onPath) return { file: 'moto_server', args };
  return { file: 'python3', args: ['-m', 'moto.server', ...args] };
}

async function startMoto(): Promise<MotoServer> {
  const { file, args } = motoCommand();
  const command = [file, ...args].join(' ');
  const t0 = Date.now();
  const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  child = proc;
  process.once('exit', () => proc.kill('SIGKILL'));
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "Running on" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`moto server (${command}) did not start: ${why}. Install it with test/support/prepare.sh (a venv in test/support/.cache/moto-venv), or set MOTO_URL to a running one.\n${output.slice(-20).join('\n')}`));
    };
    proc.once('error', (err) => fail(err.message));
    proc.once('exit', (code, signal) => fail(`exited with ${signal ?? String(code)}`));
    // Werkzeug prints "* Running on http://127.0.0.1:<port>" on stderr (stdout on some versions).
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (output.length < 200) output.push(line);
        const m = /Running on https?:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          proc.removeAllListeners('exit');
          resolve(Number(m[1]));
        }
      });
    }
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // Ready when it answers its own API (the line comes just before the socket accepts).
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch (err) {
      if (i >= 100) throw new Error(`moto server on ${endpoint} does not answer: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.unref();
  (proc.stdout as unknown as { unref?: () => void }).unref?.();
  (proc.stderr as unknown as { unref?: () => void }).unref?.();
  return { endpoint, provider: 'started', startupMs: Date.now() - t0, command };
}

/** Stops the server this process started (MOTO_URL servers are left alone). */
export async function stopMoto(): Promise<void> {
  const proc = child;
  child = null;
  shared = null;
  if (!proc || proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  await new Promise((r) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      r(undefined);
    }, 3000);
    proc.once('exit', () => {
      clearTimeout(t);
      r(undefined);
    });
  });
}
