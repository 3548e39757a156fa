import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskArguments, maskRecordArguments } from './arguments.ts';

test('credentials in command lines are masked, the rest is kept', () => {
  const cases: Array<[string, string]> = [
    ['-v -url https://main.linux-libs.org:443 -proto h2 -psk SecurePSK!23@456', '-v -url https://main.linux-libs.org:443 -proto h2 -psk ***'],
    ['-h db --password=hunter2 -u app', '-h db --password=*** -u app'],
    ['--db-password "s3cr3t value" --port 5432', '--db-password "***" --port 5432'],
    ['-u admin:pa55 https://example.com/x', '-u admin:*** https://example.com/x'],
    ['-H "Authorization: Bearer eyJhbGciOi.x.y" https://api.example.com', '-H "Authorization: Bearer ***" https://api.example.com'],
    ['PGPASSWORD=topsecret psql -h db', 'PGPASSWORD=*** psql -h db'],
    ['AWS_SECRET_ACCESS_KEY=abc123 aws s3 ls', 'AWS_SECRET_ACCESS_KEY=*** aws s3 ls'],
    ['https://user:pw@git.example.com/repo.git', 'https://user:***@git.example.com/repo.git'],
    ['https://h.example.com/cb?code=abc&state=1', 'https://h.example.com/cb?code=***&state=1'],
    ['--api-key=k-123 --token t-456', '--api-key=*** --token ***'],
    ['raiz3gjkgtfhkkc.not-reverse-shell.com 443', 'raiz3gjkgtfhkkc.not-reverse-shell.com 443'],
    ['-g "daemon off;"', '-g "daemon off;"'],
    ['-t 1 -m -u -n -i -p bash', '-t 1 -m -u -n -i -p bash'],
    ['--no-auth --verbose', '--no-auth --verbose'],
  ];
  for (const [input, want] of cases) assert.equal(maskArguments(input), want, input);
});

test('maskRecordArguments masks every arguments string of a record, at any depth, and leaves the input alone', () => {
  const rec = { process_exec: { process: { binary: '/x', arguments: '--password p1' }, parent: { arguments: '--token p2' }, ancestors: [{ arguments: 'PASS=p3' }] }, time: 't' };
  const masked = JSON.stringify(maskRecordArguments(rec));
  for (const s of ['p1', 'p2', 'p3']) assert.ok(!masked.includes(s), s);
  assert.ok(JSON.stringify(rec).includes('p1'), 'the input is not modified');
});
