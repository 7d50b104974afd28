import type { Resolver } from '../../src/upstream/egress.ts';

/**
 * The SSRF corpus: URLs the egress guard must refuse, with the category of each refusal, and the names a test
 * resolver answers for them. Shared by the guard's own tests, the custom-connector API and the call-time test.
 */

/** A resolver from a table; names not in it fail the way getaddrinfo does. Records every name asked. */
export function tableResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { asked });
}

export const NAMES = {
  'private.test': ['10.0.0.1'],
  'loopback.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'example.test': ['169.254.169.254'],
  'ula.test': ['fd12:3456::1'],
  'v6-loopback.test': ['::1'],
  'mapped.test': ['::ffff:10.0.0.1'],
  'mixed.test': ['1.1.1.1', '192.168.0.10'],
  'mixed-v6.test': ['2606:4700:4700::1111', 'fe80::1'],
  'public.test': ['1.1.1.1'],
  'public-v6.test': ['2606:4700:4700::1111', '1.0.0.1'],
};

// [url, category of the refusal]
export const CORPUS: Array<[string, string]> = [
  // 127.0.0.1 in every form the URL parser normalises
  ['http://127.0.0.1/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://0x7f.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://127.0.1/', 'loopback'],
  ['https://127.0.0.1:8443/mcp', 'loopback'],
  ['http://127.255.255.254/', 'loopback'],
  // 169.254.169.254 (cloud metadata)
  ['http://169.254.169.254/latest/meta-data/', 'link-local'],
  ['http://2852039166/', 'link-local'],
  ['http://0251.0376.0251.0376/', 'link-local'],
  ['http://0xa9fea9fe/', 'link-local'],
  ['http://0xa9.0xfe.0xa9.0xfe/', 'link-local'],
  ['http://169.254.43518/', 'link-local'],
  // 10.0.0.1
  ['http://10.0.0.1/', 'private'],
  ['http://167772161/', 'private'],
  ['http://012.0.0.1/', 'private'],
  ['http://0xa000001/', 'private'],
  ['http://10.1/', 'private'],
  // unspecified
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  // IPv6 and IPv4 carried in IPv6
  ['http://[::1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[::ffff:169.254.169.254]/', 'link-local'],
  ['http://[::ffff:10.0.0.1]:8080/', 'private'],
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[::7f00:1]/', 'loopback'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'link-local'],
  ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
  ['http://[2002:7f00:1::]/', 'loopback'],
  ['http://[2002:a9fe:a9fe::1]/', 'link-local'],
  ['http://[fd00:ec2::254]/', 'unique-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://[fc00::1]/', 'unique-local'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://[fec0::1]/', 'site-local'],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'teredo'],
  ['http://[2001:db8::1]/', 'documentation'],
  // the other IPv4 ranges, and their edges
  ['http://100.100.100.200/', 'cgnat'],
  ['http://100.64.0.1/', 'cgnat'],
  ['http://100.127.255.255/', 'cgnat'],
  ['http://192.168.1.1/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://239.255.255.250/', 'multicast'],
  ['http://255.255.255.255/', 'reserved'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://192.0.0.1/', 'reserved'],
  ['http://198.18.0.1/', 'benchmarking'],
  ['http://198.19.255.255/', 'benchmarking'],
  ['http://192.0.2.1/', 'documentation'],
  ['http://198.51.100.1/', 'documentation'],
  ['http://203.0.113.1/', 'documentation'],
  // names, through the test resolver
  ['http://private.test/', 'private'],
  ['http://loopback.test/', 'loopback'],
  ['https://metadata.test/latest/meta-data/', 'link-local'],
  ['https://ula.test/mcp', 'unique-local'],
  ['http://v6-loopback.test/', 'loopback'],
  ['http://mapped.test/', 'private'],
  ['https://mixed.test/', 'private'],
  ['https://mixed-v6.test/', 'link-local'],
  // schemes other than http(s), and credentials in the URL
  ['file:///etc/passwd', 'scheme'],
  ['gopher://127.0.0.1:6379/_FLUSHALL', 'scheme'],
  ['ftp://ftp.example.test/', 'scheme'],
  ['ws://public.test/', 'scheme'],
  ['data:text/plain,hello', 'scheme'],
  ['http://user:pass@public.test/', 'credentials'],
  ['https://token@public.test/mcp', 'credentials'],
  ['http://1.1.1.1@127.0.0.1/', 'credentials'],
];
