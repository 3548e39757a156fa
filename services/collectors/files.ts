import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RejectedRecord } from '../core/components.ts';
import { SluiceError } from '../core/errors.ts';

/**
 * Expands files and directories (recursively, sorted, hidden files skipped) into a file list. A
 * path named by the caller that does not exist is an error (SLUICE_ERR_INPUT_NOT_FOUND); an entry
 * inside a directory that cannot be read (a dangling link, a link loop, a file removed meanwhile)
 * is still listed, so that reading it fails and it is dead-lettered instead of stopping the whole
 * pass. Links are followed, but every directory and file is visited once, by (device, inode): a
 * symlink loop or a second link to the same file neither repeats its events nor recurses forever.
 */
export async function listInputFiles(paths: readonly string[], nested = false, visited: Set<string> = new Set()): Promise<string[]> {
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
    const id = `${st.dev}:${st.ino}`;
    if (visited.has(id)) continue;
    visited.add(id);
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      out.push(...(await listInputFiles(names.map((n) => join(p, n)), true, visited)));
    } else if (st.isFile()) {
      out.push(p);
    } else if (!nested) {
      // A FIFO would block forever, /dev/zero never ends: refuse what the caller named explicitly.
      throw new SluiceError('SLUICE_ERR_INPUT_NOT_REGULAR', `input ${p} is not a regular file or directory (a FIFO, socket or device); not read`);
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

/** Bytes read from one input file at most (1 GiB). */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024;

export async function readInput(path: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new SluiceError('SLUICE_ERR_INPUT_NOT_REGULAR', `${path} is not a regular file (a FIFO, socket or device); not read`);
    if (st.size > MAX_INPUT_FILE_BYTES) throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `${path} is ${st.size} bytes, more than ${MAX_INPUT_FILE_BYTES}; not read`);
    return await readFile(path);
  } catch (cause) {
    if (cause instanceof SluiceError) throw cause;
    throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
