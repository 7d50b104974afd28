import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiV1 } from '../../src/api/app.ts';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

/**
 * What the web app's Settings and Admin pages needed from the API beyond the earlier issues: the MCP endpoint to
 * give AI apps (per organization), the audit log filtered by action, a custom connector's organization in the
 * directory's answers; and the OpenAPI document covering every route the API serves.
 */
let database: Database;
let t: TestApp;
let olivia: Person, max: Person, mia: Person;
let acmeId: string;

beforeAll(async () => {
  database = await testDatabase();
  t = createTestApp(database, { publicUrl: 'https://switchboard.example.com' });
  olivia = await person(database.db, 'olivia@acme.test');
  max = await person(database.db, 'max@acme.test');
  mia = await person(database.db, 'mia@other.test');
  acmeId = (await organization(database.db, 'acme', olivia, [[max, 'member']])).id;
  await organization(database.db, 'zeta-labs', max);
  await organization(database.db, 'beta-works', mia);
  await upsertListing(database.db, { slug: 'tracker', name: 'Tracker', tagline: 'Issues', description: 'An issue tracker.', category: 'productivity', mcpUrl: 'https://tracker.example/mcp', authKind: 'oauth', source: 'demo' });
  await database.db
    .insertInto('connector_listings')
    .values({ slug: 'custom-wiki-1', name: 'Wiki', tagline: 't', description: 'd', use_cases: '[]', category: 'other', mcp_url: 'https://wiki.acme.example/mcp', transport: 'streamable-http', auth_kind: 'none', auth_headers: '[]', plans: '["team"]', clients: '["mcp"]', interactive: false, source: 'custom', owner_org_id: acmeId, logo_url: null, docs_url: null, origin: null, call_timeout_seconds: null })
    .execute();
});
afterAll(async () => {
  await database.close();
});

const send = (method: string, path: string, token: string, body?: unknown) =>
  t.request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('GET /me/mcp-endpoint', () => {
  it("gives PUBLIC_URL/mcp, and each organization's address: the default one (first by slug) plain, the others with ?org=", async () => {
    expect(await json(await send('GET', '/me/mcp-endpoint', max.token))).toEqual({
      url: 'https://switchboard.example.com/mcp',
      organizations: [
        { slug: 'acme', name: 'acme org', default: true, url: 'https://switchboard.example.com/mcp' },
        { slug: 'zeta-labs', name: 'zeta-labs org', default: false, url: 'https://switchboard.example.com/mcp?org=zeta-labs' },
      ],
    });
    // The default is the organization an /mcp request without ?org= acts in: the gateway's own rule.
    const { organizationFor } = await import('../../src/gateway/organization.ts');
    expect(await organizationFor(database.db, max.user.id, undefined)).toBe(acmeId);
    expect((await json<{ organizations: unknown[] }>(await send('GET', '/me/mcp-endpoint', mia.token))).organizations).toEqual([{ slug: 'beta-works', name: 'beta-works org', default: true, url: 'https://switchboard.example.com/mcp' }]);
    await expectApiError(t, await t.request('/api/v1/me/mcp-endpoint'), 401, 'unauthorized');
  });
});

describe('GET /orgs/{slug}/audit?action=', () => {
  it('keeps the events of one action, combines with the other filters, and refuses an action that does not exist', async () => {
    expect((await send('PUT', '/orgs/acme/connectors/tracker', olivia.token)).status).toBe(200);
    expect((await send('PATCH', `/orgs/acme/members/${max.user.id}`, olivia.token, { role: 'owner' })).status).toBe(204);
    expect((await send('PATCH', `/orgs/acme/members/${max.user.id}`, olivia.token, { role: 'member' })).status).toBe(204);
    expect((await send('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, { categories: { write: 'block' } })).status).toBe(200);

    type Page = { events: Array<{ action: string | null; kind: string; userId: string | null; details: unknown }>; nextCursor: string | null };
    const roles = await json<Page>(await send('GET', '/orgs/acme/audit?action=role_changed', olivia.token));
    expect(roles.events.map((e) => [e.action, e.details])).toEqual([
      ['role_changed', { from: 'owner', to: 'member' }],
      ['role_changed', { from: 'member', to: 'owner' }],
    ]);
    const all = await json<Page>(await send('GET', '/orgs/acme/audit', olivia.token));
    expect(new Set(all.events.map((e) => e.action))).toEqual(new Set(['member_added', 'enabled', 'role_changed', 'org_rules_set']));
    // With the person who acted, and with a kind that does not hold the action.
    expect((await json<Page>(await send('GET', `/orgs/acme/audit?action=org_rules_set&user=${olivia.user.id}`, olivia.token))).events).toHaveLength(1);
    expect((await json<Page>(await send('GET', `/orgs/acme/audit?action=org_rules_set&user=${max.user.id}`, olivia.token))).events).toEqual([]);
    expect((await json<Page>(await send('GET', '/orgs/acme/audit?action=role_changed&kind=policy', olivia.token))).events).toEqual([]);
    const refused = await expectApiError(t, await send('GET', '/orgs/acme/audit?action=dropped_tables', olivia.token), 400, 'invalid_request');
    expect(refused.message).toMatch(/action/);
    // The export takes the same filter.
    const lines = (await (await send('GET', '/orgs/acme/audit/export?action=role_changed', olivia.token)).text()).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['role_changed', 'role_changed']);
    // Members still cannot read it, filtered or not.
    await expectApiError(t, await send('GET', '/orgs/acme/audit?action=role_changed', max.token), 403, 'forbidden');
  });
});

describe("a custom connector's organization in the directory", () => {
  it('is its owner organization for a custom connector, null for a directory listing', async () => {
    type Listed = { connectors: Array<{ slug: string; custom: boolean; ownerOrgId: string | null }> };
    const listed = await json<Listed>(await send('GET', '/connectors?limit=500', olivia.token));
    expect(listed.connectors.find((c) => c.slug === 'custom-wiki-1')).toMatchObject({ custom: true, ownerOrgId: acmeId });
    expect(listed.connectors.find((c) => c.slug === 'tracker')).toMatchObject({ custom: false, ownerOrgId: null });
    expect((await json<{ connector: { ownerOrgId: string | null } }>(await send('GET', '/connectors/custom-wiki-1', max.token))).connector.ownerOrgId).toBe(acmeId);
    // Still invisible outside the organization.
    expect((await json<Listed>(await send('GET', '/connectors?limit=500', mia.token))).connectors.map((c) => c.slug)).not.toContain('custom-wiki-1');
  });
});

describe('OpenAPI', () => {
  it('documents every route the API serves, with its method', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(await t.request('/api/v1/openapi.json'));
    const served = createApiV1()
      .routes.filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(50);
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(doc.paths['/me/mcp-endpoint']?.get).toBeDefined();
    expect(doc.components.schemas).toHaveProperty('McpEndpoint');
    const auditParams = (doc.paths['/orgs/{slug}/audit']?.get as { parameters: Array<{ name: string; schema: { enum?: string[] } }> }).parameters;
    expect(auditParams.find((p) => p.name === 'action')?.schema.enum).toEqual(expect.arrayContaining(['role_changed', 'org_rules_set', 'domain_verified', 'egress_allow_set']));
    expect((doc.components.schemas.ConnectorSummary as { properties: Record<string, unknown> }).properties).toHaveProperty('ownerOrgId');
  });
});
