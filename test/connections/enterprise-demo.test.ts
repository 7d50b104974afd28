import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import type { Database } from '../../src/db/database.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { ENTERPRISE_IDENTITY_MESSAGE } from '../../src/identity/domains.ts';
import { addMember } from '../../src/identity/memberships.ts';
import { createOrganization } from '../../src/identity/organizations.ts';
import { createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

/**
 * The enterprise restriction end to end with the demo tracker, whose authorization server reveals the account's
 * email in the ID token: an enterprise `bigcorp` verifies `demo.test` and restricts it; a person outside it who
 * connects the tracker as alice@demo.test is refused and nothing is stored; a person inside (a member of a child
 * organization of bigcorp) connects as bob@demo.test; with the restriction off the outsider connects too.
 */
const PUBLIC_URL = 'http://127.0.0.1:3999';
const alice = DEMO_PEOPLE.find((p) => p.id === 'alice')!;
const bob = DEMO_PEOPLE.find((p) => p.id === 'bob')!;

type SignedIn = Person & { cookie: string; csrf: string };
let database: Database;
let tracker: DemoServiceHandle;
let connector: ConnectorTarget;
let t: TestApp;
let boss: SignedIn;
let outsider: SignedIn;
let insider: SignedIn;
/** What DNS answers for TXT lookups during this test. */
const txt = new Map<string, string[][]>();

async function signIn(email: string, password: string): Promise<SignedIn> {
  const p = await person(database.db, email, password);
  const res = await t.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { csrfToken } = await json<{ csrfToken: string }>(res);
  return { ...p, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: csrfToken };
}

const send = (who: SignedIn, method: string, path: string, body?: unknown) =>
  t.request(path, { method, headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** Start connecting, authorize at the tracker as `demoPerson`, and land on Switchboard's callback. */
async function connectAs(who: SignedIn, demoPerson: typeof alice): Promise<Response> {
  const start = await send(who, 'POST', `/api/v1/connections/${connector.slug}`, { returnTo: '/settings' });
  expect(start.status).toBe(200);
  const { authorizationUrl } = await json<{ authorizationUrl: string }>(start);
  // Switchboard asks for the email, since the tracker's authorization server offers it.
  expect(new URL(authorizationUrl).searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['tracker.read', 'openid', 'email']));
  const callback = await authorizeAtDemo(authorizationUrl, demoPerson, { callbackPrefix: PUBLIC_URL });
  return t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: who.cookie } });
}

async function storedFor(userId: string) {
  const connections = await database.db.selectFrom('connections').selectAll().where('user_id', '=', userId).execute();
  const flows = await database.db.selectFrom('connection_flows').selectAll().where('user_id', '=', userId).execute();
  const events = await database.db.selectFrom('audit_events').select('action').where('kind', '=', 'connection').where('user_id', '=', userId).execute();
  return { connections, flows, events };
}

beforeAll(async () => {
  database = await testDatabase();
  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  const vault = await Vault.open(database.db, randomBytes(32));
  connector = { slug: 'demo-tracker', name: 'Demo Tracker', url: tracker.url, auth: 'oauth' };
  t = createTestApp(database, { publicUrl: PUBLIC_URL });
  const services = t.services as { connections: ConnectionService; resolveTxt?: (host: string) => Promise<string[][]> };
  services.connections = new ConnectionService({ db: database.db, vault, publicUrl: PUBLIC_URL, resolveConnector: async (slug) => (slug === connector.slug ? connector : undefined), log: t.services.log });
  services.resolveTxt = async (host) => {
    const records = txt.get(host);
    if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return records;
  };
  boss = await signIn('boss@bigcorp.test', 'boss-password');
  outsider = await signIn('olivia@acme.test', 'olivia-password');
  insider = await signIn('max@bigcorp.test', 'max-password');
  await organization(database.db, 'bigcorp', boss, [], 'enterprise');
  await organization(database.db, 'acme', outsider);
  // The insider is a member of a child organization of bigcorp only, not of bigcorp itself.
  await createOrganization(database.db, OPERATOR, { slug: 'bigcorp-eng', name: 'BigCorp Engineering', parentSlug: 'bigcorp' });
  await addMember(database.db, OPERATOR, 'bigcorp-eng', insider.user.email, 'member');
});
afterAll(async () => {
  await tracker.close();
  await database.close();
});

