import { createHash, randomBytes } from 'node:crypto';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createMcpAuth, type McpAuth, type McpCaller } from '../../src/mcp-auth/index.ts';
import { createTestApp, bearer, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { InMemoryOAuthClient, TEST_REDIRECT_URL } from '../helpers/demo-oauth.ts';
import { person, type Person } from '../helpers/fixtures.ts';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const MCP_URL = `${PUBLIC_URL}/mcp`;
const ISSUER = `${PUBLIC_URL}/oauth`;
const CIMD_URL = 'https://client.example/oauth/client-metadata.json';

let database: Database;
let t: TestApp;
let mcpAuth: McpAuth;
let app: Hono;
let olivia: Person;
let max: Person;

/** Everything goes to the in-process app, as a client at PUBLIC_URL would send it. */
const appFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => app.request(input instanceof Request ? input : new Request(new URL(String(input), PUBLIC_URL), init));

beforeAll(async () => {
  database = await testDatabase();
  t = createTestApp(database, { publicUrl: PUBLIC_URL });
  mcpAuth = createMcpAuth({
    db: database.db,
    publicUrl: PUBLIC_URL,
    secretKey: randomBytes(32),
    log: t.services.log,
    throttle: t.services.throttle,
    sessions: t.services.sessions,
    purgeIntervalMs: 0,
    // Client ID Metadata Documents are "fetched" from here instead of the network.
    fetch: async (url) =>
      String(url) === CIMD_URL
        ? Response.json({ client_id: CIMD_URL, client_name: 'Metadata-document client', redirect_uris: [TEST_REDIRECT_URL], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] })
        : new Response('not found', { status: 404 }),
  });
  // As the server wires it: a revocation through the API makes the endpoint forget tokens it accepted recently.
  t.services.credentialsRevoked = () => mcpAuth.forgetAcceptedTokens();
  // A stand-in /mcp that only runs the check, in front of the real app (which serves /api/v1).
  app = new Hono();
  app.all('/mcp', async (c) => {
    const caller = await mcpAuth.authenticateMcpRequest(c.req.raw);
    if (caller instanceof Response) return caller;
    return c.json(caller);
  });
  mcpAuth.mount(app);
  app.all('*', (c) => t.app.fetch(c.req.raw));
  olivia = await person(database.db, 'olivia@acme.test', 'olivia-password');
  max = await person(database.db, 'max@acme.test', 'max-password');
});
afterAll(async () => {
  await mcpAuth?.close();
  await database?.close();
});

class CookieJar {
  readonly #cookies = new Map<string, string>();
  header(): string {
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

interface Visit {
  callbackUrl: URL;
  pages: Array<{ kind: 'login' | 'consent'; html: string }>;
}

/** A person's browser: follows the authorization URL through sign-in and consent, stops at the client's redirect. */
async function browse(start: URL, choices: { email?: string; password?: string; decision?: 'allow' | 'deny' }, jar = new CookieJar()): Promise<Visit> {
  const pages: Visit['pages'] = [];
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== PUBLIC_URL) return { callbackUrl: url, pages };
    const res = await appFetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} at ${url.pathname}: ${html.slice(0, 400)}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    let action: string;
    let form: URLSearchParams;
    if (html.includes('name="password"')) {
      pages.push({ kind: 'login', html });
      action = `${url.pathname}/login`;
      form = new URLSearchParams({ csrf, email: choices.email ?? '', password: choices.password ?? '' });
    } else {
      pages.push({ kind: 'consent', html });
      action = `${url.pathname}/consent`;
      form = new URLSearchParams({ csrf, decision: choices.decision ?? 'allow' });
    }
    const posted = await appFetch(action, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL }, body: form });
    jar.store(posted);
    const next = posted.headers.get('location');
    if (posted.status !== 303 || !next) throw new Error(`POST ${action} answered ${posted.status}: ${(await posted.text()).slice(0, 400)}`);
    url = new URL(next, PUBLIC_URL);
  }
  throw new Error('too many redirects');
}

const callMcp = (token?: string) => appFetch('/mcp', { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });

