import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { InProcessPolicyChangeBus, type PolicyChange } from '../../src/policy/changes.ts';
import { bearer, createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

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
  await upsertListing(database.db, {
    slug: 'tracker',
    name: 'Tracker',
    tagline: 'Issues',
    description: 'An issue tracker.',
    category: 'productivity',
    mcpUrl: 'http://127.0.0.1:4101/mcp',
    authKind: 'oauth',
    source: 'demo',
    tools: [{ name: 'list_issues', annotations: { readOnlyHint: true } }, { name: 'delete_issue', annotations: { destructiveHint: true } }, { name: 'search' }],
  });
});
afterAll(async () => {
  await database.close();
});

const expectError = (res: Response, status: number, code: string) => expectApiError(t, res, status, code);
const send = (method: string, path: string, token: string, body?: unknown) =>
  t.request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

interface ToolDecision { name: string; decision: string; source: string; reason: string; category: string }
const decisions = async (token: string) => {
  const res = await send('GET', '/orgs/acme/connectors/tracker/decisions', token);
  expect(res.status).toBe(200);
  const body = await json<{ toolsKnown: boolean; tools: ToolDecision[] }>(res);
  return Object.fromEntries(body.tools.map((d) => [d.name, d]));
};

describe('enablement over the API', () => {
  it('a member gets 403 in the error shape; an owner enables; the member sees it listed', async () => {
    const refused = await expectError(await send('PUT', '/orgs/acme/connectors/tracker', max.token), 403, 'forbidden');
    expect(refused.message).toBe('Only owners of acme org can add connectors to the organization; ask an owner.');
    expect((await decisions(max.token)).list_issues).toMatchObject({ decision: 'block', source: 'enablement' });

    const res = await send('PUT', '/orgs/acme/connectors/tracker', olivia.token);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ changed: true, connector: { connector: 'tracker', name: 'Tracker', authKind: 'oauth', enabledBy: { email: 'olivia@acme.test' } } });
    expect(await json(await send('PUT', '/orgs/acme/connectors/tracker', olivia.token))).toMatchObject({ changed: false });
    const list = await json<{ connectors: Array<{ connector: string }> }>(await send('GET', '/orgs/acme/connectors', max.token));
    expect(list.connectors.map((c) => c.connector)).toEqual(['tracker']);
    expect(changes.filter((c) => c.kind === 'enablement')).toHaveLength(1);
    expect((await decisions(max.token)).list_issues).toMatchObject({ decision: 'allow', source: 'default' });
  });

  it('someone outside the organization gets 404; an unknown connector 404', async () => {
    await expectError(await send('GET', '/orgs/acme/connectors', mia.token), 404, 'not_found');
    await expectError(await send('PUT', '/orgs/acme/connectors/tracker', mia.token), 404, 'not_found');
    await expectError(await send('GET', '/orgs/acme/connectors/tracker/decisions', mia.token), 404, 'not_found');
    await expectError(await send('PUT', '/orgs/acme/connectors/nope', olivia.token), 404, 'not_found');
  });

  it('needs authentication', async () => {
    await expectError(await t.request('/api/v1/orgs/acme/connectors'), 401, 'unauthorized');
    await expectError(await t.request('/api/v1/me/connectors/tracker/policy'), 401, 'unauthorized');
  });
});

