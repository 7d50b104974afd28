import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { removePreregisteredClient, setPreregisteredClient } from '../../src/connections/preregistered-client.ts';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import type { Database } from '../../src/db/database.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { openUpstream } from '../../src/upstream/mcp-client.ts';
import { createTestApp, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { person, type Person } from '../helpers/fixtures.ts';

/**
 * Per-person connections end to end, with the real demo tracker over HTTP: its own OAuth
 * authorization server (DCR, PKCE, consent, refresh rotation, revocation) and its own per-person data.
 */
const PUBLIC_URL = 'http://127.0.0.1:3999';
const alice = DEMO_PEOPLE.find((p) => p.id === 'alice')!;
const bob = DEMO_PEOPLE.find((p) => p.id === 'bob')!;

let database: Database;
let tracker: DemoServiceHandle;
let vault: Vault;
let connector: ConnectorTarget;
let t: TestApp;
let olivia: Person & { cookie: string; csrf: string };
let max: Person & { cookie: string; csrf: string };

const service = () => new ConnectionService({ db: database.db, vault, publicUrl: PUBLIC_URL, resolveConnector: async (slug) => (slug === connector.slug ? connector : undefined), log: t.services.log });

async function signIn(email: string, password: string): Promise<Person & { cookie: string; csrf: string }> {
  const p = await person(database.db, email, password);
  const res = await t.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { csrfToken } = await json<{ csrfToken: string }>(res);
  return { ...p, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: csrfToken };
}

/** Connect through the REST API as a browser would: start, authorize at the tracker, land on the callback. */
async function connectAs(who: typeof olivia, demoPerson: typeof alice): Promise<Response> {
  const start = await t.request(`/api/v1/connections/${connector.slug}`, { method: 'POST', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ returnTo: '/settings' }) });
  expect(start.status).toBe(200);
  const { authorizationUrl } = await json<{ authorizationUrl: string }>(start);
  const callback = await authorizeAtDemo(authorizationUrl, demoPerson, { callbackPrefix: PUBLIC_URL });
  return t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: who.cookie } });
}

const creds = (connections: ConnectionService, userId: string) => ({ get: (o?: { rejectedAccessToken?: string }) => connections.credentialsFor(userId, connector.slug, o) });

async function callTool(connections: ConnectionService, userId: string, name: string, args: Record<string, unknown>) {
  const client = await openUpstream(connector.url, creds(connections, userId));
  try {
    return await client.callTool({ name, arguments: args });
  } finally {
    await client.close();
  }
}

