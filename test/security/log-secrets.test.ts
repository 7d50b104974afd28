import { randomBytes } from 'node:crypto';
import { format } from 'node:util';
import { auth as sdkAuth, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { ConnectionStore } from '../../src/connections/store.ts';
import { Vault } from '../../src/connections/vault.ts';
import { parseSecretKey } from '../../src/config/secret-key.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { LogCapture } from '../helpers/app.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { InMemoryOAuthClient } from '../helpers/demo-oauth.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { browseSwitchboard, Jar, startSwitchboard, type Switchboard } from './helpers.ts';

/**
 * Issue 8, no secret in logs: a scenario at LOG_LEVEL=debug that makes Switchboard handle every kind of secret it
 * knows — passwords at both sign-ins, session and CSRF cookies, personal access tokens, its own authorization
 * server's codes and tokens, connectors' OAuth tokens (issued, then refreshed), API keys, custom connectors'
 * client secrets (right and wrong), the secret key — through success and failure paths. Every secret is collected
 * from what the test created or received; then every log line (and anything printed to the console) is searched
 * for each of them, in the forms a careless log line would carry them.
 */

type Kind = 'password' | 'session cookie' | 'personal access token' | 'oauth code or verifier' | 'switchboard oauth token' | 'connector oauth token' | 'api key' | 'client secret' | 'secret key';

const secrets = new Map<string, Kind>();
const collect = (kind: Kind, value: string | null | undefined) => {
  if (value && value.length >= 8) secrets.set(value, kind);
};

const SECRET_KEY = randomBytes(32).toString('base64');
const logs = new LogCapture();
const printed: string[] = [];
const references: string[] = [];
let restoreConsole: () => void;
let sb: Switchboard;
let tracker: DemoServiceHandle;
let privateTracker: DemoServiceHandle;
let keyed: Awaited<ReturnType<typeof startTestUpstream>>;
let currentKey = `key-${randomBytes(18).toString('base64url')}`;
let owner: Person;
const OWNER_PASSWORD = `owner-pw-${randomBytes(12).toString('base64url')}`;
const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  // Anything the server prints outside its logger counts too.
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  for (const level of Object.keys(original) as Array<keyof typeof original>) {
    console[level] = (...args: unknown[]) => {
      printed.push(format(...args));
      original[level](...args);
    };
  }
  restoreConsole = () => Object.assign(console, original);

  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  privateTracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  keyed = await startTestUpstream('keyed', { apiKey: () => currentKey });
  collect('secret key', SECRET_KEY);
  sb = await startSwitchboard('sb-secrets-', { logDestination: logs, redis: true, env: { LOG_LEVEL: 'debug', SWITCHBOARD_SECRET_KEY: SECRET_KEY } });
  const db = sb.server.services.database.db;
  owner = await person(db, `owner-${run}@secrets.test`, OWNER_PASSWORD);
  collect('password', OWNER_PASSWORD);
  collect('personal access token', owner.token);
  await organization(db, `acme-${run}`, owner);
  await organization(db, `second-${run}`, owner);
  await upsertListing(db, { slug: 'demo-tracker', name: 'Demo Tracker', tagline: 'Issues', description: 'The demo tracker.', category: 'productivity', mcpUrl: tracker.url, authKind: 'oauth', source: 'demo', origin: 'demo:tracker' });
  await upsertListing(db, { slug: 'keyed', name: 'Keyed', tagline: 'API key', description: 'Takes an API key.', category: 'other', mcpUrl: keyed.url, authKind: 'headers', authHeaders: ['x-api-key'], source: 'import', origin: 'test:keyed' });
  for (const slug of ['demo-tracker', 'keyed']) await enableConnector(db, OPERATOR, `acme-${run}`, slug, sb.server.services.policyChanges);
}, 120_000);

afterAll(async () => {
  restoreConsole?.();
  await sb?.close();
  await Promise.allSettled([tracker?.close(), privateTracker?.close(), keyed?.close()]);
});