describe('verified domains through the API', () => {
  it('an owner adds demo.test, publishes the TXT record, verifies it and turns the restriction on', async () => {
    const added = await send(boss, 'POST', '/api/v1/orgs/bigcorp/domains', { domain: 'demo.test' });
    expect(added.status).toBe(201);
    const { domain } = await json<{ domain: { domain: string; verified: boolean; txtRecord: string } }>(added);
    expect(domain).toMatchObject({ domain: 'demo.test', verified: false });
    // Not published yet: not verified.
    await expectApiError(t, await send(boss, 'POST', '/api/v1/orgs/bigcorp/domains/demo.test/verify'), 422, 'domain_not_verified');
    txt.set('demo.test', [[domain.txtRecord]]);
    const verified = await send(boss, 'POST', '/api/v1/orgs/bigcorp/domains/demo.test/verify');
    expect(verified.status).toBe(200);
    expect((await json<{ domain: { verified: boolean; method: string } }>(verified)).domain).toMatchObject({ verified: true, method: 'dns' });
    // Another organization cannot claim it now.
    await expectApiError(t, await send(outsider, 'POST', '/api/v1/orgs/acme/domains', { domain: 'demo.test' }), 409, 'conflict');
    // Members of other organizations do not see bigcorp's setting; bigcorp's owner turns it on.
    await expectApiError(t, await send(outsider, 'GET', '/api/v1/orgs/bigcorp/enterprise'), 404, 'not_found');
    const on = await send(boss, 'PUT', '/api/v1/orgs/bigcorp/enterprise', { restrictVerifiedDomains: true });
    expect(await json(on)).toEqual({ restrictVerifiedDomains: true, eligible: true });
    expect(await json(await send(boss, 'GET', '/api/v1/orgs/bigcorp/domains'))).toEqual({ domains: [expect.objectContaining({ domain: 'demo.test', verified: true })] });
  });
});

describe('connecting the demo tracker under the restriction', () => {
  it('an outsider connecting alice@demo.test is refused with the exact message, and nothing is stored', async () => {
    const refused = await connectAs(outsider, alice);
    const error = await expectApiError(t, refused, 403, 'enterprise_identity');
    expect(error.message).toBe('This corporate identity belongs to an Enterprise that manages access through their own account');
    expect(error.message).toBe(ENTERPRISE_IDENTITY_MESSAGE);
    // The tracker did issue tokens (the code was redeemed), but Switchboard kept none of them.
    expect(tracker.stats.tokenRequests.authorization_code).toBe(1);
    expect(await storedFor(outsider.user.id)).toEqual({ connections: [], flows: [], events: [] });
    expect(await database.db.selectFrom('connections').selectAll().execute()).toEqual([]);
    // Logged with the request's reference and the verified domain, never the person's address.
    const line = t.logs.lines.find((l) => l.msg === 'connect: refused, the identity belongs to an enterprise the person is outside of');
    expect(line).toMatchObject({ domain: 'demo.test', source: 'id_token', reference: error.reference, user: outsider.user.id });
    expect(t.logs.raw.join('\n')).not.toContain(alice.email);
    const list = await json<{ connections: unknown[] }>(await t.request('/api/v1/connections', { headers: { cookie: outsider.cookie } }));
    expect(list.connections).toEqual([]);
  });

  it('a member of a child organization of bigcorp connecting bob@demo.test succeeds', async () => {
    const done = await connectAs(insider, bob);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/settings?connected=demo-tracker');
    const { connections } = await storedFor(insider.user.id);
    expect(connections).toEqual([expect.objectContaining({ status: 'connected', connector_slug: 'demo-tracker' })]);
    // The ID token itself is not kept.
    expect(JSON.stringify(connections)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('with the restriction off, the outsider connects alice@demo.test', async () => {
    expect((await send(boss, 'PUT', '/api/v1/orgs/bigcorp/enterprise', { restrictVerifiedDomains: false })).status).toBe(200);
    const done = await connectAs(outsider, alice);
    expect(done.status).toBe(302);
    expect((await storedFor(outsider.user.id)).connections).toEqual([expect.objectContaining({ status: 'connected' })]);
    const actions = await database.db.selectFrom('audit_events').select('action').where('kind', '=', 'policy').where('org_id', '=', (await database.db.selectFrom('organizations').select('id').where('slug', '=', 'bigcorp').executeTakeFirstOrThrow()).id).orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['domain_added', 'domain_verified', 'enterprise_restriction_set', 'enterprise_restriction_set']);
  });
});