const text = (result: Awaited<ReturnType<typeof callTool>>) => (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

beforeAll(async () => {
  database = await testDatabase();
  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  vault = await Vault.open(database.db, randomBytes(32));
  connector = { slug: 'demo-tracker', name: 'Demo Tracker', url: tracker.url, auth: 'oauth' };
  t = createTestApp(database, { publicUrl: PUBLIC_URL });
  (t.services as { connections: ConnectionService }).connections = service();
  olivia = await signIn('olivia@acme.test', 'olivia-password');
  max = await signIn('max@acme.test', 'max-password');
});
afterAll(async () => {
  await tracker.close();
  await database.close();
});

describe('connecting the demo tracker', () => {
  it('runs the full OAuth flow for two people, registering Switchboard once (DCR)', async () => {
    const done = await connectAs(olivia, alice);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/settings?connected=demo-tracker');
    expect((await connectAs(max, bob)).status).toBe(302);
    expect(tracker.stats.registrations).toBe(1);
    expect(tracker.stats.tokenRequests.authorization_code).toBe(2);
    const list = await json<{ connections: Array<{ connector: string; status: string; scope: string }> }>(await t.request('/api/v1/connections', { headers: { cookie: olivia.cookie } }));
    expect(list.connections).toEqual([expect.objectContaining({ connector: 'demo-tracker', status: 'connected' })]);
    expect(list.connections[0]!.scope).toContain('tracker.read');
    expect(JSON.stringify(list)).not.toMatch(/access_token|refresh_token/);
    // Each connection is an audit event of its person, with no secret in it.
    const events = await database.db.selectFrom('audit_events').select(['user_id', 'action', 'actor', 'connector_slug', 'details']).where('kind', '=', 'connection').where('action', '=', 'connected').execute();
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: olivia.user.id, actor: olivia.user.id, connector_slug: 'demo-tracker', details: { authKind: 'oauth' } }),
        expect.objectContaining({ user_id: max.user.id, actor: max.user.id, connector_slug: 'demo-tracker', details: { authKind: 'oauth' } }),
      ]),
    );
  });

  it('each person sees only what they may see in the tracker', async () => {
    const connections = service();
    const aliceProjects = text(await callTool(connections, olivia.user.id, 'list_projects', {}));
    const bobProjects = text(await callTool(connections, max.user.id, 'list_projects', {}));
    expect(aliceProjects).toContain('Payroll');
    expect(bobProjects).not.toContain('Payroll');
    expect(bobProjects).toContain('Mobile app');
    expect(text(await callTool(connections, olivia.user.id, 'get_issue', { key: 'PAY-1' }))).toContain('overtime rate');
    const hidden = await callTool(connections, max.user.id, 'get_issue', { key: 'PAY-1' });
    expect(hidden.isError).toBe(true);
    expect(text(hidden)).not.toContain('overtime');
    expect(text(await callTool(connections, max.user.id, 'search_issues', { query: 'payroll' }))).not.toContain('PAY-');
  });

  it('reaches the tracker in both spec eras with the same connection', async () => {
    const connections = service();
    const modern = await openUpstream(connector.url, creds(connections, olivia.user.id));
    const legacy = await openUpstream(connector.url, creds(connections, olivia.user.id), { protocol: '2025-11-25' });
    try {
      expect(modern.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(legacy.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      for (const client of [modern, legacy]) {
        const result = await client.callTool({ name: 'list_projects', arguments: {} });
        expect(text(result as Awaited<ReturnType<typeof callTool>>)).toContain('Payroll');
      }
    } finally {
      await modern.close();
      await legacy.close();
    }
  });

  it('stores tokens only as ciphertext', async () => {
    const row = await database.db.selectFrom('connections').selectAll().where('user_id', '=', olivia.user.id).executeTakeFirstOrThrow();
    const tokens = service().store.tokens(row)!;
    expect(tokens.access_token.length).toBeGreaterThan(10);
    expect(tokens.refresh_token?.length).toBeGreaterThan(10);
    const dump = await sql<{ t: string }>`select c::text as t from connections c`.execute(database.db);
    for (const { t: rowText } of dump.rows) {
      expect(rowText).not.toContain(tokens.access_token);
      expect(rowText).not.toContain(tokens.refresh_token!);
    }
    expect(row.access_token_enc).toMatch(/^sbv1:/);
    const clients = await sql<{ t: string }>`select c::text as t from oauth_clients c`.execute(database.db);
    expect(clients.rows).toHaveLength(1);
    expect(t.logs.raw.join('\n')).not.toContain(tokens.access_token);
  });

  it('refreshes a token that expires within 5 minutes before using it, rotating the refresh token', async () => {
    const connections = service();
    const before = service().store.tokens((await connections.store.get(olivia.user.id, connector.slug))!)!;
    await database.db.updateTable('connections').set({ expires_at: new Date(Date.now() + 60_000) }).where('user_id', '=', olivia.user.id).execute();
    const refreshes = tracker.stats.tokenRequests.refresh_token ?? 0;
    const creds1 = await connections.credentialsFor(olivia.user.id, connector.slug);
    expect(tracker.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect(creds1.accessToken).not.toBe(before.access_token);
    const after = connections.store.tokens((await connections.store.get(olivia.user.id, connector.slug))!)!;
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect((await connections.get(olivia.user.id, connector.slug))!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(text(await callTool(connections, olivia.user.id, 'list_projects', {}))).toContain('Payroll');
  });

  it('20 concurrent calls on an expired token, from two Switchboard nodes, cause exactly one refresh', async () => {
    await tracker.expireAccessTokens(alice.email);
    await database.db.updateTable('connections').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', olivia.user.id).execute();
    const nodes = [service(), service()];
    const refreshes = tracker.stats.tokenRequests.refresh_token ?? 0;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => callTool(nodes[i % 2]!, olivia.user.id, 'list_projects', {})));
    expect(results.every((r) => !r.isError && text(r).includes('Payroll'))).toBe(true);
    expect(tracker.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
  });

  it('a token the tracker rejects mid-call (401) is refreshed once and the call goes through', async () => {
    await tracker.expireAccessTokens(alice.email);
    const refreshes = tracker.stats.tokenRequests.refresh_token ?? 0;
    const unauthorized = tracker.stats.mcpUnauthorized;
    expect(text(await callTool(service(), olivia.user.id, 'list_projects', {}))).toContain('Payroll');
    expect(tracker.stats.mcpUnauthorized).toBeGreaterThan(unauthorized);
    expect(tracker.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
  });

  it('a revoked refresh token leaves the connection expired, with a reconnect link and no secrets', async () => {
    expect(await tracker.revokeGrants(alice.email)).toBeGreaterThan(0);
    await database.db.updateTable('connections').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', olivia.user.id).execute();
    const err = await service().credentialsFor(olivia.user.id, connector.slug).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code, (err as Error).message).toBe('connection_expired');
    expect((err as AppError).message).toContain(`${PUBLIC_URL}/api/v1/connections/demo-tracker/authorize`);
    const row = await database.db.selectFrom('connections').selectAll().where('user_id', '=', olivia.user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'expired', access_token_enc: null, refresh_token_enc: null });
    expect(row.status_reason).toMatch(/refused to renew/);
    // Found dead on refresh: recorded as Switchboard's doing, for the person concerned.
    const expired = await database.db.selectFrom('audit_events').select(['user_id', 'actor', 'details']).where('kind', '=', 'connection').where('action', '=', 'expired').where('user_id', '=', olivia.user.id).execute();
    expect(expired).toEqual([expect.objectContaining({ actor: 'system', details: { reason: expect.stringMatching(/refused to renew/) } })]);
    // Reconnecting brings it back.
    expect((await connectAs(olivia, alice)).status).toBe(302);
    expect((await service().get(olivia.user.id, connector.slug))?.status).toBe('connected');
  });

  it('disconnect revokes upstream and removes the secrets at once', async () => {
    const connections = service();
    const old = connections.store.tokens((await connections.store.get(max.user.id, connector.slug))!)!;
    const revocations = tracker.stats.revocations;
    const res = await t.request(`/api/v1/connections/${connector.slug}`, { method: 'DELETE', headers: { cookie: max.cookie, 'x-csrf-token': max.csrf } });
    expect(await json(res)).toEqual({ revocation: 'revoked' });
    expect(tracker.stats.revocations).toBeGreaterThan(revocations);
    expect(await connections.store.get(max.user.id, connector.slug)).toBeUndefined();
    const direct = await fetch(tracker.url, { method: 'POST', headers: { authorization: `Bearer ${old.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
    expect(direct.status).toBe(401);
    const err = await connections.credentialsFor(max.user.id, connector.slug).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'not_connected' });
  });

  it('the person finishing an authorization must be the one who started it', async () => {
    const start = await t.request(`/api/v1/connections/${connector.slug}`, { method: 'POST', headers: { cookie: max.cookie, 'x-csrf-token': max.csrf } });
    const { authorizationUrl } = await json<{ authorizationUrl: string }>(start);
    const callback = await authorizeAtDemo(authorizationUrl, bob, { callbackPrefix: PUBLIC_URL });
    const stolen = await t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: olivia.cookie } });
    expect(stolen.status).toBe(403);
    expect((await json<{ error: { message: string } }>(stolen)).error.message).toMatch(/another Switchboard account/);
    // The rightful person can still finish it, once.
    expect((await t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: max.cookie } })).status).toBe(302);
    const replay = await t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: max.cookie } });
    expect(replay.status).toBe(400);
  });

  it("an owner's pre-registered client is used instead of registering, secret and all", async () => {
    const metadata = (await (await fetch(`${tracker.issuer}/.well-known/oauth-authorization-server`)).json()) as { registration_endpoint: string };
    const registered = (await (
      await fetch(metadata.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'Registered by an owner', redirect_uris: [`${PUBLIC_URL}/api/v1/connections/callback`], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }),
      })
    ).json()) as { client_id: string; client_secret: string };
    await setPreregisteredClient(database.db, vault, connector.slug, registered.client_id, registered.client_secret);
    const stored = await database.db.selectFrom('connector_oauth_clients').selectAll().executeTakeFirstOrThrow();
    expect(stored.client_secret_enc).not.toContain(registered.client_secret);
    const registrations = tracker.stats.registrations;
    const dana = await signIn('dana@acme.test', 'dana-password');
    const start = await t.request(`/api/v1/connections/${connector.slug}`, { method: 'POST', headers: { cookie: dana.cookie, 'x-csrf-token': dana.csrf } });
    const { authorizationUrl } = await json<{ authorizationUrl: string }>(start);
    expect(new URL(authorizationUrl).searchParams.get('client_id')).toBe(registered.client_id);
    const callback = await authorizeAtDemo(authorizationUrl, DEMO_PEOPLE.find((p) => p.id === 'carol')!, { callbackPrefix: PUBLIC_URL });
    expect((await t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: dana.cookie } })).status).toBe(302);
    expect(tracker.stats.registrations).toBe(registrations);
    expect(text(await callTool(service(), dana.user.id, 'list_projects', {}))).toContain('Mobile app');
    expect(await removePreregisteredClient(database.db, connector.slug)).toBe(true);
  });

  it('a person who declines at the consent screen gets a clear error and no connection', async () => {
    const carolUser = await signIn('carol@acme.test', 'carol-password');
    const start = await t.request(`/api/v1/connections/${connector.slug}`, { method: 'POST', headers: { cookie: carolUser.cookie, 'x-csrf-token': carolUser.csrf } });
    const { authorizationUrl } = await json<{ authorizationUrl: string }>(start);
    const callback = await authorizeAtDemo(authorizationUrl, DEMO_PEOPLE.find((p) => p.id === 'carol')!, { callbackPrefix: PUBLIC_URL, deny: true });
    const res = await t.request(`${callback.pathname}${callback.search}`, { headers: { cookie: carolUser.cookie } });
    expect(res.status).toBe(400);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe('authorization_denied');
    expect(await service().get(carolUser.user.id, connector.slug)).toBeUndefined();
  });
});
