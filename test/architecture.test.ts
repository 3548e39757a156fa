/**
 * The import direction of the layout (README "Repository layout"): each folder of services/ may
 * import only the floors below it. Test code (`*.test.ts`, `testing.ts`, `tests/` folders) may
 * import anything: tests wire real components together.
 *
 *   core                           -> nothing (the event model, component interfaces, config base, topology)
 *   transports, rules              -> core            (rules is the shared CEL engine)
 *   collectors, sinks, remediation -> core
 *   detectors                      -> core, rules
 *   processor                      -> core, detectors, sinks   (the runtime that hosts detectors and sinks)
 *   scan                           -> core, rules, collectors, detectors
 *   cli                            -> everything      (the one place that wires the app)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const services = join(root, 'services');

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  transports: ['core'],
  rules: ['core'],
  collectors: ['core'],
  sinks: ['core'],
  remediation: ['core'],
  detectors: ['core', 'rules'],
  processor: ['core', 'detectors', 'sinks'],
  scan: ['core', 'rules', 'collectors', 'detectors'],
  cli: ['*'],
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules') return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.(ts|mts)$/.test(e.name) ? [p] : [];
  });
}

const isTestCode = (file: string): boolean => /\.test\.ts$/.test(file) || /(^|\/)testing\.ts$/.test(file) || file.split(sep).includes('tests');

/** Every relative import of a file: `from '…'`, `import('…')`, `export … from '…'`. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

function violations(): string[] {
  const out: string[] = [];
  for (const file of walk(services)) {
    if (isTestCode(file)) continue;
    const rel = relative(services, file);
    const floor = rel.split(sep)[0]!;
    const allowed = ALLOWED[floor];
    if (!allowed) {
      out.push(`services/${floor}/ is not a known floor (add it to ALLOWED and the README layout)`);
      continue;
    }
    for (const spec of importsOf(file)) {
      const target = relative(services, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        out.push(`services/${rel} imports ${spec} from outside services/`);
        continue;
      }
      const to = target.split(sep)[0]!;
      if (to === floor || allowed.includes('*') || allowed.includes(to)) continue;
      out.push(`services/${rel} (${floor}) imports services/${target} (${to}); ${floor} may import ${allowed.join(', ') || 'nothing'}`);
    }
  }
  return out;
}

test('each floor of services/ imports only the floors below it', () => {
  assert.deepEqual(violations(), []);
});

test('the check sees real imports (core imports its own modules)', () => {
  // Guards against a check that passes because it reads nothing.
  const coreImports = walk(join(services, 'core')).filter((f) => !isTestCode(f)).flatMap(importsOf);
  assert.ok(coreImports.length > 20, `only ${coreImports.length} imports found in core`);
  assert.ok(importsOf(join(services, 'cli', 'config.ts')).some((s) => s.includes('detectors/registry.ts')), 'cli/config.ts assembles the detector registry');
});
