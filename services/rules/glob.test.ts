import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBounded } from '../../test/support/bounded.ts';
import { compileGlob } from './helpers.ts';

test('glob keeps its meaning: *, ?, escapes, case folding, anchoring', () => {
  const t = (p: string, s: string, ci = false): boolean => compileGlob(p, ci).test(s);
  assert.equal(t('Create*Key', 'CreateAccessKey'), true);
  assert.equal(t('Create*Key', 'CreateAccessKeys'), false);
  assert.equal(t('Create*Key', 'CreateKey'), true);
  assert.equal(t('a?c', 'abc'), true);
  assert.equal(t('a?c', 'ac'), false);
  assert.equal(t('a\\*c', 'a*c'), true);
  assert.equal(t('a\\*c', 'abc'), false);
  assert.equal(t('a\\?c', 'abc'), false);
  assert.equal(t('a\\\\c', 'a\\c'), true);
  assert.equal(t('*.EXE', 'cmd.exe', true), true);
  assert.equal(t('*.EXE', 'cmd.exe'), false);
  assert.equal(t('a.b', 'axb'), false);
  assert.equal(t('*', ''), true);
  assert.equal(t('', ''), true);
  assert.equal(t('', 'x'), false);
  assert.equal(t('**a**', 'xay'), true);
  assert.equal(t('*ab*ab*', 'abab'), true);
  assert.equal(t('*ab*ab*', 'aba'), false);
  assert.equal(t('ab*ba', 'aba'), false, 'head and tail may not overlap');
  assert.equal(t('*a?c*d', 'xxabcxxd'), true);
  assert.equal(t('*a?c*d', 'xxabxxd'), false);
  assert.equal(t('*\n*', 'line1\nline2'), true);
  // Same answers as the RegExp a glob used to compile to, on a small exhaustive alphabet.
  const toRe = (p: string): RegExp => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
  const words = ['', 'a', 'b', 'ab', 'ba', 'aab', 'abb', 'abab', 'bab', 'aaba'];
  for (const p of ['*', '?', 'a*', '*b', 'a*b', '*a*b*', '?b*', '*a?', 'a*a*b', '*ab*', 'a??b', '*?*?*']) {
    for (const w of words) assert.equal(compileGlob(p, false).test(w), toRe(p).test(w), `${p} on "${w}"`);
  }
});

test('a Sigma contains with wildcards on a crafted 100 KB user agent costs < 50 ms (linear-time glob)', async () => {
  const result = (await runBounded(
    import.meta.url,
    { sigma: './sigma/index.ts', loader: './loader.ts', ruleset: './ruleset.ts', testing: './testing.ts', fs: 'node:fs', os: 'node:os', path: 'node:path' },
    `async (m) => {
      const dir = m.fs.mkdtempSync(m.path.join(m.os.tmpdir(), 'sluice-glob-'));
      const file = m.path.join(dir, 'ua.yml');
      m.fs.writeFileSync(file, [
        'title: Crafted user agent',
        'logsource: { product: aws, service: cloudtrail }',
        'detection:',
        "  selection: { userAgent|contains: 'a*a*a*a*a*a*a*a*b' }",
        "  selection2: { userAgent|contains|cased: 'a*a*a*a*a*a*a*a*b' }",
        '  condition: selection or selection2',
        'level: low',
      ].join('\\n'));
      const { yaml } = m.sigma.importSigma([file]);
      if (!/iglob\\(/.test(yaml) || !/[^i]glob\\(/.test(yaml)) throw new Error('the importer no longer emits glob/iglob: ' + yaml);
      const { rules, problems } = m.loader.compileRuleSources([{ file: 'imported.yaml', text: yaml }]);
      if (problems.length) throw new Error(m.loader.formatProblems(problems));
      const set = new m.ruleset.ActivityRuleSet(rules);
      const ua = 'a'.repeat(100 * 1024);
      const event = m.testing.buildTestEvent({ user_agent: ua }, 'aws_cloudtrail');
      set.evaluate(m.testing.buildTestEvent({ user_agent: 'short' }, 'aws_cloudtrail'));
      const t0 = performance.now();
      const matched = set.evaluate(event).matches.length;
      const ms = performance.now() - t0;
      const hit = set.evaluate(m.testing.buildTestEvent({ user_agent: ua + 'b' }, 'aws_cloudtrail')).matches.length;
      return { ms, matched, hit };
    }`,
    { timeoutMs: 10_000, maxHeapMb: 256 },
  )) as { ms: number; matched: number; hit: number };
  assert.equal(result.matched, 0);
  assert.equal(result.hit, 1, 'the pattern still matches when the b is there');
  assert.ok(result.ms < 50, `evaluation took ${result.ms.toFixed(1)} ms`);
  console.log(`# 100 KB crafted user agent, Sigma contains 'a*a*a*a*a*a*a*a*b' (iglob and glob): ${result.ms.toFixed(2)} ms`);
});

test('direct glob on 100 KB fields with wildcard-heavy patterns stays under 50 ms', () => {
  const cases: Array<[string, string]> = [
    ['*a*a*a*a*a*a*a*a*a*a*b*', 'a'.repeat(100 * 1024)],
    ['*a?a?a?a?a?a?b*', 'a'.repeat(100 * 1024)],
    ['*Mozilla*Windows*Chrome*Safari*Edge', 'Mozilla Windows Chrome Safari '.repeat(3500)],
    // Every literal of the ?-segment occurs at every other position: each candidate is checked in full.
    ['*a?a?a?a?a?a?a?a?a?a?b?a?c*', 'ab'.repeat(50 * 1024)],
  ];
  for (const [p, s] of cases) {
    for (const ci of [false, true]) {
      const g = compileGlob(p, ci);
      const t0 = performance.now();
      assert.equal(g.test(s), false);
      const ms = performance.now() - t0;
      assert.ok(ms < 50, `${p} (${ci ? 'iglob' : 'glob'}) took ${ms.toFixed(1)} ms`);
    }
  }
});
