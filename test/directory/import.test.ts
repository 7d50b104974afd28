import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { OPERATOR, asUser } from '../../src/identity/actor.ts';
import { importConnectors } from '../../src/directory/import.ts';
import { syncSeedCatalog } from '../../src/directory/seed.ts';
import { findListing, getListing } from '../../src/directory/store.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person } from '../helpers/fixtures.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/registry');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, any>;

let database: Database;

beforeAll(async () => {
  database = await testDatabase();
  await syncSeedCatalog(database.db);
});
afterAll(async () => {
  await database.close();
});

/** A registry on loopback; `route` answers each request and sees its query. */
async function registry(route: (url: URL, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: URL[]; close: () => Promise<void> }> {
  const requests: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry.test');
    requests.push(url);
    route(url, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sendJson = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const entry = (server: unknown, official: Record<string, unknown> = { status: 'active', isLatest: true }) => ({
  server,
  _meta: { 'io.modelcontextprotocol.registry/official': { publishedAt: '2025-11-01T00:00:00Z', updatedAt: '2025-11-01T00:00:00Z', ...official } },
});

/** The AppError a promise rejects with; fails the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}

const minimal = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, description: `The ${name} server`, version: '1.0.0', remotes: [{ type: 'streamable-http', url }], ...extra });

describe('import of real server.json examples', () => {
  it('maps a remote without declared headers to an OAuth listing', async () => {
    const report = await importConnectors(database.db, OPERATOR, { serverJson: fixture('remote-fs.server.json') });
    expect(report.created).toEqual([{ slug: 'modelcontextprotocol-anonymous-mcp-fs', name: 'mcp-fs', mcpUrl: 'https://mcp-fs.anonymous.modelcontextprotocol.io/http' }]);
    expect(report.skipped).toEqual([]);
    const listing = await getListing(database.db, 'modelcontextprotocol-anonymous-mcp-fs');
    expect(listing).toMatchObject({
      source: 'import',
      origin: 'io.modelcontextprotocol.anonymous/mcp-fs#0',
      tagline: 'Cloud-hosted MCP filesystem server',
      transport: 'streamable-http',
      authKind: 'oauth',
      authHeaders: [],
      category: 'other',
      docsUrl: 'https://github.com/example/remote-fs',
      tools: null,
    });
    expect(listing.description).toMatch(/Imported from the MCP Registry entry io\.modelcontextprotocol\.anonymous\/mcp-fs, version 2\.0\.0/);
  });

  it('maps each remote of a hybrid server, ignoring its packages; required headers make it an API-key listing', async () => {
    const report = await importConnectors(database.db, OPERATOR, { serverJson: fixture('hybrid.server.json') });
    // "modelcontextprotocol-anonymous-hybrid-mcp" is 41 characters: cut, with a hash of the name.
    const [http, sse] = report.created.map((c) => c.slug);
    expect(http).toMatch(/^modelcontextprotocol-anonymous-hy-[0-9a-f]{6}$/);
    expect(sse).toMatch(/^modelcontextprotocol-anonymous-hy-[0-9a-f]{6}$/);
    expect(sse).not.toBe(http);
    expect(await getListing(database.db, http!)).toMatchObject({
      name: 'Hybrid (Streamable HTTP)',
      mcpUrl: 'https://mcp.anonymous.modelcontextprotocol.io/http',
      authKind: 'headers',
      authHeaders: ['X-API-Key', 'X-Region'],
      origin: 'io.modelcontextprotocol.anonymous/hybrid-mcp#0',
    });
    expect(await getListing(database.db, sse!)).toMatchObject({
      name: 'Hybrid (SSE)',
      mcpUrl: 'https://mcp.anonymous.modelcontextprotocol.io/sse',
      transport: 'sse',
      authKind: 'oauth',
      origin: 'io.modelcontextprotocol.anonymous/hybrid-mcp#1',
    });
  });

  it('importing the same file again changes nothing', async () => {
    const report = await importConnectors(database.db, OPERATOR, { serverJson: fixture('hybrid.server.json') });
    expect(report).toMatchObject({ created: [], updated: [] });
    expect(report.unchanged).toHaveLength(2);
  });

  it('skips a remote whose URL is a per-tenant template, with the reason', async () => {
    const report = await importConnectors(database.db, OPERATOR, { serverJson: fixture('with-remote.server.json') });
    expect(report.created).toEqual([]);
    expect(report.skipped).toEqual([{ server: 'io.github.user/remote-weather', remote: 0, reason: expect.stringMatching(/placeholders \(\{host\}\)/) }]);
  });

  it('refuses a malformed server.json with a 400 naming the field', async () => {
    const bad = fixture('remote-fs.server.json');
    bad.remotes[0].url = 'not a url';
    const error = await importConnectors(database.db, OPERATOR, { serverJson: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect((error as AppError).message).toContain('remotes[0].url: must be a URL');

    const noName = fixture('remote-fs.server.json');
    delete noName.name;
    noName.remotes[0].type = 'websocket';
    const message = (await refusal(importConnectors(database.db, OPERATOR, { serverJson: noName }))).message;
    expect(message).toContain('name: is required');
    expect(message).toMatch(/remotes\[0\]\.type: must be one of "streamable-http", "sse"/);
  });

  it('never takes a seed slug or URL: a clash gets a deterministic alternative slug, a duplicate URL is skipped', async () => {
    const clash = await importConnectors(database.db, OPERATOR, { serverJson: minimal('app.linear/linear', 'https://linear-mirror.example/mcp') });
    expect(clash.created).toEqual([{ slug: expect.stringMatching(/^linear-[0-9a-f]{6}$/), name: 'linear', mcpUrl: 'https://linear-mirror.example/mcp' }]);
    expect((await getListing(database.db, 'linear')).source).toBe('seed');
    const again = await importConnectors(database.db, OPERATOR, { serverJson: minimal('app.linear/linear', 'https://linear-mirror.example/mcp') });
    expect(again.unchanged[0]?.slug).toBe(clash.created[0]?.slug);

    const duplicate = await importConnectors(database.db, OPERATOR, { serverJson: minimal('app.linear/official', 'https://mcp.linear.app/mcp') });
    expect(duplicate.skipped).toEqual([{ server: 'app.linear/official', remote: 0, reason: 'https://mcp.linear.app/mcp is already listed as "linear" (seed)' }]);
  });

  it('is for organization owners: a member is refused, an owner may', async () => {
    const owner = await person(database.db, 'owner@import.test');
    const member = await person(database.db, 'member@import.test');
    await organization(database.db, 'importers', owner, [[member, 'member']]);
    const refused = await refusal(importConnectors(database.db, asUser(member.user.id), { serverJson: minimal('io.github.m/x', 'https://x.example/mcp') }));
    expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
    expect(refused.message).toMatch(/Only organization owners can import connectors/);
    expect(await findListing(database.db, 'm-x')).toBeUndefined();
    const allowed = await importConnectors(database.db, asUser(owner.user.id), { serverJson: minimal('io.github.m/x', 'https://x.example/mcp') });
    expect(allowed.created.map((c) => c.slug)).toEqual(['m-x']);
  });
});

describe('import from a registry', () => {
  it('follows metadata.nextCursor across pages and imports the latest active servers', async () => {
    const pages: Record<string, unknown> = {
      '': { servers: [entry(fixture('remote-fs.server.json')), entry(fixture('with-remote.server.json'))], metadata: { count: 2, nextCursor: 'page-2' } },
      'page-2': {
        servers: [
          entry(minimal('io.github.acme/tracker', 'https://tracker.acme.example/mcp', { title: 'Acme Tracker' })),
          entry(minimal('io.github.acme/tracker', 'https://tracker.acme.example/v0/mcp'), { status: 'active', isLatest: false }),
          entry(minimal('io.github.acme/old', 'https://old.acme.example/mcp'), { status: 'deleted', isLatest: true }),
          entry({ name: 'io.github.acme/local-only', description: 'Runs locally', version: '1.0.0', packages: [{ registryType: 'npm', identifier: '@acme/x', transport: { type: 'stdio' } }] }),
          entry(minimal('io.github.acme/broken', 'ftp://broken')),
        ],
        metadata: { count: 5, nextCursor: 'page-3' },
      },
      'page-3': { servers: [entry(minimal('io.github.acme/wiki', 'https://wiki.acme.example/sse'))], metadata: { count: 1 } },
    };
    const reg = await registry((url, _req, res) => {
      if (url.pathname !== '/v0.1/servers') return sendJson(res, { error: 'not found' }, 404);
      sendJson(res, pages[url.searchParams.get('cursor') ?? ''] ?? { servers: [] });
    });
    try {
      const report = await importConnectors(database.db, OPERATOR, { registryUrl: `${reg.url}/` });
      expect(reg.requests.map((r) => `${r.pathname}?${r.searchParams.toString()}`)).toEqual([
        '/v0.1/servers?limit=100',
        '/v0.1/servers?limit=100&cursor=page-2',
        '/v0.1/servers?limit=100&cursor=page-3',
      ]);
      expect(report.created.map((c) => c.slug)).toEqual(['acme-tracker', 'acme-wiki']);
      // Imported earlier from the file: the same listing, unchanged.
      expect(report.unchanged.map((c) => c.slug)).toEqual(['modelcontextprotocol-anonymous-mcp-fs']);
      expect(report.skipped).toEqual([
        { server: 'io.github.acme/old', reason: 'the registry marks it deleted' },
        { server: 'io.github.acme/broken', reason: 'its server.json is not valid (servers[4].server.remotes[0].url: must be a URL)' },
        { server: 'io.github.user/remote-weather', remote: 0, reason: expect.stringMatching(/placeholders/) },
        { server: 'io.github.acme/local-only', reason: expect.stringMatching(/no remotes/) },
      ]);
      expect(report.notes).toEqual(['1 older version of listed servers ignored (only the latest is imported).']);
      expect(await getListing(database.db, 'acme-tracker')).toMatchObject({ name: 'Acme Tracker', mcpUrl: 'https://tracker.acme.example/mcp' });
    } finally {
      await reg.close();
    }
  });

  it('stops at the page limit with a note, and on a repeated cursor', async () => {
    let n = 0;
    const endless = await registry((_url, _req, res) => sendJson(res, { servers: [], metadata: { nextCursor: `c${++n}` } }));
    const looping = await registry((_url, _req, res) => sendJson(res, { servers: [], metadata: { nextCursor: 'same' } }));
    try {
      const capped = await importConnectors(database.db, OPERATOR, { registryUrl: endless.url, fetchOptions: { maxPages: 3 } });
      expect(endless.requests).toHaveLength(3);
      expect(capped.notes).toEqual([expect.stringMatching(/^Stopped after 3 pages/)]);
      const loop = await importConnectors(database.db, OPERATOR, { registryUrl: looping.url });
      expect(looping.requests).toHaveLength(2);
      expect(loop.notes).toEqual([expect.stringMatching(/cursor "same" twice/)]);
    } finally {
      await endless.close();
      await looping.close();
    }
  });

  it('names the field when the answer is not a server list, and explains HTTP errors, timeouts and oversized answers', async () => {
    const reg = await registry((url, _req, res) => {
      if (url.pathname === '/shape/v0.1/servers') return sendJson(res, { items: [] });
      if (url.pathname === '/cursor/v0.1/servers') return sendJson(res, { servers: [], metadata: { nextCursor: 42 } });
      if (url.pathname === '/html/v0.1/servers') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html></html>');
      }
      if (url.pathname === '/big/v0.1/servers') return sendJson(res, { servers: Array.from({ length: 200 }, (_, i) => entry(minimal(`io.github.big/s${i}`, `https://s${i}.example/mcp`))) });
      if (url.pathname === '/slow/v0.1/servers') return; // never answers
      sendJson(res, { error: 'not found' }, 404);
    });
    const failure = (registryUrl: string, fetchOptions = {}) => importConnectors(database.db, OPERATOR, { registryUrl, fetchOptions }).then(() => undefined, (e: AppError) => e);
    try {
      expect(await failure(`${reg.url}/shape`)).toMatchObject({ status: 502, code: 'registry_error', message: expect.stringContaining('servers: Invalid input: expected array, received undefined') });
      expect((await failure(`${reg.url}/cursor`))?.message).toContain('metadata.nextCursor: Invalid input: expected string, received number');
      expect((await failure(`${reg.url}/html`))?.message).toMatch(/is not JSON/);
      expect((await failure(`${reg.url}/missing`))?.message).toMatch(/answered 404 .*base URL/);
      expect((await failure(`${reg.url}/big`, { maxBytes: 10_000 }))?.message).toMatch(/larger than the 10000 bytes/);
      expect((await failure(`${reg.url}/slow`, { timeoutMs: 300 }))?.message).toMatch(/did not answer .* within 0.3 s/);
      expect((await failure('http://127.0.0.1:9'))?.message).toMatch(/Couldn't reach the registry/);
      expect(await failure('file:///etc/passwd')).toMatchObject({ status: 400 });
    } finally {
      await reg.close();
    }
  });
});
