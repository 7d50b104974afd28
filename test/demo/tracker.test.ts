import { InsufficientScopeError, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { authorizeInBrowser, callTool, connectAs, CookieJar, demoClient, InMemoryOAuthClient, TEST_REDIRECT_URL, type DemoConnection } from '../helpers/demo-oauth.ts';

const ALICE = { email: 'alice@demo.test', password: 'alice-demo-password' };
const BOB = { email: 'bob@demo.test', password: 'bob-demo-password' };
const CAROL = { email: 'carol@demo.test', password: 'carol-demo-password' };

let tracker: DemoServiceHandle;
/** Alice negotiates (and gets 2026-07-28); Bob's client speaks only the 2025-11-25 handshake. */
let alice: DemoConnection;
let bob: DemoConnection;

const prmUrl = () => `${tracker.issuer}/.well-known/oauth-protected-resource/mcp`;

/** A token-endpoint request as a public client. */
function tokenRequest(connection: DemoConnection, params: Record<string, string>): Promise<Response> {
  const clientId = connection.oauth.clientInformation()?.client_id ?? '';
  return fetch(`${tracker.issuer}/token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, ...params }) });
}

/** A tools/call as a 2025-era client would send it, with an explicit bearer token. */
function rawToolCall(accessToken: string | undefined, name: string, args: Record<string, unknown>): Promise<Response> {
  return fetch(tracker.url, {
    method: 'POST',
    headers: {
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
}

beforeAll(async () => {
  tracker = await startDemoService('tracker', { port: 0 });
  alice = await connectAs(tracker.url, ALICE, { era: 'modern' });
  bob = await connectAs(tracker.url, BOB, { era: 'legacy' });
});

afterAll(async () => {
  await alice?.client.close();
  await bob?.client.close();
  await tracker?.close();
});

describe('discovery', () => {
  it('answers a request without a token with 401 and a challenge naming the protected resource metadata and scopes', async () => {
    const res = await rawToolCall(undefined, 'list_projects', {});
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${prmUrl()}"`);
    expect(challenge).toContain('scope="tracker.read tracker.write"');
  });

  it('publishes protected resource metadata (RFC 9728) at the path and at the root', async () => {
    for (const url of [prmUrl(), `${tracker.issuer}/.well-known/oauth-protected-resource`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource: tracker.url, authorization_servers: [tracker.issuer], scopes_supported: ['tracker.read', 'tracker.write'] });
    }
  });

  it('publishes authorization server metadata (RFC 8414 and OpenID discovery) for OAuth 2.1 with PKCE, DCR, revocation and iss', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const metadata = (await (await fetch(`${tracker.issuer}${path}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: tracker.issuer,
        authorization_endpoint: `${tracker.issuer}/auth`,
        token_endpoint: `${tracker.issuer}/token`,
        registration_endpoint: `${tracker.issuer}/reg`,
        revocation_endpoint: `${tracker.issuer}/token/revocation`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['offline_access', 'tracker.read', 'tracker.write']));
      expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['none', 'client_secret_basic']));
    }
  });
});

describe('authorization requests', () => {
  it('refuses one without PKCE S256 or for another resource, naming the issuer in the error response', async () => {
    const registered = await fetch(`${tracker.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'raw', redirect_uris: [TEST_REDIRECT_URL], token_endpoint_auth_method: 'none' }),
    });
    expect(registered.status).toBe(201);
    const { client_id } = (await registered.json()) as { client_id: string };
    const authorize = async (extra: Record<string, string>) => {
      const query = new URLSearchParams({ response_type: 'code', client_id, redirect_uri: TEST_REDIRECT_URL, scope: 'tracker.read', ...extra });
      const res = await fetch(`${tracker.issuer}/auth?${query}`, { redirect: 'manual' });
      return new URL(res.headers.get('location') ?? '').searchParams;
    };
    const challenge = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    expect((await authorize({})).get('error')).toBe('invalid_request');
    expect((await authorize({ ...challenge, code_challenge_method: 'plain' })).get('error')).toBe('invalid_request');
    const foreign = await authorize({ ...challenge, resource: 'http://127.0.0.1:1/mcp' });
    expect(foreign.get('error')).toBe('invalid_target');
    expect(foreign.get('iss')).toBe(tracker.issuer);
  });
});

