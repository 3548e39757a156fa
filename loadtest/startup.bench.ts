/**
 * `npm run bench -- startup [--runs=3]`: the fixed start-up cost of `sluice run` on one CloudTrail
 * record, compiled (dist/, `npm run build` first) and from source (tsx), median of alternating runs,
 * with the anchor of the same run: a bare `node -e 0`. Prints the median wall seconds of each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'services/cli/bin.mjs');

const RECORD = {
  eventVersion: '1.08',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/alice', accountId: '123456789012', userName: 'alice' },
  eventTime: '2024-05-17T08:30:15Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2',
  requestParameters: { name: 'trail' },
  eventID: 'startup-bench-1',
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
};

/** Wall seconds of one child process run to completion. */
function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const before = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - before) / 1e9;
  if (r.status !== 0) throw new Error(`startup bench: ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return wallS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runStartupBench(args: string[]): Promise<unknown> {
  const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 3);
  const compiled = existsSync(join(ROOT, 'dist/services/cli/main.js'));
  const dir = mkdtempSync(join(tmpdir(), 'sluice-startup-'));
  const input = join(dir, 'one.json');
  writeFileSync(input, JSON.stringify(RECORD));
  const run = ['run', '--input', input, '--format', 'ndjson'];
  const base = { ...process.env, NODE_OPTIONS: '' };
  const wall: Record<string, number[]> = { anchor: [], compiled: [], source: [] };
  try {
    for (let i = 0; i < runs; i++) {
      wall.anchor!.push(timed(['-e', '0'], base));
      if (compiled) wall.compiled!.push(timed([BIN, ...run], { ...base, SLUICE_FROM_SOURCE: '' }));
      wall.source!.push(timed([BIN, ...run], { ...base, SLUICE_FROM_SOURCE: '1' }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (k: string): number | null => (wall[k]!.length ? Number(median(wall[k]!).toFixed(2)) : null);
  return {
    bench: 'startup',
    runs,
    one_record_run_wall_s: { compiled: m('compiled'), source: m('source'), bare_node_anchor: m('anchor') },
    compiled_available: compiled,
    note: compiled ? 'compiled = dist/ from `npm run build`' : 'no dist/: run `npm run build` first for the compiled figure',
    target_compiled_wall_s: 1.5,
  };
}
