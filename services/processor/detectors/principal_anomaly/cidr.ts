/**
 * IP parsing for source networks and CIDR allow-lists. Addresses become byte arrays (4 or 16);
 * an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is treated as its IPv4 address.
 */

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The 4 bytes of a dotted-quad IPv4 address, or null. */
export function parseIPv4(text: string): number[] | null {
  const m = V4_RE.exec(text);
  if (!m) return null;
  const out: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const s = m[i]!;
    if (s.length > 1 && s.startsWith('0')) return null; // no octal-looking parts
    const n = Number(s);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** The 16 bytes of an IPv6 address (zone id dropped), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.length > 45 || !s.includes(':')) return null;
  let tail: number[] = [];
  // Embedded IPv4 in the last 32 bits.
  const lastColon = s.lastIndexOf(':');
  const lastPart = s.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    const v4 = parseIPv4(lastPart);
    if (v4 === null) return null;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Bytes of an IPv4 or IPv6 address (IPv4-mapped IPv6 -> 4 bytes), or null when it is not an address. */
export function parseIp(text: string): number[] | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return v4;
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/** A parsed CIDR block. */
export interface Cidr {
  bytes: number[];
  bits: number;
}

/** Parses `a.b.c.d/n` or `x:y::/n` (as validated by the config schema); null when invalid. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return null;
  const addr = text.slice(0, slash);
  const bits = Number(text.slice(slash + 1));
  const v4 = parseIPv4(addr);
  const bytes = v4 ?? parseIPv6(addr);
  if (bytes === null || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) return null;
  return { bytes, bits };
}

/** True when the address bytes fall inside the block (same family only). */
export function cidrContains(block: Cidr, ip: readonly number[]): boolean {
  if (ip.length !== block.bytes.length) return false;
  let bits = block.bits;
  for (let i = 0; i < ip.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (block.bytes[i]! & mask)) return false;
  }
  return true;
}