/** The full SDK flow: 401 → PRM → AS metadata → DCR → PKCE → browser → token. */
async function connect(choices: { email: string; password: string }, oauth = new InMemoryOAuthClient({ clientName: 'Test MCP client' }), jar = new CookieJar()) {
  const challenge = await callMcp();
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge);
  expect(await auth(oauth, { serverUrl: MCP_URL, resourceMetadataUrl, fetchFn: appFetch })).toBe('REDIRECT');
  const visit = await browse(oauth.authorizationUrl!, choices, jar);
  const params = visit.callbackUrl.searchParams;
  expect(await auth(oauth, { serverUrl: MCP_URL, authorizationCode: params.get('code')!, iss: params.get('iss') ?? undefined, fetchFn: appFetch })).toBe('AUTHORIZED');
  return { oauth, visit, tokens: oauth.tokens()!, jar };
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function register(name = 'Manual client'): Promise<string> {
  const res = await appFetch('/oauth/reg', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [TEST_REDIRECT_URL], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
  });
  expect(res.status).toBe(201);
  return (await json<{ client_id: string }>(res)).client_id;
}

function authorizationUrl(clientId: string, challenge: string, extra: Record<string, string> = {}): URL {
  const url = new URL(`${ISSUER}/auth`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: TEST_REDIRECT_URL, code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp offline_access', resource: MCP_URL, state: 'st', prompt: 'consent', ...extra })) {
    url.searchParams.set(k, v);
  }
  return url;
}

const tokenRequest = (params: Record<string, string>) =>
  appFetch('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });

async function manualCode(clientId: string, verifierChallenge: string, person = { email: 'olivia@acme.test', password: 'olivia-password' }): Promise<string> {
  const visit = await browse(authorizationUrl(clientId, verifierChallenge), person);
  const code = visit.callbackUrl.searchParams.get('code');
  if (!code) throw new Error(`no code: ${visit.callbackUrl.href}`);
  return code;
}

describe('discovery', () => {
  it('answers /mcp without a token with a 401 that points at the protected resource metadata', async () => {
    const res = await callMcp();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp", scope="mcp"`);
    const body = await json<{ error: { code: string; message: string; reference: string } }>(res);
    expect(body.error.code).toBe('unauthorized');
  });

  it('serves the protected resource metadata at the path-suffixed and root well-known URLs', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await appFetch(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource: MCP_URL, authorization_servers: [ISSUER], scopes_supported: ['mcp'] });
    }
  });

  it('serves the AS metadata at every URL MCP clients try, with the issuer they built it from', async () => {
    for (const path of ['/.well-known/oauth-authorization-server/oauth', '/.well-known/openid-configuration/oauth', '/oauth/.well-known/openid-configuration']) {
      const res = await appFetch(path);
      expect(res.status, path).toBe(200);
      const metadata = await json<Record<string, unknown>>(res);
      expect(metadata).toMatchObject({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/auth`,
        token_endpoint: `${ISSUER}/token`,
        registration_endpoint: `${ISSUER}/reg`,
        revocation_endpoint: `${ISSUER}/token/revocation`,
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
        token_endpoint_auth_methods_supported: ['none'],
      });
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['mcp', 'offline_access']));
    }
  });
});

describe('the authorization flow with the SDK client', () => {
  it('registers, signs in with a password, asks consent, and issues a token /mcp accepts', async () => {
    const { oauth, visit, tokens } = await connect({ email: 'olivia@acme.test', password: 'olivia-password' });
    expect(oauth.clientInformation()?.client_id).toBeTruthy();
    const url = oauth.authorizationUrl!;
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(MCP_URL);
    expect(visit.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
    const consent = visit.pages[1]!.html;
    expect(consent).toContain('Test MCP client');
    expect(consent).toContain('localhost:9');
    expect(consent).toContain("use your connectors through Switchboard, as you, under your organization's rules");
    expect(consent).toContain('olivia@acme.test');
    expect(visit.callbackUrl.searchParams.get('iss')).toBe(ISSUER);
    expect(tokens.refresh_token).toBeTruthy();

    const res = await callMcp(tokens.access_token);
    expect(res.status).toBe(200);
    expect(await json<McpCaller>(res)).toEqual({ userId: olivia.user.id, via: 'oauth', clientId: oauth.clientInformation()!.client_id, scopes: ['mcp'] });
  });

  it('uses the Switchboard web session when the browser has one: no sign-in page', async () => {
    const login = await appFetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'max@acme.test', password: 'max-password' }) });
    expect(login.status).toBe(200);
    const jar = new CookieJar();
    jar.store(login);
    const { visit, tokens } = await connect({ email: '', password: '' }, new InMemoryOAuthClient({ clientName: 'Session client' }), jar);
    expect(visit.pages.map((p) => p.kind)).toEqual(['consent']);
    expect(visit.pages[0]!.html).toContain('max@acme.test');
    expect((await json<McpCaller>(await callMcp(tokens.access_token))).userId).toBe(max.user.id);
  });

  it('refreshes with rotation: a new refresh token each time, the old one refused', async () => {
    const { oauth, tokens } = await connect({ email: 'olivia@acme.test', password: 'olivia-password' });
    const clientId = oauth.clientInformation()!.client_id;
    const first = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId, resource: MCP_URL });
    expect(first.status).toBe(200);
    const rotated = await json<{ access_token: string; refresh_token: string }>(first);
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect((await callMcp(rotated.access_token)).status).toBe(200);
    const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
    expect(reused.status).toBe(400);
    expect((await json<{ error: string }>(reused)).error).toBe('invalid_grant');
  });

  it('sends the person back with access_denied when they deny', async () => {
    const clientId = await register('Denied client');
    const { challenge } = pkce();
    const visit = await browse(authorizationUrl(clientId, challenge), { email: 'olivia@acme.test', password: 'olivia-password', decision: 'deny' });
    expect(visit.callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(visit.callbackUrl.searchParams.get('iss')).toBe(ISSUER);
  });

  it('shows the sign-in page again for a wrong password', async () => {
    const clientId = await register();
    const { challenge } = pkce();
    const jar = new CookieJar();
    const res = await appFetch(authorizationUrl(clientId, challenge), { redirect: 'manual' });
    jar.store(res);
    const page = new URL(res.headers.get('location')!, PUBLIC_URL);
    const html = await (await appFetch(page, { headers: { cookie: jar.header() } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const wrong = await appFetch(`${page.pathname}/login`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, email: 'olivia@acme.test', password: 'nope-nope' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The email or password is incorrect');
    const noCsrf = await appFetch(`${page.pathname}/login`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: 'olivia@acme.test', password: 'olivia-password' }) });
    expect(noCsrf.status).toBe(403);
    const crossSite = await appFetch(`${page.pathname}/login`, { method: 'POST', headers: { cookie: jar.header(), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, email: 'olivia@acme.test', password: 'olivia-password' }) });
    expect(crossSite.status).toBe(403);
    const otherBrowser = await appFetch(`${page.pathname}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, email: 'olivia@acme.test', password: 'olivia-password' }) });
    expect(otherBrowser.status).toBe(400);
  });
});

