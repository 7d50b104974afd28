import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { InProcessPolicyChangeBus, type PolicyChange } from '../../src/policy/changes.ts';
import { createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

/**
 * The tool access settings API (docs/tool-access.md) on its own: storage, validation, the change notices that make
 * MCP clients list again, the owners' audit trail, and the OpenAPI document. Figures need the gateway; the MCP
 * side and the figures are in test/gateway/tool-access.test.ts.
 */
let database: Database;
let t: TestApp;
let olivia: Person, max: Person, mia: Person;
const changes: PolicyChange[] = [];

beforeAll(async () => {
  database = await testDatabase();
  t = createTestApp(database);
  const bus = new InProcessPolicyChangeBus();
  bus.subscribe((c) => changes.push(c));
  t.services.policyChanges = bus;
  olivia = await person(database.db, 'olivia@acme.test');
  max = await person(database.db, 'max@acme.test');
  mia = await person(database.db, 'mia@other.test');
  await organization(database.db, 'acme', olivia, [[max, 'member']]);
  await organization(database.db, 'other', mia);
  await upsertListing(database.db, { slug: 'tracker', name: 'Tracker', tagline: 'Issues', description: 'An issue tracker.', category: 'productivity', mcpUrl: 'http://127.0.0.1:4101/mcp', authKind: 'oauth', source: 'demo' });
  // Another organization's custom connector: invisible to Acme.
  const other = await database.db.selectFrom('organizations').select('id').where('slug', '=', 'other').executeTakeFirstOrThrow();
  await database.db
    .insertInto('connector_listings')
    .values({ slug: 'custom-secret-1', name: 'Secret', tagline: 't', description: 'd', use_cases: '[]', category: 'other', mcp_url: 'https://secret.example/mcp', transport: 'streamable-http', auth_kind: 'none', auth_headers: '[]', plans: '["team"]', clients: '["mcp"]', interactive: false, source: 'custom', owner_org_id: other.id, logo_url: null, docs_url: null, origin: null, call_timeout_seconds: null })
    .execute();
});
afterAll(async () => {
  await database.close();
});

const send = (method: string, path: string, token: string, body?: unknown) =>
  t.request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('GET/PUT /me/tool-access', () => {
  it('starts on Auto with nothing pinned; what a PUT leaves out stays as it was', async () => {
    expect(await json(await send('GET', '/me/tool-access', max.token))).toEqual({ mode: 'auto', resolvesTo: null, pinned: [], clients: [], organization: { slug: 'acme', pinned: [] }, figures: null });
    changes.length = 0;
    const set = await json(await send('PUT', '/me/tool-access', max.token, { mode: 'on_demand', pinned: [{ connector: 'tracker', tool: 'list_issues' }, { connector: 'tracker', tool: 'list_issues' }] }));
    expect(set).toMatchObject({ mode: 'on_demand', pinned: [{ connector: 'tracker', tool: 'list_issues' }], changed: true });
    // His clients are told to list again (his own change: every organization).
    expect(changes).toEqual([{ kind: 'policy', orgId: null, connector: '', userId: max.user.id }]);
    expect(await json(await send('PUT', '/me/tool-access', max.token, { mode: 'always' }))).toMatchObject({ mode: 'always', pinned: [{ connector: 'tracker', tool: 'list_issues' }], changed: true });
    expect(await json(await send('PUT', '/me/tool-access', max.token, { mode: 'always' }))).toMatchObject({ changed: false });
    expect(changes).toHaveLength(2);
  });

  it('refuses what cannot be right, saying what to do', async () => {
    await expectApiError(t, await send('PUT', '/me/tool-access', max.token, { mode: 'sometimes' }), 400, 'invalid_request');
    const hidden = await expectApiError(t, await send('PUT', '/me/tool-access', max.token, { pinned: [{ connector: 'custom-secret-1', tool: 'x' }] }), 404, 'not_found');
    expect(hidden.message).toMatch(/No connector has the slug "custom-secret-1"\. Pin tools by the connector's slug/);
    const client = await expectApiError(t, await send('PUT', '/me/tool-access', max.token, { clients: [{ kind: 'oauth', id: 'https://unknown.example/client', mode: 'always' }] }), 404, 'not_found');
    expect(client.message).toMatch(/You have not authorized an MCP client with the id .*GET \/api\/v1\/me\/clients/);
    // Mia may pin her own organization's custom connector.
    expect(await json(await send('PUT', '/me/tool-access', mia.token, { pinned: [{ connector: 'custom-secret-1', tool: 'x' }] }))).toMatchObject({ changed: true });
  });
});

describe('GET/PUT /orgs/{slug}/tool-access', () => {
  it('owners pin tools for everyone, audited; members read them; outsiders see nothing', async () => {
    await expectApiError(t, await send('PUT', '/orgs/acme/tool-access', max.token, { pinned: [] }), 403, 'forbidden');
    await expectApiError(t, await send('GET', '/orgs/acme/tool-access', mia.token), 404, 'not_found');
    await expectApiError(t, await send('PUT', '/orgs/acme/tool-access', olivia.token, { pinned: [{ connector: 'custom-secret-1', tool: 'x' }] }), 404, 'not_found');
    changes.length = 0;
    const res = await send('PUT', '/orgs/acme/tool-access', olivia.token, { pinned: [{ connector: 'tracker', tool: 'search' }] });
    expect(await json(res)).toMatchObject({ pinned: [{ connector: 'tracker', tool: 'search' }], updatedBy: olivia.user.id, changed: true });
    const acme = await database.db.selectFrom('organizations').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow();
    expect(changes).toEqual([{ kind: 'policy', orgId: acme.id, connector: '' }]);
    const event = await database.db.selectFrom('audit_events').select(['kind', 'action', 'actor', 'subject', 'details', 'request_id']).where('action', '=', 'tool_pins_set').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: 'policy', actor: olivia.user.id, subject: 'acme', details: { before: [], pinned: [{ connector: 'tracker', tool: 'search' }] }, request_id: res.headers.get('x-request-id') });
    expect(await json(await send('GET', '/orgs/acme/tool-access', max.token))).toMatchObject({ pinned: [{ connector: 'tracker', tool: 'search' }] });
    expect(await json(await send('GET', '/me/tool-access', max.token))).toMatchObject({ organization: { slug: 'acme', pinned: [{ connector: 'tracker', tool: 'search' }] } });
  });
});

describe('OpenAPI', () => {
  it('documents the tool access routes', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(await t.request('/api/v1/openapi.json'));
    expect(Object.keys(doc.paths['/me/tool-access'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.paths['/orgs/{slug}/tool-access'] ?? {}).sort()).toEqual(['get', 'put']);
    for (const schema of ['ToolAccess', 'ToolAccessRequest', 'ToolAccessFigures', 'PinnedTool', 'OrganizationToolPins', 'OrganizationToolPinsRequest']) expect(doc.components.schemas).toHaveProperty(schema);
  });
});
