import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../core/errors.ts';

/** Expands files and directories (recursively, sorted, hidden files skipped) into a file list. */
export async function listInputFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_INPUT_NOT_FOUND', `input ${p} does not exist or cannot be read`, { cause });
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      out.push(...(await listInputFiles(names.map((n) => join(p, n)))));
    } else if (st.isFile()) {
      out.push(p);
    }
  }
  return out;
}

export async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
