import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../shared/app-error.ts';

/**
 * Addresses a request on a person's behalf must never reach: loopback, private, link-local (cloud
 * metadata lives there), CGNAT, unique-local, multicast and unspecified ranges. This is the interim
 * check for person-supplied URLs; the full egress guard (every outbound connection, pinned to the
 * checked address, redirects re-checked, org allow-lists) replaces it.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** `::ffff:10.0.0.1` and `::ffff:a00:1` are 10.0.0.1: the IPv4 inside decides. */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return isPublicAddress(v4);
  }
  return !BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses a URL that is not https or whose host resolves to any non-public address. */
export async function assertPublicHttpsUrl(raw: string, what: string): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError(400, 'invalid_request', `${what} "${raw}" is not a URL.`);
  }
  if (url.protocol !== 'https:') throw new AppError(400, 'invalid_request', `${what} must be an https:// URL; got ${url.protocol}//.`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await lookup(host, { all: true, verbatim: true }).then((r) => r.map((a) => a.address), () => []);
  if (addresses.length === 0) throw new AppError(400, 'invalid_request', `${what}: the host ${host} does not resolve. Check the spelling.`);
  const blocked = addresses.find((a) => !isPublicAddress(a));
  if (blocked) {
    throw new AppError(403, 'egress_refused', `${what}: ${host} resolves to ${blocked}, a private or reserved address, which Switchboard does not reach on a person's behalf. An operator can import from it with \`switchboard connectors import URL\`.`);
  }
  return url;
}
