import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords, parseCsv } from './csv.ts';

test('RFC 4180: quoted commas, line breaks and doubled quotes; CRLF and LF; a final line break adds no record', () => {
  assert.deepEqual(parseCsv('a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\n'), [
    ['a', 'b', 'c'],
    ['1', 'x, y', 'say "hi"'],
    ['2', 'two\nlines', ''],
  ]);
  assert.deepEqual(parseCsv('\ufeffa\n""'), [['a'], ['']]);
  assert.deepEqual(parseCsv(''), []);
});

test('malformed CSV throws and names the line', () => {
  assert.throws(() => parseCsv('a,b\n1,"open'), /line 2: a quoted field is not closed/);
  assert.throws(() => parseCsv('a,b\n1,x"y'), /line 2: a quote inside an unquoted field/);
  assert.throws(() => parseCsv('a\n"q"x'), /line 2: text after a closing quote/);
});

test('csvRecords keys rows by the header and refuses a row of another width', () => {
  assert.deepEqual(csvRecords('user,arn\nalice,arn:aws:iam::1:user/alice\n'), [{ user: 'alice', arn: 'arn:aws:iam::1:user/alice' }]);
  assert.throws(() => csvRecords('user,arn\nalice\n'), /record 1 has 1 fields, the header 2/);
  assert.throws(() => csvRecords(''), /no header/);
});
