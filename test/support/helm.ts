/**
 * The Helm 3 CLI for the `sluice scan` chart tests: $SLUICE_HELM, else the binary prepare.sh
 * builds from the Go module proxy into test/support/.cache/helm/<version>/helm (build-helm.sh, in
 * the background: this waits while `.building` names a live process), else `helm` on PATH.
 * Missing: the tests that need it fail and say how to get it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { helmBinary } from '../../services/scan/helm.ts';

const CACHE = fileURLToPath(new URL('./.cache/helm/', import.meta.url));
/** How long a test waits for the background build at most. */
const WAIT_MS = 15 * 60_000;

function built(): string | null {
  if (!existsSync(CACHE)) return null;
  for (const v of readdirSync(CACHE).sort().reverse()) {
    if (existsSync(`${CACHE}${v}/.complete`)) return helmBinary(`${CACHE}${v}/helm`);
  }
  return null;
}

function building(): boolean {
  try {
    process.kill(Number(readFileSync(`${CACHE}.building`, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

/** The helm executable for tests (waiting for prepare.sh's background build), or an error naming how to install it. */
export async function helmForTests(): Promise<string> {
  if (process.env.SLUICE_HELM) {
    const h = helmBinary(process.env.SLUICE_HELM);
    if (h) return h;
    throw new Error(`SLUICE_HELM=${process.env.SLUICE_HELM} is not an executable file`);
  }
  const onPath = helmBinary();
  if (onPath) return onPath;
  for (const t0 = Date.now(); Date.now() - t0 < WAIT_MS; await sleep(2000)) {
    const b = built();
    if (b) return b;
    if (!building()) break;
  }
  const b = built();
  if (b) return b;
  const log = existsSync(`${CACHE}build.log`) ? `; its log ends: ${readFileSync(`${CACHE}build.log`, 'utf8').trim().split('\n').slice(-3).join(' | ')}` : '';
  throw new Error(`no helm binary: run test/support/prepare.sh (it builds Helm 3 from the Go module proxy into test/support/.cache/helm), put helm on PATH, or set SLUICE_HELM${log}`);
}
