import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base62,
  cardBrand,
  crc32,
  githubChecksumOk,
  ibanMod97,
  luhn,
  shannonEntropy,
  ssnValid,
  validateEmail,
  validateHighEntropy,
  validateJwt,
  validatePaymentCard,
  validatePhone,
  validateSsn,
  VALIDATORS,
} from './validators.ts';
import { githubToken, ibanNumber, Rng } from './samples.ts';

test('Luhn: known valid and invalid numbers', () => {
  for (const n of ['79927398713', '4539988915720591', '5213591727586604', '378282246310005', '6011000990139424']) assert.equal(luhn(n), true, n);
  for (const n of ['79927398710', '4539988915720592', '1234567812345678', '', '7', '12a4']) assert.equal(luhn(n), false, n);
});

test('card brands: IIN ranges and lengths', () => {
  const cases: Array<[string, string | null]> = [
    ['4539988915720591', 'visa'],
    ['4222222222222', 'visa'],
    ['453998891572059', null], // Visa is 13, 16 or 19 digits
    ['5213591727586604', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2721000000000004', null], // beyond 2720
    ['378282246310005', 'amex'],
    ['3782822463100051', null], // Amex is 15 digits
    ['6011000990139424', 'discover'],
    ['6500000000000002', 'discover'],
    ['3530111333300000', 'jcb'],
    ['30569309025904', 'diners'],
    ['6200000000000005', 'unionpay'],
    ['2200000000000004', 'mir'],
    ['9999999999999995', null],
    ['1234567890123452', null],
  ];
  for (const [n, brand] of cases) assert.equal(cardBrand(n), brand, n);
});

test('payment card validation: grouping, separators, Luhn, repeated digits', () => {
  assert.equal(validatePaymentCard('4539 9889 1572 0591')?.subtype, 'visa');
  assert.equal(validatePaymentCard('4539-9889-1572-0591')?.normalized, '4539988915720591');
  assert.equal(validatePaymentCard('3782 822463 10005')?.subtype, 'amex');
  assert.equal(validatePaymentCard('4539 9889-1572 0591'), null, 'mixed separators');
  assert.equal(validatePaymentCard('45 3998 8915 7205 91'), null, 'odd grouping');
  assert.equal(validatePaymentCard('4539988915720592'), null, 'Luhn fails');
  assert.equal(validatePaymentCard('0000000000000000'), null, 'one repeated digit');
});

test('SSN rules: area, group and serial', () => {
  assert.equal(ssnValid('531', '21', '7351'), true);
  assert.equal(ssnValid('000', '21', '7351'), false);
  assert.equal(ssnValid('666', '21', '7351'), false);
  assert.equal(ssnValid('900', '21', '7351'), false);
  assert.equal(ssnValid('999', '21', '7351'), false);
  assert.equal(ssnValid('899', '21', '7351'), true);
  assert.equal(ssnValid('531', '00', '7351'), false);
  assert.equal(ssnValid('531', '21', '0000'), false);
  assert.equal(validateSsn('531-21-7351')?.subtype, 'dashed');
  assert.equal(validateSsn('531 21 7351')?.subtype, 'spaced');
  assert.equal(validateSsn('531217351')?.subtype, 'plain');
  assert.equal(validateSsn('531-21 7351'), null, 'mixed separators');
  assert.equal(validateSsn('111-11-1111')?.testValue, true);
});

test('IBAN mod-97 and country lengths', () => {
  for (const iban of ['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'BE68539007547034']) {
    assert.equal(ibanMod97(iban), true, iban);
  }
  assert.equal(ibanMod97('GB82WEST12345698765433'), false);
  assert.equal(ibanMod97('GB83WEST12345698765432'), false);
  const rng = new Rng(3);
  for (let i = 0; i < 50; i++) assert.equal(ibanMod97(ibanNumber(rng)), true);
  const v = VALIDATORS.iban;
  const text = 'IBAN DE89 3704 0044 0532 0130 00 AB12';
  const value = text.slice(5);
  const r = v({ text, start: 5, end: text.length, value, valueStart: 5, groups: {} });
  assert.ok(r);
  assert.equal(text.slice(5, r.end), 'DE89 3704 0044 0532 0130 00', 'cut to the German length');
  assert.equal(v({ text: 'XX89370400440532013000', start: 0, end: 22, value: 'XX89370400440532013000', valueStart: 0, groups: {} }), null, 'unknown country');
  assert.equal(v({ text: 'DE8937040044053201300', start: 0, end: 21, value: 'DE8937040044053201300', valueStart: 0, groups: {} }), null, 'too short');
});

test('e-mail: syntax, file-extension TLDs, example domains', () => {
  assert.ok(validateEmail('jane.doe@acme-corp.com'));
  assert.equal(validateEmail('jane.doe@acme-corp.com')?.testValue, false);
  assert.equal(validateEmail('jane@example.com')?.testValue, true);
  assert.equal(validateEmail('logo@2x.png'), null);
  assert.equal(validateEmail('a..b@acme.com'), null);
  assert.equal(validateEmail('.a@acme.com'), null);
  assert.equal(validateEmail('a@-acme.com'), null);
  assert.equal(validateEmail('a@acme'), null);
  assert.equal(validateEmail('a@acme.c0m'), null);
});

test('phone: digit count, dates, IPs, decimals', () => {
  for (const p of ['+1-944-435-4352', '(07) 5331 0577', '986.291.2294x751', '001-825-741-0957x5184', '+14155552671', '21 212 133 2727']) {
    assert.ok(validatePhone(p), p);
  }
  for (const p of ['2024-01-15', '15.01.2024', '192.168.100.200', '12345.6789', '123-45', '1 2 3 4 5 6 7', '+1234567890123456']) {
    assert.equal(validatePhone(p), null, p);
  }
});

test('JWT: header with alg, JSON payload', () => {
  const seg = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  assert.equal(validateJwt(`${seg({ alg: 'HS256', typ: 'JWT' })}.${seg({ sub: '1' })}.abcDEF123_-`)?.subtype, 'HS256');
  assert.equal(validateJwt(`${seg({ alg: 'none' })}.${seg({ sub: '1' })}.`)?.subtype, 'unsigned');
  assert.equal(validateJwt(`${seg({ typ: 'JWT' })}.${seg({ sub: '1' })}.abc`), null, 'no alg');
  assert.equal(validateJwt(`${seg({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}.abc`), null, 'payload not JSON');
  assert.equal(validateJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0'), null, 'two parts');
});

test('entropy and high-entropy secrets', () => {
  assert.equal(shannonEntropy('aaaa'), 0);
  assert.equal(shannonEntropy('abcd'), 2);
  assert.ok(validateHighEntropy('Zx9!qW2#eR4$tY6&uI8'));
  assert.equal(validateHighEntropy('password_reset_token'), null, 'an identifier');
  assert.equal(validateHighEntropy('changeme12345'), null, 'a placeholder');
  assert.equal(validateHighEntropy('${DB_PASSWORD}'), null, 'a template');
  assert.equal(validateHighEntropy('aaaaaaaaaaaaaaaaaaaa'), null, 'low entropy');
  assert.equal(validateHighEntropy('short1A'), null, 'too short');
});

test('CRC-32, base62 and the GitHub token checksum', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(crc32(''), 0);
  assert.equal(base62(0, 6), '000000');
  assert.equal(base62(61, 1), 'z');
  assert.equal(base62(62, 2), '10');
  const rng = new Rng(11);
  for (let i = 0; i < 20; i++) assert.equal(githubChecksumOk(githubToken(rng)), true);
  const t = githubToken(rng);
  const flipped = t.slice(0, 10) + (t[10] === 'a' ? 'b' : 'a') + t.slice(11);
  assert.equal(githubChecksumOk(flipped), false);
});
