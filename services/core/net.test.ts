import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, inCidr, ipBytes, isExternalIp, isPrivateIp, isPublicIp, isValidCidr, networkOf, parseCidr, parseIp } from './net.ts';

test('addresses: strict parsing, zone ids dropped, IPv4-mapped IPv6 is its IPv4 address', () => {
  assert.equal(parseIp('256.1.1.1'), null);
  assert.equal(parseIp('01.1.1.1'), null);
  assert.equal(parseIp('1.2.3'), null);
  assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), null);
  assert.equal(parseIp('ec2.amazonaws.com'), null);
  assert.equal(parseIp(42), null);
  assert.deepEqual(ipBytes('fe80::1%eth0')?.slice(0, 2), [0xfe, 0x80]);
  assert.deepEqual(ipBytes('::ffff:198.51.100.9'), [198, 51, 100, 9]);
});

test('CIDR blocks contain the addresses they should and no others', () => {
  const v4 = parseCidr('10.0.0.0/8')!;
  assert.ok(cidrContains(v4, parseIp('10.200.3.4')!));
  assert.ok(!cidrContains(v4, parseIp('11.0.0.1')!));
  const odd = parseCidr('192.168.4.0/22')!;
  assert.ok(cidrContains(odd, parseIp('192.168.7.255')!));
  assert.ok(!cidrContains(odd, parseIp('192.168.8.0')!));
  const v6 = parseCidr('2001:db8::/32')!;
  assert.ok(cidrContains(v6, parseIp('2001:db8:ffff::1')!));
  assert.ok(!cidrContains(v6, parseIp('2001:db9::1')!));
  assert.ok(!cidrContains(v6, parseIp('10.0.0.1')!), 'families do not mix');
  assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!));
  assert.ok(cidrContains(parseCidr('1.2.3.4/0')!, parseIp('8.8.8.8')!), 'a /0 is everything, whatever its address bits');
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.equal(parseCidr('10.0.0.1'), null, 'a bare address is a CIDR only when asked');
  assert.ok(parseCidr('10.0.0.1', { bareAddress: true }));
});

test('inCidr and isValidCidr take addresses alone as /32 and /128, and lists', () => {
  assert.ok(inCidr('203.0.113.9', ['10.0.0.0/8', '203.0.113.9']));
  assert.ok(inCidr('::ffff:10.1.2.3', ['10.0.0.0/8']));
  assert.ok(!inCidr('not-an-ip', ['0.0.0.0/0']));
  assert.ok(isValidCidr('2001:db8::/32') && isValidCidr('192.0.2.1') && !isValidCidr('192.0.2.1/40') && !isValidCidr('x/8'));
});

test('networks: /24 for IPv4, /48 for IPv6, null for a name', () => {
  assert.equal(networkOf('203.0.113.77'), '203.0.113.0/24');
  assert.equal(networkOf('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
  assert.equal(networkOf('::ffff:198.51.100.9'), '198.51.100.0/24');
  assert.equal(networkOf('AWS Internal'), null);
});

test('public, private and external ranges', () => {
  assert.ok(isPrivateIp('10.1.2.3') && isPrivateIp('100.64.0.1') && isPrivateIp('fd00::1') && !isPrivateIp('8.8.8.8'));
  assert.ok(isPublicIp('8.8.8.8') && isPublicIp('2600:1f18::1'));
  assert.ok(!isPublicIp('203.0.113.9') && !isPublicIp('2001:db8::1') && !isPublicIp('224.0.0.1') && !isPublicIp('::ffff:10.0.0.1'));
  // Flow peers: documentation ranges stand for the internet in captures and examples.
  assert.ok(isExternalIp('203.0.113.9') && isExternalIp('8.8.8.8') && isExternalIp('2001:db8::1'));
  assert.ok(!isExternalIp('10.0.0.1') && !isExternalIp('192.168.1.1') && !isExternalIp('fe80::1') && !isExternalIp('::ffff:172.16.0.1') && !isExternalIp('239.1.1.1'));
});
