import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { escapeControlCharsInStrings, jsonErrorLocation, locateJsonError } from './read.ts';

describe('escapeControlCharsInStrings', () => {
  it('escapes control characters inside strings only', () => {
    assert.equal(escapeControlCharsInStrings('{"a":"x\ny\tz\u0001"}\n'), '{"a":"x\\ny\\tz\\u0001"}\n');
    assert.equal(escapeControlCharsInStrings('{"a":"q\\"\n"}'), '{"a":"q\\"\\n"}');
    const same = '{\n  "a": 1\n}';
    assert.equal(escapeControlCharsInStrings(same), same);
  });
});

describe('locateJsonError', () => {
  it('agrees with JSON.parse on valid and invalid documents', () => {
    const texts = [
      '{}', '[]', '0', '-0.5e-3', '"x\\u00e9"', ' {"a":[1,{"b":null}]} ', '{"a":1,}', '[1 2]', '{"a"}', '', '{"a":"b', '[01]', 'tru', '{"a":1}x', '"\t"', '"\\x"', '{"a":[}', '[1,]', '{,}', '1.', '.5', '+1', 'NaN', '"\\u12G4"',
    ];
    const fixture = readFileSync(new URL('../../../test/fixtures/aws_config/authored/eventbridge-item-change.json', import.meta.url), 'utf8');
    for (let cut = 0; cut <= fixture.length; cut += 97) texts.push(fixture.slice(0, cut));
    texts.push(`${'['.repeat(200000)}${']'.repeat(200000)}`);
    for (const t of texts) {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      assert.equal(locateJsonError(t) === null, valid, JSON.stringify(t.slice(0, 80)));
    }
  });

  it('gives line and column when the engine message has no position', () => {
    const text = '{\n  "Resources": {\n    "A": \n  }\n}';
    assert.deepEqual(jsonErrorLocation(text, "Unexpected token '}', ... is not valid JSON"), { line: 4, column: 3 });
    assert.deepEqual(jsonErrorLocation('{"a":1}', 'Unexpected token at position 3'), { line: 1, column: 4 });
  });
});
