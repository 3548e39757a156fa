import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affectsVersion, eventsInclude, fixedVersions, type AffectedEntry } from './ranges.ts';
import { ORDERINGS, orderingFor } from './versions/ordering.ts';

type Ev = { introduced?: string; fixed?: string; last_affected?: string; limit?: string };
const ev = (e: Ev) => ({ introduced: e.introduced ?? null, fixed: e.fixed ?? null, last_affected: e.last_affected ?? null, limit: e.limit ?? null });
const entry = (type: string, events: Ev[], versions: string[] = []): AffectedEntry => ({ ranges: [{ type, repo: null, events: events.map(ev) }], versions });

test('introduced/fixed pairs: inside, at the fix and between ranges (GO-2022-0354, cri-o)', () => {
  const e = entry('SEMVER', [{ introduced: '1.19.0' }, { fixed: '1.19.6' }, { introduced: '1.20.0' }, { fixed: '1.20.7' }]);
  assert.equal(affectsVersion(e, 'v1.19.5', 'Go').affected, true);
  assert.equal(affectsVersion(e, 'v1.19.6', 'Go').affected, false, 'the fixed version is not affected');
  assert.equal(affectsVersion(e, 'v1.19.10', 'Go').affected, false, 'between a fix and the next introduction');
  assert.equal(affectsVersion(e, 'v1.20.0', 'Go').affected, true);
  assert.equal(affectsVersion(e, 'v1.18.0', 'Go').affected, false, 'before the first introduction');
  assert.equal(affectsVersion(e, 'v1.21.0', 'Go').affected, false);
});

test('introduced 0, last_affected and limit', () => {
  assert.equal(eventsInclude('0.0.1', [ev({ introduced: '0' }), ev({ fixed: '1.0.0' })], ORDERINGS.semver), true);
  const last = [ev({ introduced: '0' }), ev({ last_affected: '2.3.0' })];
  assert.equal(eventsInclude('2.3.0', last, ORDERINGS.semver), true, 'last_affected is included');
  assert.equal(eventsInclude('2.3.1', last, ORDERINGS.semver), false);
  const limited = [ev({ introduced: '1.0.0' }), ev({ limit: '1.5.0' })];
  assert.equal(eventsInclude('1.4.9', limited, ORDERINGS.semver), true);
  assert.equal(eventsInclude('1.5.0', limited, ORDERINGS.semver), false);
  assert.equal(eventsInclude('2.0.0', limited, ORDERINGS.semver), false);
});

test('events are evaluated in version order, not in the order written', () => {
  const shuffled = [ev({ fixed: '2.0.0' }), ev({ introduced: '1.5.0' }), ev({ fixed: '1.2.0' }), ev({ introduced: '0' })];
  assert.equal(eventsInclude('1.1.0', shuffled, ORDERINGS.semver), true);
  assert.equal(eventsInclude('1.3.0', shuffled, ORDERINGS.semver), false);
  assert.equal(eventsInclude('1.6.0', shuffled, ORDERINGS.semver), true);
});

test('ECOSYSTEM ranges use the ecosystem ordering (PEP 440, dpkg, apk)', () => {
  // PYSEC-2005-1 (trac): introduced 0, fixed 0.10; explicit versions 0.8.4, 0.9.
  const trac = entry('ECOSYSTEM', [{ introduced: '0' }, { fixed: '0.10' }], ['0.8.4', '0.9']);
  assert.equal(affectsVersion(trac, '0.9', 'PyPI').affected, true);
  assert.equal(affectsVersion(trac, '0.10rc1', 'PyPI').affected, true, 'a pre-release of the fix is affected');
  assert.equal(affectsVersion(trac, '0.10', 'PyPI').affected, false);
  assert.equal(affectsVersion(trac, '0.10.0', 'PyPI').affected, false, '0.10.0 equals 0.10 in PEP 440');
  assert.equal(affectsVersion(trac, '0.9', 'PyPI').affected, true);
  const deb = entry('ECOSYSTEM', [{ introduced: '0' }, { fixed: '1.1.1n-0+deb11u5' }]);
  assert.equal(affectsVersion(deb, '1.1.1n-0+deb11u4', 'Debian:11').affected, true);
  assert.equal(affectsVersion(deb, '1.1.1n-0+deb11u5', 'Debian:11').affected, false);
  const apk = entry('ECOSYSTEM', [{ introduced: '0' }, { fixed: '1.2.12-r2' }]);
  assert.equal(affectsVersion(apk, '1.2.12-r1', 'Alpine:v3.16').affected, true);
  assert.equal(affectsVersion(apk, '1.2.13-r0', 'Alpine:v3.16').affected, false);
});

