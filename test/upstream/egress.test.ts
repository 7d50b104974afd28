import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/app-error.ts';
import { addressCategory, EgressGuard, EgressRefusedError, type Resolver } from '../../src/upstream/egress.ts';
import { CORPUS, NAMES, tableResolver } from '../helpers/ssrf-corpus.ts';

async function refusal(promise: Promise<unknown>): Promise<EgressRefusedError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EgressRefusedError);
  const refused = error as EgressRefusedError;
  expect(refused).toBeInstanceOf(AppError);
  expect(refused.status).toBe(403);
  expect(refused.code).toBe('egress_refused');
  return refused;
}


describe('egress guard: the SSRF corpus', () => {
  const guard = new EgressGuard({ resolve: tableResolver(NAMES) });

  it('has at least 45 URLs', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(45);
  });

  it.each(CORPUS)('refuses %s (%s)', async (url, category) => {
    const refused = await refusal(guard.check(url));
    expect(refused.category).toBe(category);
  });

  it('names the host, the address and its category in a message a person can act on', async () => {
    const refused = await refusal(guard.check('https://example.test/mcp'));
    expect(refused.message).toBe(
      "Switchboard does not connect to 169.254.169.254 (link-local: cloud metadata): example.test resolves to it. If this server is meant to be reachable, an owner can allow its address range in the organization's egress allow-list.",
    );
    expect([refused.host, refused.address, refused.category]).toEqual(['example.test', '169.254.169.254', 'link-local']);
  });

  it('checks every address of a name, not just the first', async () => {
    const refused = await refusal(guard.check('https://mixed.test/'));
    expect(refused.address).toBe('192.168.0.10');
  });

  it('checks the address an IPv4-mapped literal stands for, in the form the URL parser gives', async () => {
    const refused = await refusal(guard.check('http://[::ffff:169.254.169.254]/'));
    expect(refused.address).toBe('::ffff:a9fe:a9fe');
    expect(refused.message).toContain('(link-local: IPv4-mapped 169.254.169.254, cloud metadata)');
  });

  it('says which scheme it refuses', async () => {
    const refused = await refusal(guard.check('file:///etc/passwd'));
    expect(refused.message).toContain('http:// or https:// only, not file://');
  });

  it('does not resolve an IP literal', async () => {
    const resolve = tableResolver({});
    await refusal(new EgressGuard({ resolve }).check('http://[::ffff:7f00:1]/'));
    await new EgressGuard({ resolve }).check('http://93.184.216.34/');
    expect(resolve.asked).toEqual([]);
  });

  it('reports a name that does not resolve as a DNS failure, not a refusal', async () => {
    for (const resolve of [tableResolver({}), (async () => []) as Resolver]) {
      const error = await new EgressGuard({ resolve }).check('https://nowhere.test/mcp').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).not.toBeInstanceOf(EgressRefusedError);
      expect((error as AppError).status).toBe(502);
      expect((error as AppError).code).toBe('dns_failure');
      expect((error as AppError).message).toBe("Couldn't reach the MCP server: the name nowhere.test does not resolve. Check the URL's spelling.");
    }
  });

  it('refuses what is not a URL as invalid input', async () => {
    const error = await guard.check('not a url').catch((e: unknown) => e);
    expect((error as AppError).code).toBe('invalid_request');
  });
});

describe('egress guard: public destinations', () => {
  const guard = new EgressGuard({ resolve: tableResolver(NAMES) });

  it.each([
    ['http://93.184.216.34/', '93.184.216.34'],
    ['https://[2606:2800:220:1:248:1893:25c8:1946]/mcp', '2606:2800:220:1:248:1893:25c8:1946'],
    ['http://172.15.255.255/', '172.15.255.255'],
    ['http://172.32.0.1/', '172.32.0.1'],
    ['http://100.63.255.255/', '100.63.255.255'],
    ['http://100.128.0.1/', '100.128.0.1'],
    ['http://169.253.255.255/', '169.253.255.255'],
    ['http://11.0.0.0/', '11.0.0.0'],
    ['http://223.255.255.255/', '223.255.255.255'],
    ['http://[::ffff:8.8.8.8]/', '::ffff:808:808'],
    ['http://[64:ff9b::8.8.8.8]/', '64:ff9b::808:808'],
    ['http://[2002:808:808::1]/', '2002:808:808::1'],
  ])('lets %s through', async (url, address) => {
    const { addresses } = await guard.check(url);
    expect(addresses.map((a) => a.address)).toEqual([address]);
  });

  it('returns every checked address of a name, with its family', async () => {
    expect((await guard.check('https://public.test/mcp')).addresses).toEqual([{ address: '1.1.1.1', family: 4 }]);
    expect((await guard.check('https://public-v6.test/')).addresses).toEqual([
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '1.0.0.1', family: 4 },
    ]);
  });
});