describe('Client ID Metadata Documents', () => {
  it('accepts an https client_id whose document it fetches, with the name from the document', async () => {
    const { verifier, challenge } = pkce();
    const visit = await browse(authorizationUrl(CIMD_URL, challenge), { email: 'olivia@acme.test', password: 'olivia-password' });
    expect(visit.pages.at(-1)!.html).toContain('Metadata-document client');
    const code = visit.callbackUrl.searchParams.get('code')!;
    const res = await tokenRequest({ grant_type: 'authorization_code', code, client_id: CIMD_URL, redirect_uri: TEST_REDIRECT_URL, code_verifier: verifier, resource: MCP_URL });
    expect(res.status).toBe(200);
    const { access_token } = await json<{ access_token: string }>(res);
    expect(await json<McpCaller>(await callMcp(access_token))).toMatchObject({ via: 'oauth', clientId: CIMD_URL });
    const { clients } = await json<{ clients: Array<{ clientId: string; name: string }> }>(await t.request('/api/v1/me/clients', bearer(olivia.token)));
    expect(clients).toContainEqual(expect.objectContaining({ clientId: CIMD_URL, name: 'Metadata-document client' }));
  });
});

describe('refusals', () => {
  it('refuses a wrong PKCE verifier, then a reused code (and revokes what the code gave)', async () => {
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await manualCode(clientId, challenge);
    const wrong = await tokenRequest({ grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: TEST_REDIRECT_URL, code_verifier: pkce().verifier, resource: MCP_URL });
    expect(wrong.status).toBe(400);
    expect((await json<{ error: string }>(wrong)).error).toBe('invalid_grant');

    const code2 = await manualCode(clientId, challenge);
    const ok = await tokenRequest({ grant_type: 'authorization_code', code: code2, client_id: clientId, redirect_uri: TEST_REDIRECT_URL, code_verifier: verifier, resource: MCP_URL });
    expect(ok.status).toBe(200);
    const { access_token } = await json<{ access_token: string }>(ok);
    expect((await callMcp(access_token)).status).toBe(200);
    const reused = await tokenRequest({ grant_type: 'authorization_code', code: code2, client_id: clientId, redirect_uri: TEST_REDIRECT_URL, code_verifier: verifier, resource: MCP_URL });
    expect(reused.status).toBe(400);
    expect((await json<{ error: string }>(reused)).error).toBe('invalid_grant');
    expect((await callMcp(access_token)).status).toBe(401);
  });

  it('refuses an authorization request without PKCE, or with a redirect URI that was not registered', async () => {
    const clientId = await register();
    const noPkce = authorizationUrl(clientId, 'x');
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const res1 = await appFetch(noPkce, { redirect: 'manual' });
    expect(new URL(res1.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');

    const res2 = await appFetch(authorizationUrl(clientId, pkce().challenge, { redirect_uri: 'http://localhost:9/elsewhere' }), { redirect: 'manual' });
    // Never redirected to an unregistered URI: an error page instead.
    expect(res2.status).toBe(400);
    expect(res2.headers.get('location')).toBeNull();
    expect(await res2.text()).toContain('redirect_uri');
  });

  it('registers public clients only', async () => {
    const res = await appFetch('/oauth/reg', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [TEST_REDIRECT_URL], token_endpoint_auth_method: 'client_secret_basic' }) });
    expect(res.status).toBe(400);
    expect((await json<{ error: string }>(res)).error).toBe('invalid_client_metadata');
  });

  it('refuses to issue tokens for any other resource', async () => {
    const clientId = await register();
    const res = await appFetch(authorizationUrl(clientId, pkce().challenge, { resource: 'https://other.example/mcp' }), { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a token for another audience, an expired token, a malformed header and a wrong PAT', async () => {
    const { tokens } = await connect({ email: 'olivia@acme.test', password: 'olivia-password' });
    expect((await callMcp(tokens.access_token)).status).toBe(200);
    const hash = createHash('sha256').update(tokens.access_token).digest('hex');
    const row = () => database.db.updateTable('mcp_auth_models').where('model', '=', 'AccessToken').where('id_hash', '=', hash);

    await row().set({ payload: sql`jsonb_set(payload, '{aud}', '"https://other.example/mcp"')` as never }).execute();
    // The endpoint takes a token it accepted on trust for a few seconds; rewriting the row behind its back needs this.
    mcpAuth.forgetAcceptedTokens();
    let res = await callMcp(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.headers.get('www-authenticate')).toContain(`is not for ${MCP_URL}`);

    await row().set({ payload: sql`jsonb_set(jsonb_set(payload, '{aud}', ${JSON.stringify(MCP_URL)}::jsonb), '{exp}', ${Math.floor(Date.now() / 1000) - 10}::text::jsonb)` as never }).execute();
    mcpAuth.forgetAcceptedTokens();
    res = await callMcp(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('has expired');

    res = await appFetch('/mcp', { method: 'POST', headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
    res = await callMcp('sbp_notarealtoken000000000000000000000000');
    expect(res.status).toBe(401);
    res = await callMcp('not-a-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('unknown');
  });

  it('still accepts personal access tokens', async () => {
    const res = await callMcp(olivia.token);
    expect(res.status).toBe(200);
    // The token's id names the client connection (per-client tool access modes, docs/tool-access.md).
    const tokenId = (await database.db.selectFrom('access_tokens').select('id').where('user_id', '=', olivia.user.id).executeTakeFirstOrThrow()).id;
    expect(await json<McpCaller>(res)).toEqual({ userId: olivia.user.id, via: 'token', tokenId });
  });

  it('refuses tokens of a disabled account', async () => {
    const { tokens } = await connect({ email: 'max@acme.test', password: 'max-password' });
    await database.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', max.user.id).execute();
    try {
      expect((await callMcp(tokens.access_token)).status).toBe(401);
    } finally {
      await database.db.updateTable('users').set({ disabled_at: null }).where('id', '=', max.user.id).execute();
    }
  });

  it('revokes through RFC 7009 revocation', async () => {
    const { oauth, tokens } = await connect({ email: 'olivia@acme.test', password: 'olivia-password' });
    const res = await appFetch('/oauth/token/revocation', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.access_token, client_id: oauth.clientInformation()!.client_id }) });
    expect(res.status).toBe(200);
    expect((await callMcp(tokens.access_token)).status).toBe(401);
  });
});

describe('REST: the MCP clients a person authorized', () => {
  it('a personal access token revoked through the API stops working on /mcp at once, though the endpoint had just accepted it', async () => {
    const created = await t.request('/api/v1/me/tokens', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(max.token).headers }, body: JSON.stringify({ name: 'for a script' }) });
    expect(created.status).toBe(201);
    const { token, accessToken } = await json<{ token: string; accessToken: { id: string } }>(created);
    expect((await callMcp(token)).status).toBe(200);
    expect((await callMcp(token)).status).toBe(200);
    const revoked = await t.request(`/api/v1/me/tokens/${accessToken.id}`, { method: 'DELETE', ...bearer(max.token) });
    expect(revoked.status).toBe(200);
    expect((await callMcp(token)).status).toBe(401);
  });

  it('lists them and revokes one: its tokens and refresh tokens stop at once', async () => {
    const a = await connect({ email: 'max@acme.test', password: 'max-password' }, new InMemoryOAuthClient({ clientName: 'Cursor (test)' }));
    const b = await connect({ email: 'max@acme.test', password: 'max-password' }, new InMemoryOAuthClient({ clientName: 'Claude (test)' }));
    expect((await callMcp(a.tokens.access_token)).status).toBe(200);

    const list = await t.request('/api/v1/me/clients', bearer(max.token));
    expect(list.status).toBe(200);
    const { clients } = await json<{ clients: Array<{ clientId: string; name: string; authorizedAt: string; lastUsedAt: string | null }> }>(list);
    const idA = a.oauth.clientInformation()!.client_id;
    const idB = b.oauth.clientInformation()!.client_id;
    expect(clients.find((c) => c.clientId === idA)).toMatchObject({ name: 'Cursor (test)', lastUsedAt: expect.any(String) });
    expect(clients.find((c) => c.clientId === idB)).toMatchObject({ name: 'Claude (test)', lastUsedAt: null });

    // Someone else's list does not show them, and they cannot revoke them.
    const others = await json<{ clients: Array<{ clientId: string }> }>(await t.request('/api/v1/me/clients', bearer(olivia.token)));
    expect(others.clients.map((c) => c.clientId)).not.toContain(idA);
    await expectApiError(t, await t.request(`/api/v1/me/clients/${encodeURIComponent(idA)}`, { method: 'DELETE', ...bearer(olivia.token) }), 404, 'not_found');

    const revoked = await t.request(`/api/v1/me/clients/${encodeURIComponent(idA)}`, { method: 'DELETE', ...bearer(max.token) });
    expect(revoked.status).toBe(200);
    expect((await callMcp(a.tokens.access_token)).status).toBe(401);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: a.tokens.refresh_token!, client_id: idA });
    expect(refresh.status).toBe(400);
    expect((await callMcp(b.tokens.access_token)).status).toBe(200);
    const after = await json<{ clients: Array<{ clientId: string }> }>(await t.request('/api/v1/me/clients', bearer(max.token)));
    expect(after.clients.map((c) => c.clientId)).not.toContain(idA);
    expect(after.clients.map((c) => c.clientId)).toContain(idB);
    await expectApiError(t, await t.request(`/api/v1/me/clients/${encodeURIComponent(idA)}`, { method: 'DELETE', ...bearer(max.token) }), 404, 'not_found');
    await expectApiError(t, await t.request('/api/v1/me/clients'), 401, 'unauthorized');
  });
});

describe('storage', () => {
  it('keeps no token, code or session value in the database, and purges expired rows', async () => {
    const { tokens } = await connect({ email: 'olivia@acme.test', password: 'olivia-password' });
    const dump = JSON.stringify(await database.db.selectFrom('mcp_auth_models').selectAll().execute());
    expect(dump).not.toContain(tokens.access_token);
    expect(dump).not.toContain(tokens.refresh_token!);
    await database.db.updateTable('mcp_auth_models').set({ expires_at: new Date(Date.now() - 3_600_000) }).where('model', '=', 'AuthorizationCode').execute();
    expect(await mcpAuth.purgeExpired()).toBeGreaterThan(0);
    expect(await database.db.selectFrom('mcp_auth_models').select('id_hash').where('model', '=', 'AuthorizationCode').execute()).toEqual([]);
  });
});
