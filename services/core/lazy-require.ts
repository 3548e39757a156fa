import { createRequire } from 'node:module';

/**
 * A CommonJS dependency required on first use, synchronously: `const yaml = lazyRequire<typeof
 * import('yaml')>(import.meta.url, 'yaml')`, then `yaml().parse(…)`. For packages that only some
 * calls need (YAML parsing, SemVer ordering, CVSS scoring): a process, or a detector worker thread,
 * that never makes those calls never loads them (start-up, `npm run bench -- startup`). The
 * package must have a CommonJS entry (`require` or `node` export condition, or `main`).
 */
export function lazyRequire<T>(moduleUrl: string, id: string): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: createRequire(moduleUrl)(id) as T }).value;
}