test('explicit versions match by string and by ordering; ECOSYSTEM without an ordering only by versions', () => {
  const listed = entry('ECOSYSTEM', [{ introduced: '0' }], ['1.0']);
  assert.equal(affectsVersion(listed, '1.0.0', 'PyPI').affected, true);
  const cran = affectsVersion(entry('ECOSYSTEM', [{ introduced: '0' }], ['3.1']), '3.2', 'CRAN');
  assert.deepEqual(cran, { affected: false, skips: ['unordered_ecosystem'] });
  assert.equal(affectsVersion(entry('ECOSYSTEM', [{ introduced: '0' }], ['3.1']), '3.1', 'CRAN').affected, true);
});

test('GIT ranges are skipped with a reason; unreadable versions are reported, not guessed', () => {
  const git = affectsVersion({ ranges: [{ type: 'GIT', repo: 'https://github.com/x/y', events: [ev({ introduced: '0' }), ev({ fixed: 'abc123' })] }], versions: [] }, '1.0.0', 'PyPI');
  assert.deepEqual(git, { affected: false, skips: ['git_range'] });
  assert.deepEqual(affectsVersion(entry('SEMVER', [{ introduced: '0' }, { fixed: '1.0.0' }]), 'latest', 'npm'), { affected: false, skips: ['invalid_installed_version'] });
  assert.deepEqual(affectsVersion(entry('SEMVER', [{ introduced: '0' }, { fixed: 'soon' }]), '1.0.0', 'npm'), { affected: false, skips: ['invalid_event_version'] });
});

test('fixed versions are listed once, GIT fixes left out', () => {
  const a = entry('SEMVER', [{ introduced: '0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.1.0' }]);
  const b = { ranges: [{ type: 'GIT', repo: 'r', events: [ev({ fixed: 'deadbeef' })] }], versions: [] };
  assert.deepEqual(fixedVersions([a, a, b]), ['1.2.0', '2.1.0']);
});

test('on the real PyPI and Go fixture records, ranges agree with the listed versions, and no fix is affected', async () => {
  const { readFileSync } = await import('node:fs');
  let listed = 0;
  let fixes = 0;
  for (const file of ['pypi-sample.jsonl', 'go-sample.jsonl']) {
    for (const line of readFileSync(new URL(`./fixtures/osv/${file}`, import.meta.url), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { id: string; affected: Array<{ package: { ecosystem: string }; versions?: string[]; ranges: Array<{ type: string; events: Ev[] }> }> };
      for (const a of r.affected) {
        const ranges = { ranges: a.ranges.map((x) => ({ type: x.type, repo: null, events: x.events.map(ev) })), versions: [] };
        for (const v of a.versions ?? []) {
          listed++;
          if (orderingFor(a.package.ecosystem)!.valid(v)) assert.equal(affectsVersion(ranges, v, a.package.ecosystem).affected, true, `${r.id}: listed ${v} is inside the ranges`);
          // Legacy, non-PEP 440 releases (paramiko `0.1-bulbasaur`) are matched by the list alone.
          else assert.equal(affectsVersion({ ...ranges, versions: a.versions! }, v, a.package.ecosystem).affected, true, `${r.id}: listed ${v}`);
        }
        for (const x of a.ranges) {
          for (const e of x.events) {
            if (x.type === 'GIT' || !e.fixed) continue;
            fixes++;
            assert.equal(affectsVersion(ranges, e.fixed, a.package.ecosystem).affected, false, `${r.id}: fixed ${e.fixed} is not affected`);
          }
        }
      }
    }
  }
  assert.ok(listed > 400 && fixes >= 14, `${listed} listed versions, ${fixes} fixes checked`);
});
