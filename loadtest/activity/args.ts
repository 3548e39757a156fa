import { SluiceError } from '../../services/core/errors.ts';

/** `--key=value` and `--flag` arguments. Unknown keys are an error, so typos do not pass silently. */
export function parseArgs(args: readonly string[], known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(a);
    if (!m || !known.includes(m[1]!)) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown argument "${a}"; known: ${known.map((k) => `--${k}`).join(' ')}`);
    }
    out.set(m[1]!, m[2] ?? 'true');
  }
  return out;
}

/** A numeric argument (or the default). */
export function numArg(args: Map<string, string>, key: string, def: number): number {
  const v = args.get(key);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--${key} must be a number, got "${v}"`);
  return n;
}
