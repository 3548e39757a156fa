import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RejectedRecord } from '../core/components.ts';
import { SluiceError } from '../core/errors.ts';

/**
 * Expands files and directories (recursively, sorted, hidden files skipped) into a file list. A
 * path named by the caller that does not exist is an error (SLUICE_ERR_INPUT_NOT_FOUND); an entry
 * inside a directory that cannot be read (a dangling link, a file removed meanwhile) is still
 * listed, so that reading it fails and it is dead-lettered instead of stopping the whole pass.
 */
export async function listInputFiles(paths: readonly string[], nested = false): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (cause) {
      if (nested) {
        out.push(p);
        continue;
      }
      throw new SluiceError('SLUICE_ERR_INPUT_NOT_FOUND', `input ${p} does not exist or cannot be read`, { cause });
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      out.push(...(await listInputFiles(names.map((n) => join(p, n)), true)));
    } else if (st.isFile()) {
      out.push(p);
    }
  }
  return out;
}

/** The file's bytes, or the dead letter saying why it could not be read. */
export async function readInputOrReject(path: string, source: string): Promise<{ bytes: Buffer } | { reject: RejectedRecord }> {
  try {
    return { bytes: await readInput(path) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      reject: { kind: 'dead_letter', stage: 'collect', source, position: `${path}#0`, reasonCode: 'SLUICE_ERR_INPUT_UNREADABLE', reason, raw: Buffer.alloc(0) },
    };
  }
}

export async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
