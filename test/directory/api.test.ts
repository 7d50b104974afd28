import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { syncSeedCatalog } from '../../src/directory/seed.ts';
import { recordTools } from '../../src/directory/store.ts';
import { bearer, createTestApp, json, type TestApp, expectApiError } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

const serverJson = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/registry/remote-fs.server.json'), 'utf8')) as Record<string, any>;

let database: Database;
let t: TestApp;
let owner: Person, member: Person;

beforeAll(async () => {
  database = await testDatabase();
  t = createTestApp(database);
  owner = await person(database.db, 'owner@dir.test');
  member = await person(database.db, 'member@dir.test');
  await organization(database.db, 'dir', owner, [[member, 'member']]);
  await syncSeedCatalog(database.db);
});
afterAll(async () => {
  await database.close();
});

const expectError = (res: Response, status: number, code: string) => expectApiError(t, res, status, code);

const post = (route: string, who: Person, body: unknown) =>
  t.request(route, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

type Summary = { slug: string; category: string; capabilities: { status: string }; auth: { kind: string; headers: string[] }; availability: { plans: string[]; clients: string[] } };

describe('GET /api/v1/connectors', () => {
  it('lists the directory for anyone signed in, and nobody else', async () => {
    const res = await t.request('/api/v1/connectors', bearer(member.token));
    expect(res.status).toBe(200);
    const body = await json<{ connectors: Summary[]; total: number }>(res);
    expect(body.total).toBeGreaterThanOrEqual(25);
    expect(body.connectors.find((c) => c.slug === 'linear')).toMatchObject({
      category: 'productivity',
      mcpUrl: 'https://mcp.linear.app/mcp',
      auth: { kind: 'oauth', headers: [] },
      availability: { plans: ['free', 'pro', 'team', 'enterprise'], clients: ['chat', 'mcp'] },
      capabilities: { status: 'unknown' },
      source: 'seed',
    });
    expect(body.connectors.find((c) => c.slug === 'context7')?.auth).toEqual({ kind: 'headers', headers: ['CONTEXT7_API_KEY'] });
    await expectError(await t.request('/api/v1/connectors'), 401, 'unauthorized');
  });

  it('searches by words and filters by category, in a stable order', async () => {
    const search = await json<{ connectors: Summary[] }>(await t.request('/api/v1/connectors?q=Linear', bearer(member.token)));
    expect(search.connectors[0]?.slug).toBe('linear');
    const design = await json<{ connectors: Summary[]; total: number }>(await t.request('/api/v1/connectors?category=design', bearer(member.token)));
    expect(design.connectors.map((c) => c.slug)).toEqual(['canva', 'figma', 'webflow']);
    const twice = await json<{ connectors: Summary[] }>(await t.request('/api/v1/connectors?category=design', bearer(member.token)));
    expect(twice.connectors).toEqual(design.connectors);
    const both = await json<{ connectors: Summary[] }>(await t.request('/api/v1/connectors?q=payments&category=finance', bearer(member.token)));
    expect(both.connectors.length).toBeGreaterThan(0);
    expect(both.connectors.every((c) => c.category === 'finance')).toBe(true);
    const error = await expectError(await t.request('/api/v1/connectors?category=games', bearer(member.token)), 400, 'invalid_request');
    expect(error.message).toMatch(/category/);
  });
});

describe('GET /api/v1/connectors/{slug}', () => {
  it('returns one listing with description, use cases and capabilities from recorded tools', async () => {
    await recordTools(database.db, 'sentry', [
      { name: 'search_issues', title: 'Search issues', annotations: { readOnlyHint: true } },
      { name: 'update_issue', annotations: { readOnlyHint: false } },
      { name: 'analyze', annotations: { openWorldHint: true } },
    ]);
    const res = await t.request('/api/v1/connectors/sentry', bearer(member.token));
    expect(res.status).toBe(200);
    const { connector } = await json<{ connector: Record<string, any> }>(res);
    expect(connector).toMatchObject({
      slug: 'sentry',
      docsUrl: 'https://docs.sentry.io/product/sentry-mcp/',
      capabilities: { status: 'known', readOnly: 1, writeDelete: 1, other: 1, total: 3 },
      toolsFrom: 'tools/list',
      interactive: false,
    });
    expect(connector.description.length).toBeGreaterThan(100);
    expect(connector.useCases.length).toBeGreaterThan(0);
    expect(connector.tools).toEqual([
      { name: 'analyze', title: null, class: 'other', annotations: { openWorldHint: true } },
      { name: 'search_issues', title: 'Search issues', class: 'read-only', annotations: { readOnlyHint: true } },
      { name: 'update_issue', title: null, class: 'write-delete', annotations: { readOnlyHint: false } },
    ]);
    const unknown = await json<{ connector: Record<string, any> }>(await t.request('/api/v1/connectors/notion', bearer(member.token)));
    expect(unknown.connector).toMatchObject({ capabilities: { status: 'unknown' }, tools: null, toolsFrom: null });
  });

  it('answers 404 for an unknown slug', async () => {
    expect((await expectError(await t.request('/api/v1/connectors/nope', bearer(member.token)), 404, 'not_found')).message).toMatch(/No connector has the slug "nope"/);
  });
});

describe('POST /api/v1/connectors/import', () => {
  it('refuses a member who owns no organization (403) and imports nothing', async () => {
    const error = await expectError(await post('/api/v1/connectors/import', member, { serverJson }), 403, 'forbidden');
    expect(error.message).toMatch(/Only organization owners/);
    expect((await t.request('/api/v1/connectors/modelcontextprotocol-anonymous-mcp-fs', bearer(owner.token))).status).toBe(404);
  });

  it('imports a server.json for an owner and reports what it did', async () => {
    const res = await post('/api/v1/connectors/import', owner, { serverJson });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      created: [{ slug: 'modelcontextprotocol-anonymous-mcp-fs', name: 'mcp-fs', mcpUrl: 'https://mcp-fs.anonymous.modelcontextprotocol.io/http' }],
      updated: [],
      unchanged: [],
      skipped: [],
      notes: [],
    });
    const listed = await json<{ connector: { source: string } }>(await t.request('/api/v1/connectors/modelcontextprotocol-anonymous-mcp-fs', bearer(member.token)));
    expect(listed.connector.source).toBe('import');
  });

  it('names the bad field of a malformed server.json, and wants exactly one source', async () => {
    const bad = { ...serverJson, remotes: [{ type: 'streamable-http', url: 'nowhere' }] };
    expect((await expectError(await post('/api/v1/connectors/import', owner, { serverJson: bad }), 400, 'invalid_request')).message).toContain('remotes[0].url: must be a URL');
    expect((await expectError(await post('/api/v1/connectors/import', owner, {}), 400, 'invalid_request')).message).toMatch(/exactly one of "serverJson"/);
    await expectError(await post('/api/v1/connectors/import', owner, { serverJson, registryUrl: 'https://r.example' }), 400, 'invalid_request');
  });

  it('refuses to fetch a registry on a private address or over plain http for a person', async () => {
    expect((await expectError(await post('/api/v1/connectors/import', owner, { registryUrl: 'http://registry.example' }), 400, 'invalid_request')).message).toMatch(/must be an https:\/\/ URL/);
    for (const url of ['https://127.0.0.1:9', 'https://[::1]/', 'https://169.254.169.254/', 'https://10.1.2.3/', 'https://localhost/']) {
      const error = await expectError(await post('/api/v1/connectors/import', owner, { registryUrl: url }), 403, 'egress_refused');
      expect(error.message).toMatch(/Switchboard does not connect to \S+ \((loopback|link-local|private)\b/);
    }
  });
});

describe('OpenAPI document', () => {
  it('describes the connector routes and their schemas', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(await t.request('/api/v1/openapi.json'));
    expect(Object.keys(doc.paths['/connectors'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/connectors/{slug}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/connectors/import'] ?? {})).toEqual(['post']);
    for (const name of ['Connector', 'ConnectorSummary', 'ConnectorCapabilities', 'ConnectorTool', 'ConnectorImportRequest', 'ConnectorImportReport', 'CustomConnectorRequest']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });
});