describe('egress guard: allow-lists', () => {
  const resolve = tableResolver({ ...NAMES, 'corp.test': ['10.1.2.3'], 'v6corp.test': ['fd00:1::5'] });

  it('opens exactly the allowed range', async () => {
    const guard = new EgressGuard({ allow: ['127.0.0.1/32'], resolve });
    expect((await guard.check('http://127.0.0.1:3000/')).addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect((await guard.check('http://loopback.test/')).addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect((await guard.check('http://[::ffff:127.0.0.1]/')).addresses).toEqual([{ address: '::ffff:7f00:1', family: 6 }]);
    expect((await refusal(guard.check('http://127.0.0.2/'))).address).toBe('127.0.0.2');
    expect((await refusal(guard.check('http://10.0.0.1/'))).category).toBe('private');
    expect((await refusal(guard.check('http://169.254.169.254/'))).category).toBe('link-local');
    expect((await refusal(guard.check('http://[::1]/'))).category).toBe('loopback');
  });

  it('opens a /16 and nothing next to it', async () => {
    const guard = new EgressGuard({ allow: ['10.1.0.0/16'], resolve });
    expect((await guard.check('http://10.1.2.3/')).addresses[0]?.address).toBe('10.1.2.3');
    expect((await guard.check('http://corp.test/')).addresses[0]?.address).toBe('10.1.2.3');
    expect((await refusal(guard.check('http://10.2.0.1/'))).address).toBe('10.2.0.1');
    expect((await refusal(guard.check('http://10.0.255.255/'))).address).toBe('10.0.255.255');
  });

  it('opens IPv6 ranges', async () => {
    const guard = new EgressGuard({ allow: ['fd00:1::/32'], resolve });
    expect((await guard.check('http://[fd00:1::5]/')).addresses[0]?.address).toBe('fd00:1::5');
    expect((await guard.check('http://v6corp.test/')).addresses[0]?.address).toBe('fd00:1::5');
    expect((await refusal(guard.check('http://[fd00:2::5]/'))).category).toBe('unique-local');
    expect((await refusal(guard.check('http://ula.test/'))).address).toBe('fd12:3456::1');
  });

  it('does not let an IPv6 range open IPv4 addresses', async () => {
    const guard = new EgressGuard({ allow: ['::/0'], resolve });
    expect((await guard.check('http://[::1]/')).addresses[0]?.address).toBe('::1');
    expect((await refusal(guard.check('http://127.0.0.1/'))).category).toBe('loopback');
    expect((await refusal(guard.check('http://[::ffff:127.0.0.1]/'))).category).toBe('loopback');
  });

  it('withAllowed adds ranges and leaves the original guard as it was', async () => {
    const operator = new EgressGuard({ allow: ['127.0.0.1/32'], resolve });
    const org = operator.withAllowed(['10.1.0.0/16']);
    expect((await org.check('http://10.1.2.3/')).addresses[0]?.address).toBe('10.1.2.3');
    expect((await org.check('http://127.0.0.1/')).addresses[0]?.address).toBe('127.0.0.1');
    expect((await refusal(operator.check('http://10.1.2.3/'))).category).toBe('private');
    expect((await refusal(org.check('http://10.2.0.1/'))).category).toBe('private');
  });

  it.each(['10.0.0.0/33', 'fd00::/129', '10.0.0.0', 'corp.example/16', '10.1.2.3/16', 'fd00::1/8', '10.0.0.0/-1', '10.0.0.0/8x', ''])(
    'refuses the allow-list entry %j at construction',
    (range) => {
      expect(() => new EgressGuard({ allow: [range] })).toThrow(`Egress allow-list entry "${range}" is not a CIDR range`);
    },
  );
});

interface Seen { method: string; path: string; host: string | undefined; authorization: string | undefined; cookie: string | undefined; contentType: string | undefined; custom: string | undefined; body: string }

/** A local server recording what reaches it; `routes` answers by path, everything else is echoed as JSON. */
async function localServer(routes: (path: string, res: http.ServerResponse) => boolean = () => false) {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const h = req.headers;
      const record: Seen = {
        method: req.method!, path: req.url!, host: h.host, authorization: h.authorization, cookie: h.cookie, contentType: h['content-type'], custom: h['x-custom'] as string | undefined, body: Buffer.concat(chunks).toString(),
      };
      seen.push(record);
      if (routes(req.url!, res)) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function redirect(res: http.ServerResponse, status: number, location: string, body = `see ${location}`): true {
  res.writeHead(status, { location, 'content-type': 'text/plain' }).end(body);
  return true;
}

function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    (url.startsWith('https:') ? https : http).get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

describe('egress guard: connections are pinned to checked addresses', () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  beforeAll(async () => { server = await localServer(); });
  afterAll(async () => { await server.close(); });

  /** Public the first time it is asked, 127.0.0.1 afterwards: the DNS-rebinding attack. */
  function rebinding(): Resolver & { calls: number } {
    const state = { calls: 0 };
    const resolve = async () => {
      state.calls++;
      return [{ address: state.calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 as const }];
    };
    return Object.defineProperty(resolve, 'calls', { get: () => state.calls }) as unknown as Resolver & { calls: number };
  }

  it('a name that rebinds to loopback after the check is refused when guard.fetch connects', async () => {
    const resolve = rebinding();
    const guard = new EgressGuard({ resolve });
    const url = `http://rebind.test:${server.port}/`;
    expect((await guard.check(url)).addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const refused = await refusal(guard.fetch(url));
    expect([refused.host, refused.address, refused.category]).toEqual(['rebind.test', '127.0.0.1', 'loopback']);
    expect(resolve.calls).toBe(2);
    expect(server.seen).toEqual([]);
    await guard.close();
  });

  it('a name that rebinds to loopback after the check is refused when httpAgent connects', async () => {
    const resolve = rebinding();
    const guard = new EgressGuard({ resolve });
    const url = `http://rebind.test:${server.port}/`;
    await guard.check(url);
    const refused = await refusal(get(url, guard.httpAgent));
    expect(refused.address).toBe('127.0.0.1');
    expect(resolve.calls).toBe(2);
    expect(server.seen).toEqual([]);
    await guard.close();
  });

  it('an IP literal given straight to the agents is refused (Node skips lookup for those)', async () => {
    const guard = new EgressGuard({ resolve: tableResolver({}) });
    expect((await refusal(get(`http://127.0.0.1:${server.port}/`, guard.httpAgent))).category).toBe('loopback');
    expect((await refusal(get('https://169.254.169.254/', guard.httpsAgent))).category).toBe('link-local');
    expect(server.seen).toEqual([]);
    await guard.close();
  });

  it('guard.fetch refuses an IP literal before connecting, and reports an unknown name as a DNS failure', async () => {
    const guard = new EgressGuard({ resolve: tableResolver({}) });
    expect((await refusal(guard.fetch(`http://127.0.0.1:${server.port}/`))).category).toBe('loopback');
    expect((await refusal(guard.fetch(`http://[::ffff:127.0.0.1]:${server.port}/`))).category).toBe('loopback');
    const error = await guard.fetch(`http://nowhere.test:${server.port}/`).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('dns_failure');
    expect(server.seen).toEqual([]);
    await guard.close();
  });

  it('connects through the guarded lookup: a name only the test resolver knows reaches the local server', async () => {
    const guard = new EgressGuard({ allow: ['127.0.0.1/32'], resolve: tableResolver({ 'rebind.test': ['127.0.0.1'] }) });
    const response = await guard.fetch(`http://rebind.test:${server.port}/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'GET', path: '/hello', host: `rebind.test:${server.port}` });
    const viaAgent = await get(`http://rebind.test:${server.port}/agent`, guard.httpAgent);
    expect(JSON.parse(viaAgent.body)).toMatchObject({ path: '/agent', host: `rebind.test:${server.port}` });
    await guard.close();
  });

  it('lookup answers in the shape Node asks for, with only checked addresses', async () => {
    const guard = new EgressGuard({ allow: ['127.0.0.1/32', '::1/128'], resolve: tableResolver({ 'both.test': ['::1', '127.0.0.1'], 'half.test': ['127.0.0.1', '10.0.0.1'] }) });
    const ask = (host: string, options: object) =>
      new Promise<unknown[]>((resolve) => guard.lookup(host, options, (...args: unknown[]) => resolve(args)));
    expect(await ask('both.test', { all: true })).toEqual([null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]]);
    expect(await ask('both.test', {})).toEqual([null, '::1', 6]);
    expect(await ask('both.test', { family: 4 })).toEqual([null, '127.0.0.1', 4]);
    const [error] = await ask('half.test', { all: true });
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect((error as EgressRefusedError).address).toBe('10.0.0.1');
  });
});

describe('egress guard: allowed origins (services Switchboard started itself)', () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  let other: Awaited<ReturnType<typeof localServer>>;
  beforeAll(async () => {
    server = await localServer();
    other = await localServer();
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  it('opens exactly that IP and port, through fetch, check() and the agents; the next port on the same address stays shut', async () => {
    const guard = new EgressGuard({ allowOrigins: [`http://127.0.0.1:${server.port}`] });
    try {
      expect((await guard.fetch(`http://127.0.0.1:${server.port}/ok`)).status).toBe(200);
      expect((await guard.check(`http://127.0.0.1:${server.port}/mcp`)).addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
      expect((await get(`http://127.0.0.1:${server.port}/ok`, guard.httpAgent)).status).toBe(200);
      expect((await refusal(guard.fetch(`http://127.0.0.1:${other.port}/ok`))).category).toBe('loopback');
      expect((await refusal(guard.check(`http://127.0.0.1:${other.port}/`))).category).toBe('loopback');
      await expect(get(`http://127.0.0.1:${other.port}/ok`, guard.httpAgent)).rejects.toBeInstanceOf(EgressRefusedError);
      expect(other.seen).toEqual([]);
      // withAllowed keeps the origins.
      const wider = guard.withAllowed(['10.0.0.0/8']);
      expect((await wider.fetch(`http://127.0.0.1:${server.port}/ok`)).status).toBe(200);
      await wider.close();
    } finally {
      await guard.close();
    }
  });

  it('takes only IP origins', () => {
    expect(() => new EgressGuard({ allowOrigins: ['http://localhost:3000'] })).toThrow(/must name an IP address/);
  });
});

describe('egress guard: redirects', () => {
  let a: Awaited<ReturnType<typeof localServer>>;
  let b: Awaited<ReturnType<typeof localServer>>;
  const resolve = tableResolver({ 'a.test': ['127.0.0.1'], 'b.test': ['127.0.0.1'], 'internal.test': ['10.0.0.1'] });
  let guard: EgressGuard;
  const at = (path: string) => `http://a.test:${a.port}${path}`;
  let endlessClosed: Promise<string> | undefined;

  beforeAll(async () => {
    b = await localServer();
    a = await localServer((path, res) => {
      const chain = /^\/chain\/(\d+)$/.exec(path);
      if (chain) return Number(chain[1]) === 0 ? false : redirect(res, 302, `/chain/${Number(chain[1]) - 1}`);
      switch (path) {
        case '/to-metadata': return redirect(res, 302, 'http://169.254.169.254/latest/meta-data/');
        case '/to-internal': return redirect(res, 302, 'http://internal.test/admin');
        case '/same': return redirect(res, 302, '/echo');
        case '/same-wordy': return redirect(res, 302, '/echo', 'x'.repeat(200 * 1024));
        case '/same-endless': {
          res.writeHead(302, { location: '/echo' });
          const chunk = 'x'.repeat(64 * 1024);
          const more = () => { while (!res.destroyed && res.write(chunk)); };
          res.on('drain', more);
          endlessClosed = new Promise((resolve) => res.on('close', () => resolve('closed')));
          more();
          return true;
        }
        case '/cross': return redirect(res, 302, `http://b.test:${b.port}/echo`);
        case '/moved': return redirect(res, 301, '/echo');
        case '/see-other': return redirect(res, 303, '/echo');
        case '/temporary': return redirect(res, 307, '/echo');
        case '/permanent': return redirect(res, 308, '/echo');
        default: return false;
      }
    });
    guard = new EgressGuard({ allow: ['127.0.0.1/32'], resolve });
  });
  afterAll(async () => {
    await guard.close();
    await a.close();
    await b.close();
  });
  const reset = () => { a.seen.length = 0; b.seen.length = 0; resolve.asked.length = 0; };

  it('refuses a redirect to the metadata address before making any request to it', async () => {
    reset();
    const refused = await refusal(guard.fetch(at('/to-metadata')));
    expect([refused.address, refused.category]).toEqual(['169.254.169.254', 'link-local']);
    expect(a.seen.map((s) => s.path)).toEqual(['/to-metadata']);
    expect(resolve.asked).toEqual(['a.test']);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    reset();
    const refused = await refusal(guard.fetch(at('/to-internal')));
    expect([refused.host, refused.address, refused.category]).toEqual(['internal.test', '10.0.0.1', 'private']);
    expect(resolve.asked).toContain('internal.test');
  });

  it('follows 5 redirects and refuses the sixth', async () => {
    reset();
    const five = await guard.fetch(at('/chain/5'));
    expect(five.status).toBe(200);
    expect(five.url).toBe(at('/chain/0'));
    expect(a.seen.map((s) => s.path)).toEqual(['/chain/5', '/chain/4', '/chain/3', '/chain/2', '/chain/1', '/chain/0']);
    reset();
    const error = await guard.fetch(at('/chain/6')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('too_many_redirects');
    expect((error as AppError).message).toBe(`Couldn't reach http://a.test:${a.port}: it redirected more than 5 times (the next hop was http://a.test:${a.port}).`);
    expect(a.seen.map((s) => s.path)).toEqual(['/chain/6', '/chain/5', '/chain/4', '/chain/3', '/chain/2', '/chain/1']);
  });

  it('keeps Authorization on a same-origin redirect, and reuses the connection', async () => {
    reset();
    const fresh = new EgressGuard({ allow: ['127.0.0.1/32'], resolve });
    const before = a.connections();
    for (let i = 0; i < 10; i++) {
      const response = await fresh.fetch(at(i % 2 ? '/same' : '/same-wordy'), { headers: { authorization: 'Bearer same-origin', cookie: 'sid=1' } });
      expect(await response.json()).toMatchObject({ path: '/echo', authorization: 'Bearer same-origin', cookie: 'sid=1' });
    }
    expect(a.seen).toHaveLength(20);
    // undici may open a second socket while the first goes back to its pool; an unread 200 KiB hop body would hold one per redirect.
    expect(a.connections() - before).toBeLessThanOrEqual(2);
    await fresh.close();
  });

  it('gives up reading an endless redirect body and still follows the redirect', async () => {
    reset();
    const response = await guard.fetch(at('/same-endless'));
    expect(await response.json()).toMatchObject({ path: '/echo' });
    // Read up to the limit, then cancelled: the server sees that connection go away.
    expect(await Promise.race([endlessClosed, new Promise((resolve) => setTimeout(resolve, 2000, 'still open'))])).toBe('closed');
  });

  it('drops Authorization and Cookie on a cross-origin redirect', async () => {
    reset();
    const response = await guard.fetch(at('/cross'), { headers: { authorization: 'Bearer secret', cookie: 'sid=1', 'x-custom': 'kept' } });
    expect(response.status).toBe(200);
    expect(a.seen).toMatchObject([{ path: '/cross', authorization: 'Bearer secret', cookie: 'sid=1' }]);
    expect(b.seen).toEqual([expect.objectContaining({ path: '/echo', host: `b.test:${b.port}`, authorization: undefined, cookie: undefined, custom: 'kept' })]);
  });

  it.each([
    ['/see-other', 303, 'POST', 'GET', ''],
    ['/moved', 301, 'POST', 'GET', ''],
    ['/see-other', 303, 'PUT', 'GET', ''],
    ['/temporary', 307, 'POST', 'POST', '{"jsonrpc":"2.0"}'],
    ['/permanent', 308, 'POST', 'POST', '{"jsonrpc":"2.0"}'],
    ['/temporary', 307, 'DELETE', 'DELETE', '{"jsonrpc":"2.0"}'],
  ])('%s (%i) turns %s into %s', async (path, _status, method, after, body) => {
    reset();
    await guard.fetch(at(path), { method, body: '{"jsonrpc":"2.0"}', headers: { 'content-type': 'application/json' } });
    expect(a.seen[0]).toMatchObject({ path, method, body: '{"jsonrpc":"2.0"}' });
    expect(a.seen[1]).toMatchObject({ path: '/echo', method: after, body, contentType: body ? 'application/json' : undefined });
  });

  it("honours redirect: 'manual' and 'error' without following", async () => {
    reset();
    const manual = await guard.fetch(at('/cross'), { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(`http://b.test:${b.port}/echo`);
    await manual.body?.cancel();
    await expect(guard.fetch(at('/cross'), { redirect: 'error' })).rejects.toThrow(TypeError);
    expect(b.seen).toEqual([]);
  });

  it('accepts a Request as input', async () => {
    reset();
    const response = await guard.fetch(new Request(at('/temporary'), { method: 'POST', body: 'hi', headers: { authorization: 'Bearer r' } }));
    expect(await response.json()).toMatchObject({ path: '/echo', method: 'POST', body: 'hi', authorization: 'Bearer r' });
  });
});

describe('addressCategory', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['2606:4700:4700::1111', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::808:808', undefined],
    ['127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::8.8.8.8', 'reserved'],
    ['2002:a00:1::', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b:1::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['FD00:EC2::254', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['2001::1', 'teredo'],
    ['100.100.100.200', 'cgnat'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('%s → %s', (address, category) => {
    expect(addressCategory(address)).toBe(category);
  });
});
