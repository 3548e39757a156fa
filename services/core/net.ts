/**
 * IP addresses and CIDR blocks, in one place for every collector, detector and rule helper.
 * Parsing and matching are ipaddr.js's; validation is node:net's `isIP` (strict dotted quads, no
 * octal-looking parts, IPv6 with an optional zone id). An IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.9`) is treated as its IPv4 address everywhere.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** A CIDR block: its base address and prefix length. */
export interface Cidr {
  readonly address: IpAddress;
  readonly prefix: number;
}

/** The address of a text, or null when it is not one (a host name, a service name, garbage). */
export function parseIp(text: unknown): IpAddress | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const family = isIP(text);
  if (family === 0) return null;
  const bare = family === 6 ? text.split('%')[0]! : text;
  const addr = ipaddr.parse(bare);
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

/** The bytes of an address (4 or 16; an IPv4-mapped IPv6 address gives 4), or null. */
export function ipBytes(text: unknown): number[] | null {
  return parseIp(text)?.toByteArray() ?? null;
}

/**
 * `a.b.c.d/n` or `x:y::/n`; with `bareAddress`, an address alone is its /32 or /128. Null when
 * invalid (bad address, prefix out of range).
 */
export function parseCidr(text: unknown, opts: { bareAddress?: boolean } = {}): Cidr | null {
  if (typeof text !== 'string') return null;
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m || (m[2] === undefined && !opts.bareAddress)) return null;
  const family = isIP(m[1]!);
  if (family === 0) return null;
  const address = ipaddr.parse(family === 6 ? m[1]!.split('%')[0]! : m[1]!);
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return null;
  return { address, prefix };
}

/** True when the address is inside the block; families do not mix. */
export function cidrContains(block: Cidr, ip: IpAddress): boolean {
  if (ip.kind() !== block.address.kind()) return false;
  return (ip as ipaddr.IPv4).match(block.address as ipaddr.IPv4, block.prefix);
}

const cidrCache = new Map<string, Cidr | null>();

function cachedCidr(text: string): Cidr | null {
  let c = cidrCache.get(text);
  if (c !== undefined) return c;
  c = parseCidr(text, { bareAddress: true });
  if (cidrCache.size > 10_000) cidrCache.clear();
  cidrCache.set(text, c);
  return c;
}

/** True when `text` is a valid IPv4/IPv6 CIDR or address. */
export function isValidCidr(text: string): boolean {
  return cachedCidr(text) !== null;
}

/** Whether an address (text) is inside one of the CIDRs (texts; an address alone is /32 or /128). */
export function inCidr(ip: unknown, cidrs: Iterable<unknown>): boolean {
  const addr = parseIp(ip);
  if (addr === null) return false;
  for (const c of cidrs) {
    if (typeof c !== 'string') continue;
    const block = cachedCidr(c);
    if (block && cidrContains(block, addr)) return true;
  }
  return false;
}

/**
 * The network an address belongs to, as a stable string: its /24 for IPv4 (`203.0.113.0/24`,
 * also for `::ffff:203.0.113.9`), its /48 for IPv6 (`2001:db8:1::/48`); null for a non-address.
 */
export function networkOf(text: unknown): string | null {
  const addr = parseIp(text);
  if (addr === null) return null;
  if (addr.kind() === 'ipv4') {
    const [a, b, c] = addr.toByteArray();
    return `${a}.${b}.${c}.0/24`;
  }
  const parts = (addr as ipaddr.IPv6).parts;
  return `${parts.slice(0, 3).map((p) => p.toString(16)).join(':')}::/48`;
}

function blocks(list: readonly string[]): Cidr[] {
  return list.map((t) => {
    const c = parseCidr(t);
    if (!c) throw new Error(`bad built-in CIDR ${t}`);
    return c;
  });
}

const inAny = (addr: IpAddress, list: readonly Cidr[]): boolean => list.some((b) => cidrContains(b, addr));

/** Private and local ranges: RFC 1918, CGNAT (100.64/10), loopback, link-local, IPv6 ULA. */
const PRIVATE = blocks(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', 'fc00::/7', 'fe80::/10', '::1/128']);

/** Not globally routable: private and local, plus unspecified, documentation, benchmarking, multicast and reserved. */
const NON_PUBLIC = blocks([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32',
]);

/**
 * Inside-the-infrastructure ranges for network flows: like NON_PUBLIC but without the
 * documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32), which flow
 * captures and examples use for internet peers.
 */
const INTERNAL = blocks([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16',
  '198.18.0.0/15', '224.0.0.0/3', '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
]);

/** RFC 1918, CGNAT (100.64/10), loopback, link-local, IPv6 ULA and link-local. */
export function isPrivateIp(ip: unknown): boolean {
  const a = parseIp(ip);
  return a !== null && inAny(a, PRIVATE);
}

/** A valid address that is globally routable: not private, loopback, link-local, documentation, multicast or reserved. */
export function isPublicIp(ip: unknown): boolean {
  const a = parseIp(ip);
  return a !== null && !inAny(a, NON_PUBLIC);
}

/** A flow peer outside the infrastructure (see INTERNAL); false for a non-address. */
export function isExternalIp(ip: unknown): boolean {
  const a = parseIp(ip);
  return a !== null && !inAny(a, INTERNAL);
}

/** The address of 4 or 16 bytes (as ipBytes gives them). */
export function addressFromBytes(bytes: readonly number[]): IpAddress {
  return ipaddr.fromByteArray([...bytes]);
}