/** Remembers the reference of every answer, to check below that the capture holds the server's lines for them. */
async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${sb.url}${path}`, { redirect: 'manual', ...init });
  const reference = res.headers.get('x-request-id');
  if (reference) references.push(`${reference} ${init.method ?? 'GET'} ${path.slice(0, 60)} ${res.status}`);
  return res;
}
const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
/** A JSON request's headers and body. */
const json = (body: unknown, headers: Record<string, string> = {}) => ({ headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A tools/call over /mcp in either era. */
async function mcpCall(token: string, era: '2026-07-28' | '2025-11-25', name: string, args: Record<string, unknown>): Promise<string> {
  const meta = era === '2026-07-28' ? { _meta: { 'io.modelcontextprotocol/protocolVersion': era, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } : {};
  const res = await call('/mcp', {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': era, ...(era === '2026-07-28' ? { 'mcp-method': 'tools/call', 'mcp-name': name } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, ...meta } }),
  });
  return res.text();
}

/** What Switchboard holds for a connection, opened with its own vault: the tokens it received from the connector. */
async function storedConnectorTokens(connector: string): Promise<void> {
  const db = sb.server.services.database.db;
  const store = new ConnectionStore(db, await Vault.open(db, parseSecretKey(SECRET_KEY)!));
  const row = await store.get(owner.user.id, connector);
  const tokens = row ? store.tokens(row) : undefined;
  expect(tokens?.access_token, `${connector} has stored tokens`).toBeTruthy();
  collect('connector oauth token', tokens?.access_token);
  collect('connector oauth token', tokens?.refresh_token);
}

/** Connects a connector the OAuth way through the API, as `demo` at its authorization server; returns the callback status. */
async function connectOAuth(slug: string, demo: (typeof DEMO_PEOPLE)[number]): Promise<number> {
  const started = await call(`/api/v1/connections/${slug}`, { method: 'POST', ...json({}, bearer(owner.token)) });
  expect(started.status).toBe(200);
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  collect('oauth code or verifier', new URL(authorizationUrl).searchParams.get('state'));
  const callback = await authorizeAtDemo(authorizationUrl, demo, { callbackPrefix: sb.url });
  collect('oauth code or verifier', callback.searchParams.get('code'));
  const finished = await call(`${callback.pathname}${callback.search}`, { headers: bearer(owner.token) });
  await finished.body?.cancel();
  return finished.status;
}

describe('no secret in the logs', () => {
  it('the web sign-in: passwords (right and wrong), the session and CSRF cookies, a token made with the session', async () => {
    const wrongPassword = `wrong-pw-${randomBytes(12).toString('base64url')}`;
    collect('password', wrongPassword);
    const refused = await call('/api/v1/auth/login', { method: 'POST', ...json({ email: owner.user.email, password: wrongPassword }) });
    expect(refused.status).toBe(401);
    const login = await call('/api/v1/auth/login', { method: 'POST', ...json({ email: owner.user.email, password: OWNER_PASSWORD }) });
    expect(login.status).toBe(200);
    const jar = new Jar();
    jar.store(login);
    for (const value of jar.cookies.values()) collect('session cookie', value);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    collect('session cookie', csrfToken);
    expect(jar.cookies.size).toBeGreaterThanOrEqual(2);
    // A change without the CSRF token is refused; with it, it goes through.
    const noCsrf = await call('/api/v1/me/tokens', { method: 'POST', ...json({ name: 'from the session' }, { cookie: jar.header() }) });
    expect(noCsrf.status).toBe(403);
    const created = await call('/api/v1/me/tokens', { method: 'POST', headers: { cookie: jar.header(), 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from the session' }) });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    collect('personal access token', token);
    expect((await call('/api/v1/me', { headers: bearer(token) })).status).toBe(200);
    expect((await call('/api/v1/auth/logout', { method: 'POST', headers: { cookie: jar.header(), 'x-csrf-token': csrfToken } })).status).toBe(204);
    // The ended session's cookie is refused now.
    expect((await call('/api/v1/me', { headers: { cookie: jar.header() } })).status).toBe(401);
  });

  it("Switchboard's own authorization server: interaction cookies, password, code, verifier, access, refresh and ID tokens", async () => {
    const oauth = new InMemoryOAuthClient({ clientName: 'Secrets test client' });
    const fetchFn = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);
    const challenge = await call('/mcp', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge);
    expect(await sdkAuth(oauth, { serverUrl: `${sb.url}/mcp`, resourceMetadataUrl, scope: 'openid mcp offline_access', fetchFn })).toBe('REDIRECT');
    collect('oauth code or verifier', oauth.codeVerifier());
    const jar = new Jar();
    const trip = await browseSwitchboard(oauth.authorizationUrl!, sb.url, { email: owner.user.email, password: OWNER_PASSWORD }, jar);
    expect(trip.pages).toEqual(['login', 'consent']);
    // The interaction cookies hold the interaction's id, which is public by design (it is in the page's URL, and
    // so in request logs); what makes them unforgeable is their signature (`.sig`), which is a secret like `_session`.
    for (const [name, value] of jar.cookies) if (name !== '_interaction' && name !== '_interaction_resume') collect('session cookie', value);
    expect([...jar.cookies.keys()]).toEqual(expect.arrayContaining(['_interaction.sig', '_session', '_session.sig']));
    const code = trip.callbackUrl.searchParams.get('code');
    collect('oauth code or verifier', code);
    expect(await sdkAuth(oauth, { serverUrl: `${sb.url}/mcp`, authorizationCode: code!, iss: trip.callbackUrl.searchParams.get('iss') ?? undefined, fetchFn })).toBe('AUTHORIZED');
    const tokens = oauth.tokens()!;
    collect('switchboard oauth token', tokens.access_token);
    collect('switchboard oauth token', tokens.refresh_token);
    collect('switchboard oauth token', tokens.id_token);
    expect(tokens.id_token).toBeTruthy();
    const ping = await call('/mcp', { method: 'POST', headers: { ...bearer(tokens.access_token), 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(ping.status).toBe(200);
    // Refresh (rotation), then the old refresh token again (reuse: refused, and the grant revoked).
    const clientId = oauth.clientInformation()!.client_id;
    const refresh = (token: string) => call('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId }) });
    const refreshed = await refresh(tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as { access_token: string; refresh_token: string };
    collect('switchboard oauth token', rotated.access_token);
    collect('switchboard oauth token', rotated.refresh_token);
    expect((await refresh(tokens.refresh_token!)).status).toBe(400);
    // A revoked token presented to /mcp: the refusal path logs too.
    const revoked = await call('/mcp', { method: 'POST', headers: { ...bearer(rotated.access_token), 'content-type': 'application/json' }, body: '{}' });
    expect(revoked.status).toBe(401);
  });

  it("connectors' secrets: OAuth tokens (issued and refreshed), API keys (accepted and rejected)", async () => {
    expect(await connectOAuth('demo-tracker', DEMO_PEOPLE[0]!)).toBe(302);
    await storedConnectorTokens('demo-tracker');
    expect(await mcpCall(owner.token, '2026-07-28', 'demo-tracker__list_projects', {})).toContain('Payroll');
    // The tracker forgets its access tokens: the next call gets a 401, and Switchboard refreshes.
    expect(await tracker.expireAccessTokens(DEMO_PEOPLE[0]!.email)).toBeGreaterThan(0);
    expect(await mcpCall(owner.token, '2025-11-25', 'demo-tracker__list_projects', {})).toContain('Payroll');
    await storedConnectorTokens('demo-tracker');

    collect('api key', currentKey);
    const connected = await call('/api/v1/connections/keyed', { method: 'POST', ...json({ headers: { 'x-api-key': currentKey } }, bearer(owner.token)) });
    expect(connected.status).toBe(201);
    expect(await mcpCall(owner.token, '2026-07-28', 'keyed__echo', { text: 'hi' })).toContain('keyed: hi');
    // The service rotates its key: the stored one is refused upstream, an error path with the key in hand.
    currentKey = `key-${randomBytes(18).toString('base64url')}`;
    collect('api key', currentKey);
    expect(await mcpCall(owner.token, '2025-11-25', 'keyed__echo', { text: 'again' })).toMatch(/Authorization with the MCP server failed/);
    const replaced = await call('/api/v1/connections/keyed', { method: 'POST', ...json({ headers: { 'x-api-key': currentKey } }, bearer(owner.token)) });
    expect(replaced.status).toBe(201);
    expect(await mcpCall(owner.token, '2026-07-28', 'keyed__echo', { text: 'back' })).toContain('keyed: back');
  });

  it("custom connectors' client secrets: used at the token and revocation endpoints, and a wrong one refused", async () => {
    const metadata = (await (await fetch(`${privateTracker.issuer}/.well-known/oauth-authorization-server`)).json()) as { registration_endpoint: string };
    const registered = await fetch(metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Switchboard (by hand)', redirect_uris: [`${sb.url}/api/v1/connections/callback`], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }),
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { client_id: string; client_secret: string };
    collect('client secret', client.client_secret);
    const add = async (org: string, secret: string) => {
      const res = await call('/api/v1/connectors', { method: 'POST', ...json({ org, url: privateTracker.url, name: 'Private tracker', oauthClientId: client.client_id, oauthClientSecret: secret }, bearer(owner.token)) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { connector: { slug: string } }).connector.slug;
    };
    const slug = await add(`acme-${run}`, client.client_secret);
    expect(await connectOAuth(slug, DEMO_PEOPLE[1]!)).toBe(302);
    await storedConnectorTokens(slug);
    expect(await mcpCall(owner.token, '2026-07-28', `${slug}__list_projects`, {})).toContain('Mobile app');
    const disconnected = await call(`/api/v1/connections/${slug}`, { method: 'DELETE', headers: bearer(owner.token) });
    expect(await disconnected.json()).toEqual({ revocation: 'revoked' });
    // The same client with a wrong secret, in another organization: the token endpoint refuses it.
    const wrongSecret = `wrong-secret-${randomBytes(16).toString('base64url')}`;
    collect('client secret', wrongSecret);
    const wrongSlug = await add(`second-${run}`, wrongSecret);
    expect(await connectOAuth(wrongSlug, DEMO_PEOPLE[1]!)).toBeGreaterThanOrEqual(400);
  });

  it('no log line, and nothing printed, contains any of those secrets in any usual encoding', async () => {
    // Every kind was really exercised, and the capture is the server's own log of these requests.
    const kinds = new Set(secrets.values());
    expect([...kinds].sort()).toEqual(['api key', 'client secret', 'connector oauth token', 'oauth code or verifier', 'password', 'personal access token', 'secret key', 'session cookie', 'switchboard oauth token']);
    const text = [...logs.raw, ...printed].join('\n');
    expect(references.length).toBeGreaterThan(20);
    expect(references.filter((r) => !text.includes(r.split(' ')[0]!))).toEqual([]);
    expect(sb.server.services.log.isLevelEnabled('debug')).toBe(true);

    const key = parseSecretKey(SECRET_KEY)!;
    const forms = (value: string, kind: Kind) => [
      value,
      encodeURIComponent(value),
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
      ...(kind === 'secret key' ? [key.toString('hex'), key.toString('base64url'), key.toString('base64').replace(/=+$/, '')] : []),
    ];
    const found = (haystack: string) => [...secrets].flatMap(([value, kind]) => (forms(value, kind).some((f) => haystack.includes(f)) ? [`${kind}: ${value.slice(0, 6)}…`] : []));
    // The search itself finds a secret where there is one.
    const [sample, sampleKind] = [...secrets][0]!;
    expect(found(`{"msg":"oops ${Buffer.from(sample).toString('base64url')}"}`)).toContain(`${sampleKind}: ${sample.slice(0, 6)}…`);
    console.log(`log-secrets: ${secrets.size} secrets of ${kinds.size} kinds searched in ${logs.raw.length} log lines (${(text.length / 1024).toFixed(0)} KiB) and ${printed.length} printed lines`);
    expect(found(text)).toEqual([]);
  });
});