describe('organization rules over the API', () => {
  it('owners set them, members read them and get 403 setting them, and they apply at once', async () => {
    const rules = { categories: { write: 'block', other: 'ask' }, tools: { list_issues: 'ask' }, overrides: {} };
    await expectError(await send('PUT', '/orgs/acme/connectors/tracker/policy', max.token, rules), 403, 'forbidden');
    const before = changes.length;
    const res = await send('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, rules);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ changed: true, rules: { connector: 'tracker', ...rules, updatedBy: olivia.user.id } });
    expect(changes.slice(before)).toEqual([expect.objectContaining({ kind: 'policy', connector: 'tracker' })]);
    expect(await json(await send('GET', '/orgs/acme/connectors/tracker/policy', max.token))).toMatchObject({ rules });
    const d = await decisions(max.token);
    expect(d.delete_issue).toMatchObject({ decision: 'block', source: 'org-category', reason: "acme org's owners block write and delete actions in Tracker. Ask an owner if you need delete_issue." });
    expect(d.list_issues).toMatchObject({ decision: 'ask', source: 'org-tool' });
    expect(d.search).toMatchObject({ decision: 'ask', category: 'other' });
  });

  it('a bad body is a 400 naming the field', async () => {
    const err = await expectError(await send('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, { categories: { write: 'deny' } }), 400, 'invalid_request');
    expect(err.message).toMatch(/categories\.write/);
    const unknown = await expectError(await send('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, { categorys: {} }), 400, 'invalid_request');
    expect(unknown.message).toMatch(/categorys/);
  });
});

describe('my own rules over the API', () => {
  it('narrow for me only, never widen, and the off switch blocks everything for me', async () => {
    const empty = await json(await send('GET', '/me/connectors/tracker/policy', max.token));
    expect(empty).toEqual({ rules: { connector: 'tracker', categories: {}, tools: {}, disabled: false, updatedAt: null } });
    const res = await send('PUT', '/me/connectors/tracker/policy', max.token, { categories: { read: 'block', write: 'allow' }, tools: { search: 'allow' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ changed: true, rules: { categories: { read: 'block', write: 'allow' }, tools: { search: 'allow' }, disabled: false } });
    expect(changes.at(-1)).toEqual({ kind: 'policy', orgId: null, connector: 'tracker', userId: max.user.id });
    const mine = await decisions(max.token);
    expect(mine.list_issues).toMatchObject({ decision: 'block', source: 'person-category' });
    expect(mine.list_issues!.reason).toMatch(/^You blocked read-only actions in Tracker for yourself/);
    // The person's allow does not lift the organization's block or ask.
    expect(mine.delete_issue).toMatchObject({ decision: 'block', source: 'org-category' });
    expect(mine.search).toMatchObject({ decision: 'ask', source: 'org-category' });
    // The owner is not affected by Max's rules.
    expect((await decisions(olivia.token)).list_issues).toMatchObject({ decision: 'ask', source: 'org-tool' });

    await send('PUT', '/me/connectors/tracker/policy', max.token, { disabled: true });
    expect(Object.values(await decisions(max.token)).map((d) => d.source)).toEqual(['person-off', 'person-off', 'person-off']);
    await expectError(await send('PUT', '/me/connectors/tracker/policy', max.token, { disabled: 'yes' }), 400, 'invalid_request');
    await expectError(await send('PUT', '/me/connectors/nope/policy', max.token, {}), 404, 'not_found');
  });
});

describe('disabling', () => {
  it('members cannot; owners can, and the connector is blocked at once', async () => {
    await expectError(await send('DELETE', '/orgs/acme/connectors/tracker', max.token), 403, 'forbidden');
    expect((await send('DELETE', '/orgs/acme/connectors/tracker', olivia.token)).status).toBe(204);
    expect((await decisions(olivia.token)).list_issues).toMatchObject({ decision: 'block', source: 'enablement' });
    expect((await send('DELETE', '/orgs/acme/connectors/tracker', olivia.token)).status).toBe(204);
  });
});

describe('OpenAPI', () => {
  it('documents the policy routes', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>(await t.request('/api/v1/openapi.json'));
    expect(Object.keys(doc.paths['/orgs/{slug}/connectors/{connector}'] ?? {}).sort()).toEqual(['delete', 'put']);
    expect(Object.keys(doc.paths['/orgs/{slug}/connectors/{connector}/policy'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.paths['/me/connectors/{connector}/policy'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/orgs/{slug}/connectors']).toHaveProperty('get');
    expect(doc.paths['/orgs/{slug}/connectors/{connector}/decisions']).toHaveProperty('get');
    expect(doc.components.schemas).toHaveProperty('OrganizationConnectorRulesRequest');
    expect(doc.components.schemas).toHaveProperty('PersonalConnectorRules');
  });
});
