import { BlockList, isIP } from 'node:net';

/**
 * Which addresses count as "the operator's network" for the egress guard (./egress.ts), and the
 * operator's or organization's allow-list that reopens some of them. An address outside every
 * special-purpose range is public; anything Switchboard cannot place is treated as not public.
 */

export interface AddressDescription {
  category: string;
  /** What makes this address notable, e.g. "cloud metadata" or "IPv4-mapped 127.0.0.1". */
  note?: string;
}

type Range = readonly [network: string, prefix: number, category: string, note?: string];

const IPV4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved', 'deprecated 6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

// Ranges that carry an IPv4 address inside (mapped, compatible, NAT64, 6to4) are handled before these.
const IPV6_RANGES: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private', 'local-use NAT64'],
  ['100::', 64, 'reserved', 'discard-only'],
  ['2001::', 32, 'teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Well-known metadata endpoints, named in refusals so the person sees why this one matters. */
const NOTES = new Map<string, string>([
  ['169.254.169.254', 'cloud metadata'],
  ['169.254.170.2', 'container metadata'],
  ['100.100.100.200', 'cloud metadata'],
  ['fd00:ec2:0:0:0:0:0:254', 'cloud metadata'],
]);

function compile(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): Array<{ list: BlockList; category: string; note: string | undefined }> {
  return ranges.map(([network, prefix, category, note]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, category, note };
  });
}

const V4 = compile(IPV4_RANGES, 'ipv4');
const V6 = compile(IPV6_RANGES, 'ipv6');

function withoutZone(address: string): string {
  const percent = address.indexOf('%');
  return percent === -1 ? address : address.slice(0, percent);
}

/** The 16 bytes of an IPv6 address already accepted by `isIP`. */
export function ipv6Bytes(address: string): Uint8Array {
  const text = withoutZone(address);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const gap = text.indexOf('::');
  const head = groups(gap === -1 ? text : text.slice(0, gap));
  const tail = gap === -1 ? [] : groups(text.slice(gap + 2));
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

const dotted = (bytes: Uint8Array, at: number): string => Array.from(bytes.subarray(at, at + 4)).join('.');
const zeros = (bytes: Uint8Array, from: number, to: number): boolean => bytes.subarray(from, to).every((b) => b === 0);

/** The IPv4 address an IPv6 address stands for, when it is one of the forms that carry one. */
function embeddedIpv4(bytes: Uint8Array): { kind: string; ipv4: string } | undefined {
  if (zeros(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return { kind: 'IPv4-mapped', ipv4: dotted(bytes, 12) };
  // ::/96 minus :: and ::1, which the range table names.
  if (zeros(bytes, 0, 12) && !zeros(bytes, 12, 15)) return { kind: 'IPv4-compatible', ipv4: dotted(bytes, 12) };
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(bytes, 4, 12)) return { kind: 'NAT64', ipv4: dotted(bytes, 12) };
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return { kind: '6to4', ipv4: dotted(bytes, 2) };
  return undefined;
}

function describeIpv4(address: string): AddressDescription | undefined {
  const hit = V4.find((range) => range.list.check(address, 'ipv4'));
  if (!hit) return undefined;
  const note = NOTES.get(address) ?? hit.note;
  return note ? { category: hit.category, note } : { category: hit.category };
}

/** Why an address is not public, or undefined when it is. Anything that is not an IP address is not public. */
export function describeAddress(address: string): AddressDescription | undefined {
  const family = isIP(address);
  if (family === 4) return describeIpv4(address);
  if (family !== 6) return { category: 'invalid', note: 'not an IP address' };
  const bytes = ipv6Bytes(address);
  const embedded = embeddedIpv4(bytes);
  if (embedded) {
    const inner = describeIpv4(embedded.ipv4);
    const note = `${embedded.kind} ${embedded.ipv4}${inner?.note ? `, ${inner.note}` : ''}`;
    if (inner) return { category: inner.category, note };
    // Deprecated since 2006 and routed nowhere useful; a public IPv4 written this way is still refused.
    if (embedded.kind === 'IPv4-compatible') return { category: 'reserved', note };
    return undefined;
  }
  const plain = withoutZone(address);
  const hit = V6.find((range) => range.list.check(plain, 'ipv6'));
  const note = NOTES.get(Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':')) ?? hit?.note;
  if (hit) return note ? { category: hit.category, note } : { category: hit.category };
  // Only 2000::/3 is allocated for global unicast; the rest of the space is not a server on the internet.
  if ((bytes[0]! & 0xe0) !== 0x20) return { category: 'reserved', note: 'outside global unicast' };
  return undefined;
}

/** undefined for a public address; otherwise 'loopback', 'private', 'link-local', ... (for IPv4 carried in IPv6, that IPv4's category). */
export function addressCategory(address: string): string | undefined {
  return describeAddress(address)?.category;
}

/**
 * CIDR ranges an operator or organization has opened. A range opens exactly itself: IPv4 ranges
 * match IPv4 addresses (and the IPv4-mapped IPv6 form of them, which is the same destination),
 * IPv6 ranges match IPv6 addresses, and NAT64/6to4 forms must be allowed as IPv6.
 */
export class AllowList {
  readonly ranges: readonly string[];
  readonly #v4 = new BlockList();
  readonly #v6 = new BlockList();

  constructor(ranges: readonly string[]) {
    for (const range of ranges) this.#add(range);
    this.ranges = [...ranges];
  }

  #add(range: string): void {
    const problem = (why: string) => new Error(`Egress allow-list entry "${range}" is not a CIDR range (like 10.1.0.0/16 or fd00::/8): ${why}.`);
    const slash = range.lastIndexOf('/');
    if (slash === -1) throw problem('it has no /prefix length');
    const network = range.slice(0, slash);
    const prefixText = range.slice(slash + 1);
    const family = isIP(network);
    if (family === 0 || network.includes('%')) throw problem(`${network} is not an IP address`);
    const bits = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) throw problem(`the prefix length must be a whole number from 0 to ${bits}`);
    const prefix = Number(prefixText);
    // A range like 10.1.2.3/16 is usually a typo for one of two different things; ask rather than guess.
    const bytes = family === 4 ? ipv4Bytes(network) : ipv6Bytes(network);
    const hostBitsSet = bytes.some((byte, i) => {
      const kept = Math.max(0, Math.min(8, prefix - 8 * i));
      return (byte & (0xff >> kept)) !== 0;
    });
    if (hostBitsSet) throw problem(`${network} has bits set past the first ${prefix}; write the network address of the range`);
    if (family === 4) this.#v4.addSubnet(network, prefix, 'ipv4');
    else this.#v6.addSubnet(network, prefix, 'ipv6');
  }

  has(address: string): boolean {
    const family = isIP(address);
    if (family === 4) return this.#v4.check(address, 'ipv4');
    if (family !== 6) return false;
    const bytes = ipv6Bytes(address);
    const embedded = embeddedIpv4(bytes);
    if (embedded?.kind === 'IPv4-mapped') return this.#v4.check(embedded.ipv4, 'ipv4');
    // Node's BlockList also matches IPv6 rules against IPv4-mapped forms; the mapped case is decided above.
    return this.#v6.check(withoutZone(address), 'ipv6');
  }
}