describe('the OAuth flow with the SDK v2 client', () => {
  it('took Alice through registration, login, consent and the code exchange, and negotiated 2026-07-28', () => {
    expect(alice.visit?.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
    const consent = alice.visit?.pages[1]?.html ?? '';
    expect(consent).toContain('Switchboard test client');
    expect(consent).toContain('tracker.read');
    expect(consent).toContain('tracker.write');
    expect(consent).toContain('name="decision" value="allow"');
    // RFC 9207: the authorization response names the issuer, and the SDK checked it in finishAuth.
    expect(alice.visit?.callbackUrl.searchParams.get('iss')).toBe(tracker.issuer);
    expect(alice.visit?.callbackUrl.href.startsWith(`${TEST_REDIRECT_URL}?`)).toBe(true);
    const authorization = alice.oauth.authorizationUrl;
    expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization?.searchParams.get('resource')).toBe(tracker.url);
    expect(alice.oauth.tokens()).toMatchObject({ token_type: 'Bearer', scope: 'tracker.read tracker.write', refresh_token: expect.any(String), expires_in: 3600 });
    expect(alice.client.getProtocolEra()).toBe('modern');
    expect(alice.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  });

  it('served Bob on the 2025-11-25 handshake from the same endpoint', () => {
    expect(bob.visit?.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
    expect(bob.client.getProtocolEra()).toBe('legacy');
    expect(bob.client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
  });

  it('refuses a wrong password on the login page and names the problem', async () => {
    const oauth = new InMemoryOAuthClient();
    await expect(demoClient('modern').connect(new StreamableHTTPClientTransport(new URL(tracker.url), { authProvider: oauth }))).rejects.toBeInstanceOf(UnauthorizedError);
    const jar = new CookieJar();
    let url = oauth.authorizationUrl as URL;
    while (!/\/interaction\/[^/]+$/.test(url.pathname)) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.store(res);
      url = new URL(res.headers.get('location') ?? '', url);
    }
    const res = await fetch(`${url.href}/login`, { method: 'POST', headers: { cookie: jar.header() }, body: new URLSearchParams({ email: ALICE.email, password: 'wrong' }) });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('do not match a demo account');
  });

  it('sends a person who denies access back to the client with access_denied', async () => {
    const oauth = new InMemoryOAuthClient();
    await expect(demoClient('modern').connect(new StreamableHTTPClientTransport(new URL(tracker.url), { authProvider: oauth }))).rejects.toBeInstanceOf(UnauthorizedError);
    const visit = await authorizeInBrowser(oauth.authorizationUrl as URL, { ...BOB, decision: 'deny' });
    expect(visit.callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(visit.callbackUrl.searchParams.get('iss')).toBe(tracker.issuer);
  });
});

describe('tools', () => {
  it('lists every tool with a title and honest annotations, in both eras', async () => {
    for (const client of [alice.client, bob.client]) {
      const { tools } = await client.listTools();
      const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      expect(Object.keys(byName).sort()).toEqual(['create_issue', 'delete_issue', 'get_issue', 'list_issues', 'list_projects', 'search_issues', 'update_issue_status']);
      for (const tool of tools) {
        expect(tool.title).toBeTruthy();
        expect(tool.annotations?.openWorldHint).toBe(false);
        expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
      }
      for (const name of ['list_projects', 'search_issues', 'list_issues', 'get_issue']) expect(byName[name]?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(byName.create_issue?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
      expect(byName.update_issue_status?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
      expect(byName.delete_issue?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    }
  });

  it('shows Alice her private Payroll project and hides it from Bob', async () => {
    const projectsOf = async (c: DemoConnection) => ((await callTool(c.client, 'list_projects')).data.projects as Array<{ key: string }>).map((p) => p.key);
    expect(await projectsOf(alice)).toEqual(['WEB', 'PAY', 'OPS']);
    expect(await projectsOf(bob)).toEqual(['WEB', 'MOB']);

    const alicePayroll = await callTool(alice.client, 'list_issues', { project: 'PAY' });
    expect((alicePayroll.data.issues as unknown[]).length).toBe(3);
    const bobPayroll = await callTool(bob.client, 'list_issues', { project: 'PAY' });
    expect(bobPayroll.isError).toBe(true);
    expect(bobPayroll.text).toContain('No project "PAY" that you can see. Call list_projects');
  });

  it('answers Bob as if Alice\'s private issue did not exist', async () => {
    const aliceSearch = await callTool(alice.client, 'search_issues', { query: 'overtime' });
    expect((aliceSearch.data.issues as Array<{ key: string }>).map((i) => i.key)).toEqual(['PAY-1']);
    const bobSearch = await callTool(bob.client, 'search_issues', { query: 'overtime' });
    expect(bobSearch.data).toEqual({ issues: [], total: 0 });

    expect((await callTool(alice.client, 'get_issue', { key: 'PAY-1' })).data.issue).toMatchObject({ key: 'PAY-1', assignee: 'alice@demo.test' });
    const bobGet = await callTool(bob.client, 'get_issue', { key: 'PAY-1' });
    const missing = await callTool(bob.client, 'get_issue', { key: 'PAY-99' });
    expect(bobGet.isError).toBe(true);
    expect(bobGet.text).toBe('No issue "PAY-1" that you can see. Call search_issues or list_issues to find issue keys.');
    expect(missing.text).toBe('No issue "PAY-99" that you can see. Call search_issues or list_issues to find issue keys.');
    expect((await callTool(bob.client, 'delete_issue', { key: 'PAY-1' })).isError).toBe(true);
    expect((await callTool(alice.client, 'get_issue', { key: 'PAY-1' })).isError).toBe(false);
  });

  it('lets Bob create, update and delete an issue that Alice sees in the shared project', async () => {
    const created = await callTool(bob.client, 'create_issue', { project: 'web', title: 'Cookie banner covers the menu', assignee: 'carol@demo.test' });
    expect(created.data.issue).toMatchObject({ key: 'WEB-5', status: 'open', reporter: 'bob@demo.test', assignee: 'carol@demo.test' });
    expect((await callTool(alice.client, 'get_issue', { key: 'WEB-5' })).data.issue).toMatchObject({ title: 'Cookie banner covers the menu' });

    expect((await callTool(alice.client, 'update_issue_status', { key: 'WEB-5', status: 'done' })).data.issue).toMatchObject({ status: 'done' });
    expect((await callTool(bob.client, 'list_issues', { project: 'WEB', status: 'done' })).data.issues).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'WEB-5' })]));

    expect((await callTool(bob.client, 'delete_issue', { key: 'WEB-5' })).data).toEqual({ deleted: 'WEB-5' });
    expect((await callTool(alice.client, 'get_issue', { key: 'WEB-5' })).isError).toBe(true);
    // An assignee has to be able to see the project: Alice is not in Mobile app.
    const foreign = await callTool(bob.client, 'create_issue', { project: 'MOB', title: 'x', assignee: 'alice@demo.test' });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain('assign a member of the project');
  });
});

describe('scopes', () => {
  let carol: DemoConnection;

  beforeAll(async () => {
    // Carol unticks the write scope on the consent page.
    carol = await connectAs(tracker.url, { ...CAROL, scopes: ['tracker.read', 'offline_access'] }, { era: 'legacy' });
  });
  afterAll(async () => {
    await carol?.client.close();
  });

  it('issues a token with only the scopes the person approved', async () => {
    expect(carol.oauth.tokens()?.scope).toBe('tracker.read');
    expect((await callTool(carol.client, 'list_projects')).isError).toBe(false);
  });

  it('answers a write with a read-only token with 403 insufficient_scope and the scope to ask for', async () => {
    const res = await rawToolCall(carol.oauth.tokens()?.access_token, 'create_issue', { project: 'WEB', title: 'x' });
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="tracker.write"');
    expect(challenge).toContain(`resource_metadata="${prmUrl()}"`);

    const strict = demoClient('modern');
    await strict.connect(new StreamableHTTPClientTransport(new URL(tracker.url), { authProvider: carol.oauth, onInsufficientScope: 'throw' }));
    const error = await strict.callTool({ name: 'create_issue', arguments: { project: 'WEB', title: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect(error).toMatchObject({ requiredScope: 'tracker.write' });
    await strict.close();
  });

  it('lets the client step up: the SDK asks for the union of scopes, the person consents again, the write succeeds', async () => {
    const error = await carol.client.callTool({ name: 'create_issue', arguments: { project: 'WEB', title: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(carol.oauth.authorizationUrl?.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['tracker.read', 'tracker.write']));

    // Still signed in at the authorization server (same cookie jar): only the consent page this time.
    const visit = await authorizeInBrowser(carol.oauth.authorizationUrl as URL, CAROL, carol.jar);
    expect(visit.pages.map((p) => p.kind)).toEqual(['consent']);
    await new StreamableHTTPClientTransport(new URL(tracker.url), { authProvider: carol.oauth }).finishAuth(visit.callbackUrl.searchParams);
    expect(carol.oauth.tokens()?.scope).toBe('tracker.read tracker.write');

    const client = demoClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(tracker.url), { authProvider: carol.oauth }));
    const created = await callTool(client, 'create_issue', { project: 'OPS', title: 'Rotate the backup encryption key' });
    expect(created.data.issue).toMatchObject({ project: 'OPS', reporter: 'carol@demo.test' });
    await client.close();
  });
});

describe('token lifetime, refresh and revocation', () => {
  it('answers an expired access token with 401 and the resource_metadata challenge', async () => {
    const expired = alice.oauth.tokens()?.access_token;
    expect(await tracker.expireAccessTokens(ALICE.email)).toBeGreaterThan(0);
    const res = await rawToolCall(expired, 'list_projects', {});
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain('Token has expired');
    expect(challenge).toContain(`resource_metadata="${prmUrl()}"`);
  });

  it('lets the SDK client refresh transparently: one refresh_token grant, and both tokens rotate', async () => {
    tracker.resetStats();
    const before = alice.oauth.tokens();
    const result = await callTool(alice.client, 'list_projects');
    expect(result.isError).toBe(false);
    expect(tracker.stats.tokenRequests).toEqual({ refresh_token: 1 });
    expect(tracker.stats.tokenErrors).toEqual({});
    expect(tracker.stats.mcpUnauthorized).toBe(1);
    const after = alice.oauth.tokens();
    expect(after?.access_token).not.toBe(before?.access_token);
    expect(after?.refresh_token).not.toBe(before?.refresh_token);
  });

  it('rotates refresh tokens on the token endpoint, and treats reuse of a spent one as invalid_grant', async () => {
    const second = await connectAs(tracker.url, ALICE, { era: 'modern' });
    const spent = second.oauth.tokens()?.refresh_token ?? '';
    const refreshed = await tokenRequest(second, { grant_type: 'refresh_token', refresh_token: spent });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as { access_token: string; refresh_token: string; scope: string };
    expect(body.refresh_token).not.toBe(spent);
    expect(body.scope).toBe('tracker.read tracker.write');

    const reused = await tokenRequest(second, { grant_type: 'refresh_token', refresh_token: spent });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    await second.client.close();
  });

  it('revokes a token at the revocation endpoint (RFC 7009); the MCP endpoint then refuses it', async () => {
    tracker.resetStats();
    const carolAgain = await connectAs(tracker.url, CAROL, { era: 'modern' });
    const accessToken = carolAgain.oauth.tokens()?.access_token ?? '';
    const clientId = carolAgain.oauth.clientInformation()?.client_id ?? '';
    const res = await fetch(`${tracker.issuer}/token/revocation`, { method: 'POST', body: new URLSearchParams({ token: accessToken, token_type_hint: 'access_token', client_id: clientId }) });
    expect(res.status).toBe(200);
    expect(tracker.stats.revocations).toBe(1);
    expect((await rawToolCall(accessToken, 'list_projects', {})).status).toBe(401);
    await carolAgain.client.close();
  });

  it('after revokeGrants(person), the refresh token fails with invalid_grant and the access token with 401', async () => {
    tracker.resetStats();
    const tokens = bob.oauth.tokens();
    expect(await tracker.revokeGrants(BOB.email)).toBeGreaterThanOrEqual(1);
    expect((await rawToolCall(tokens?.access_token, 'list_projects', {})).status).toBe(401);
    const refreshed = await tokenRequest(bob, { grant_type: 'refresh_token', refresh_token: tokens?.refresh_token ?? '' });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
    expect(tracker.stats.tokenRequests).toEqual({ refresh_token: 1 });
    expect(tracker.stats.tokenErrors).toEqual({ refresh_token: 1 });
    // Alice's grants are untouched.
    expect((await callTool(alice.client, 'list_projects')).isError).toBe(false);
  });

  it('issues access tokens with the lifetime set while running', async () => {
    tracker.setAccessTokenTtl(120);
    try {
      const short = await connectAs(tracker.url, CAROL, { era: 'modern' });
      expect(short.oauth.tokens()?.expires_in).toBe(120);
      await short.client.close();
    } finally {
      tracker.setAccessTokenTtl(3600);
    }
  });

  it('counts registrations, code exchanges and tool calls', async () => {
    tracker.resetStats();
    const bobAgain = await connectAs(tracker.url, BOB, { era: 'modern' });
    await callTool(bobAgain.client, 'search_issues', { query: 'crash' });
    await callTool(bobAgain.client, 'search_issues', { query: 'dark' });
    expect(tracker.stats).toMatchObject({ registrations: 1, tokenRequests: { authorization_code: 1 }, toolCalls: { search_issues: 2 } });
    expect(tracker.stats.mcpRequests).toBeGreaterThanOrEqual(3);
    await bobAgain.client.close();
  });
});
