import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { IIN_TABLE, lookupIin } from './iin.ts';
import { Rng } from './samples.ts';
import { luhn } from './validators.ts';

const engine = buildEngine(parseDlpConfig({ enabled: true }));
const cards = (text: string): string[] => engine.scan(text).filter((m) => m.def.id === 'payment_card').map((m) => `${m.subtype}:${m.value}`);

/** A number of `length` digits starting with `prefix`, completed with a Luhn check digit. */
function complete(rng: Rng, prefix: string, length: number): string {
  for (;;) {
    const body = prefix + rng.chars('0123456789', length - prefix.length - 1);
    for (let d = 0; d < 10; d++) if (luhn(body + d) && !/(\d)\1{5}/.test(body + d)) return body + d;
  }
}

test('IIN table: every range of every scheme, at each of its lengths, gives that scheme (or a more specific one)', () => {
  const rng = new Rng(7812);
  for (const row of IIN_TABLE) {
    for (const [from, to] of row.ranges) {
      for (const prefix of [from, to]) {
        for (const length of row.lengths) {
          const n = complete(rng, prefix, length);
          const got = lookupIin(n);
          assert.ok(got !== null, `${row.brand} ${prefix} ${length}`);
          // A longer prefix of another scheme may win (e.g. Elo inside the Visa range).
          if (got.brand !== row.brand) {
            const other = IIN_TABLE.find((r) => r.brand === got.brand)!;
            assert.ok(other.ranges.some(([a, b]) => a.length >= prefix.length && n.slice(0, a.length) >= a && n.slice(0, a.length) <= b), `${row.brand} ${prefix}: ${got.brand}`);
          }
        }
      }
    }
  }
});

test('IIN table: lengths a scheme does not issue, and unassigned prefixes, give no scheme', () => {
  const rng = new Rng(1);
  assert.equal(lookupIin(complete(rng, '4', 14)), null, 'Visa is 13, 16 or 19');
  assert.equal(lookupIin(complete(rng, '34', 16)), null, 'Amex is 15');
  assert.equal(lookupIin(complete(rng, '51', 19)), null, 'Mastercard is 16');
  assert.equal(lookupIin(complete(rng, '2721', 16)), null, 'beyond the 2-series');
  assert.equal(lookupIin(complete(rng, '9999', 16)), null);
  assert.equal(lookupIin(complete(rng, '1234', 16)), null, 'UATP is 15');
  assert.equal(lookupIin(complete(rng, '5018', 12))?.brand, 'maestro');
  assert.equal(lookupIin(complete(rng, '5018', 12))?.needsKeyword, false, 'a 12-digit number in a 4-digit Maestro range');
  assert.equal(lookupIin(complete(rng, '5712', 12))?.needsKeyword, true, 'a 12-digit number in a broad range needs a keyword');
  assert.equal(lookupIin(complete(rng, '1', 15))?.needsKeyword, true, 'UATP needs a keyword');
  assert.equal(lookupIin(complete(rng, '9792', 16))?.brand, 'troy');
  assert.equal(lookupIin(complete(rng, '2200', 19))?.brand, 'mir');
  assert.equal(lookupIin(complete(rng, '3528', 19))?.brand, 'jcb');
  assert.equal(lookupIin(complete(rng, '2131', 15))?.brand, 'jcb');
  assert.equal(lookupIin(complete(rng, '36', 14))?.brand, 'diners');
  assert.equal(lookupIin(complete(rng, '6200', 19))?.brand, 'unionpay');
  assert.equal(lookupIin(complete(rng, '6521', 16))?.brand, 'discover', 'shared 65 range: Discover first');
  assert.equal(lookupIin(complete(rng, '506100', 18))?.brand, 'verve');
  assert.equal(lookupIin(complete(rng, '5712', 16))?.brand, 'maestro', 'a broad Maestro range');
  assert.equal(lookupIin(complete(rng, '5712', 16))?.needsKeyword, true);
  assert.equal(lookupIin(complete(rng, '0604', 12))?.brand, 'maestro');
});

test('cards in text: new schemes and lengths, keyword rules for short and prefix-1 numbers', () => {
  const rng = new Rng(42);
  const maestro12 = complete(rng, '5712', 12);
  assert.deepEqual(cards(`ref ${maestro12} shipped`), [], '12 digits of a broad range without a keyword');
  assert.deepEqual(cards(`maestro card ${maestro12}`), [`maestro:${maestro12}`]);
  const jcb35 = complete(rng, '3592', 16);
  assert.deepEqual(cards(`ref ${jcb35} shipped`), []);
  assert.deepEqual(cards(`credit card ${jcb35}`), [`jcb:${jcb35}`]);
  const maestro0604 = complete(rng, '0604', 12);
  assert.deepEqual(cards(`debit card: ${maestro0604}`), [`maestro:${maestro0604}`]);
  assert.deepEqual(cards(`order ${maestro0604}`), []);
  const uatp = complete(rng, '1', 15);
  assert.deepEqual(cards(`id ${uatp}`), []);
  assert.deepEqual(cards(`card number ${uatp}`), [`uatp:${uatp}`]);
  const jcb15 = complete(rng, '2131', 15);
  assert.deepEqual(cards(`paid with ${jcb15}`), [`jcb:${jcb15}`]);
  const mir19 = complete(rng, '2202', 19);
  assert.deepEqual(cards(`paid with ${mir19.match(/.{1,4}/g)!.join(' ')}`), [`mir:${mir19.match(/.{1,4}/g)!.join(' ')}`]);
  const troy = complete(rng, '9792', 16);
  assert.deepEqual(cards(`paid with ${troy}`), [`troy:${troy}`]);
  const bad = troy.slice(0, -1) + String((Number(troy.at(-1)) + 1) % 10);
  assert.deepEqual(cards(`paid with ${bad}`), [], 'Luhn fails');
  assert.deepEqual(cards('at 1700000000123 ms'), [], 'a timestamp');
});
