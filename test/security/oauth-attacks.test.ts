import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { discoverAuthorizationServerMetadata, exchangeAuthorization, IssuerMismatchError } from '@modelcontextprotocol/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, type Person } from '../helpers/fixtures.ts';
import { browseSwitchboard, Jar, OTHER_REDIRECT_URI, pkcePair, REDIRECT_URI, startSwitchboard, type Switchboard } from './helpers.ts';

/**
 * Issue 8, OAuth attack corpus: every known way to misuse Switchboard's own authorization server (src/mcp-auth)
 * and the bearer check of /mcp, each refused with its exact answer. A real server over HTTP; the attacker is an
 * MCP client registered like any other (open registration), holding what it could plausibly have stolen.
 */

let sb: Switchboard;
let olivia: Person;
let issuer: string;
let mcpUrl: string;

beforeAll(async () => {
  sb = await startSwitchboard('sb-oauth-', { redis: true });
  olivia = await person(sb.server.services.database.db, `olivia-${Date.now()}@oauth.test`, 'olivia-oauth-password');
  issuer = `${sb.url}/oauth`;
  mcpUrl = `${sb.url}/mcp`;
});
afterAll(async () => {
  await sb?.close();
});

// ---------------------------------------------------------------------------------------------------------
// The honest client's steps, which each attack bends in one place

async function register(name = 'Attack test client'): Promise<string> {
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [REDIRECT_URI, OTHER_REDIRECT_URI], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
  });
  if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

function authorizationUrl(clientId: string, challenge: string | undefined, extra: Record<string, string | undefined> = {}): URL {
  const url = new URL(`${issuer}/auth`);
  const params: Record<string, string | undefined> = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp offline_access', resource: mcpUrl, state: 'st-1', ...extra };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** Signs in as Olivia and allows; returns where the server sent the browser back. */
async function authorize(url: URL): Promise<URL> {
  return (await browseSwitchboard(url, sb.url, { email: olivia.user.email, password: 'olivia-oauth-password' }, new Jar())).callbackUrl;
}

async function codeFor(clientId: string, extra: Record<string, string | undefined> = {}): Promise<{ code: string; verifier: string; callback: URL }> {
  const { verifier, challenge } = pkcePair();
  const callback = await authorize(authorizationUrl(clientId, challenge, extra));
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  return { code, verifier, callback };
}

const tokenRequest = (params: Record<string, string | undefined>) =>
  fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)) });

interface Tokens {
  access_token: string;
  refresh_token: string;
  id_token?: string;
}

async function tokensFor(clientId: string, extra: Record<string, string | undefined> = {}): Promise<Tokens> {
  const { code, verifier } = await codeFor(clientId, extra);
  const res = await tokenRequest({ grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: REDIRECT_URI, code_verifier: verifier, resource: mcpUrl });
  if (res.status !== 200) throw new Error(`token answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Tokens;
}

/** A plain 2025 ping to /mcp with this bearer value. */
const callMcp = (token: string) =>
  fetch(mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

/** Rows of the authorization server are keyed by the SHA-256 of the token or code (src/mcp-auth/adapter.ts). */
const row = (model: string, value: string) =>
  sb.server.services.database.db.updateTable('mcp_auth_models').where('model', '=', model).where('id_hash', '=', createHash('sha256').update(value).digest('hex'));

/** /mcp takes a token it accepted on trust for 5 s; a row changed behind its back needs it to forget. */
async function forgetAcceptedTokens(): Promise<void> {
  sb.server.services.credentialsRevoked?.();
  await new Promise((r) => setTimeout(r, 50));
}

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker' })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------------------
// What a refusal looks like, read the same way for every attack

interface Refusal {
  status: number;
  /** The OAuth `error` (JSON body, redirect parameter or error page); for /mcp, the WWW-Authenticate error. */
  error?: string | null;
  /** The token endpoint's description, the redirect's `iss`, or the challenge's description. */
  detail?: string | null;
  /** Whether the browser would have been sent anywhere. */
  redirected?: boolean;
}

async function tokenRefusal(res: Response): Promise<Refusal> {
  const body = (await res.json()) as { error?: string; error_description?: string };
  return { status: res.status, error: body.error ?? null, detail: body.error_description ?? null };
}

/** The authorization endpoint: an error sent back to the client (with `iss`), or a page when it must not redirect. */
async function authorizeRefusal(url: URL): Promise<Refusal> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (location) {
    await res.body?.cancel();
    const to = new URL(location, url);
    // A sign-in page means the request was accepted.
    if (to.origin === new URL(sb.url).origin) return { status: res.status, error: 'accepted (sign-in page)', redirected: false };
    return { status: res.status, error: to.searchParams.get('error'), detail: to.searchParams.get('iss'), redirected: to.href.startsWith(REDIRECT_URI) };
  }
  const html = await res.text();
  return { status: res.status, error: /(invalid_[a-z_]+|unsupported_[a-z_]+)/.exec(html)?.[1] ?? null, redirected: false };
}

async function mcpRefusal(res: Response): Promise<Refusal> {
  const challenge = res.headers.get('www-authenticate') ?? '';
  const body = (await res.json()) as { error?: { code?: string } };
  expect(challenge).toContain(`resource_metadata="${sb.url}/.well-known/oauth-protected-resource/mcp"`);
  expect(body.error?.code).toBe('unauthorized');
  return { status: res.status, error: /error="([^"]+)"/.exec(challenge)?.[1] ?? null, detail: /error_description="([^"]+)"/.exec(challenge)?.[1] ?? null };
}

// ---------------------------------------------------------------------------------------------------------
// The corpus

interface Attack {
  name: string;
  expected: Refusal;
  /**
   * Makes the attack. `honest` sends the same request without the attack's one change, and must be accepted: so
   * the refusal is for that change, not for something else wrong with the request.
   */
  attempt(): Promise<{ seen: Refusal; honest?: () => Promise<boolean> }>;
}

const redeem = (clientId: string, code: string, verifier: string | undefined, extra: Record<string, string | undefined> = {}) =>
  tokenRequest({ grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: REDIRECT_URI, code_verifier: verifier, resource: mcpUrl, ...extra });
const refresh = (clientId: string, refreshToken: string, extra: Record<string, string | undefined> = {}) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });
const ok = async (res: Promise<Response>) => (await res).status === 200;
/** The authorization endpoint accepted the request: it sends the browser to sign in. */
const signInPage = async (url: URL) => ((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '').includes('/oauth/interaction/');
const pastExp = () => sql`jsonb_set(payload, '{exp}', ${Math.floor(Date.now() / 1000) - 5}::text::jsonb)` as never;
const futureExp = () => sql`jsonb_set(payload, '{exp}', ${Math.floor(Date.now() / 1000) + 60}::text::jsonb)` as never;

const ATTACKS: Attack[] = [
  {
    name: 'a redirect_uri that was never registered, at the authorization endpoint: an error page, never a redirect',
    expected: { status: 400, error: 'invalid_redirect_uri', redirected: false },
    attempt: async () => {
      const clientId = await register();
      const { challenge } = pkcePair();
      return { seen: await authorizeRefusal(authorizationUrl(clientId, challenge, { redirect_uri: 'http://localhost:9/evil' })), honest: () => signInPage(authorizationUrl(clientId, challenge)) };
    },
  },
  {
    name: 'a redirect_uri at the token endpoint other than the one the code was issued for (both registered)',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const clientId = await register();
      const { code, verifier } = await codeFor(clientId);
      return { seen: await tokenRefusal(await redeem(clientId, code, verifier, { redirect_uri: OTHER_REDIRECT_URI })), honest: () => ok(redeem(clientId, code, verifier)) };
    },
  },
  {
    name: 'no PKCE code_challenge: the client is sent back an error (with iss)',
    expected: { status: 303, error: 'invalid_request', detail: 'ISSUER', redirected: true },
    attempt: async () => {
      const clientId = await register();
      return { seen: await authorizeRefusal(authorizationUrl(clientId, undefined, { code_challenge_method: undefined })), honest: () => signInPage(authorizationUrl(clientId, pkcePair().challenge)) };
    },
  },
  {
    name: 'PKCE with the plain method instead of S256',
    expected: { status: 303, error: 'invalid_request', detail: 'ISSUER', redirected: true },
    attempt: async () => {
      const clientId = await register();
      const { verifier, challenge } = pkcePair();
      return { seen: await authorizeRefusal(authorizationUrl(clientId, verifier, { code_challenge_method: 'plain' })), honest: () => signInPage(authorizationUrl(clientId, challenge)) };
    },
  },
  {
    name: 'no code_verifier at the token endpoint',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const clientId = await register();
      const { code, verifier } = await codeFor(clientId);
      return { seen: await tokenRefusal(await redeem(clientId, code, undefined)), honest: () => ok(redeem(clientId, code, verifier)) };
    },
  },
  {
    name: 'a wrong code_verifier (an intercepted code without its verifier)',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const clientId = await register();
      const { code, verifier } = await codeFor(clientId);
      return { seen: await tokenRefusal(await redeem(clientId, code, pkcePair().verifier)), honest: () => ok(redeem(clientId, code, verifier)) };
    },
  },
  {
    name: 'a code redeemed by another client_id',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const victim = await register('Victim');
      const attacker = await register('Attacker');
      const { code, verifier } = await codeFor(victim);
      return { seen: await tokenRefusal(await redeem(attacker, code, verifier)), honest: () => ok(redeem(victim, code, verifier)) };
    },
  },
  {
    name: 'an expired authorization code',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const clientId = await register();
      const { code, verifier } = await codeFor(clientId);
      await row('AuthorizationCode', code).set({ payload: pastExp() }).execute();
      const seen = await tokenRefusal(await redeem(clientId, code, verifier));
      return { seen, honest: async () => (await row('AuthorizationCode', code).set({ payload: futureExp() }).execute(), ok(redeem(clientId, code, verifier))) };
    },
  },
  {
    name: 'a resource (audience) other than /mcp, at the authorization endpoint',
    expected: { status: 303, error: 'invalid_target', detail: 'ISSUER', redirected: true },
    attempt: async () => {
      const clientId = await register();
      const { challenge } = pkcePair();
      return { seen: await authorizeRefusal(authorizationUrl(clientId, challenge, { resource: 'https://other.example/mcp' })), honest: () => signInPage(authorizationUrl(clientId, challenge)) };
    },
  },
  {
    name: 'a resource other than /mcp, at the token endpoint',
    expected: { status: 400, error: 'invalid_target' },
    attempt: async () => {
      const clientId = await register();
      const { code, verifier } = await codeFor(clientId);
      const seen = await tokenRefusal(await redeem(clientId, code, verifier, { resource: 'https://other.example/mcp' }));
      // The refused exchange spent the code (fail closed): even the right request cannot use it now.
      expect(await tokenRefusal(await redeem(clientId, code, verifier))).toMatchObject({ status: 400, error: 'invalid_grant' });
      return { seen, honest: async () => Boolean((await tokensFor(clientId)).access_token) };
    },
  },
  {
    name: 'a resource other than /mcp, at refresh',
    expected: { status: 400, error: 'invalid_target' },
    attempt: async () => {
      const clientId = await register();
      const tokens = await tokensFor(clientId);
      const seen = await tokenRefusal(await refresh(clientId, tokens.refresh_token, { resource: 'https://other.example/mcp' }));
      // Likewise the refused refresh spent the (rotating) refresh token.
      expect(await tokenRefusal(await refresh(clientId, tokens.refresh_token, { resource: mcpUrl }))).toMatchObject({ status: 400, error: 'invalid_grant' });
      const fresh = await tokensFor(clientId);
      return { seen, honest: () => ok(refresh(clientId, fresh.refresh_token, { resource: mcpUrl })) };
    },
  },
  {
    name: 'a refresh token used by another client',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const victim = await register('Victim');
      const tokens = await tokensFor(victim);
      return { seen: await tokenRefusal(await refresh(await register('Attacker'), tokens.refresh_token)), honest: () => ok(refresh(victim, tokens.refresh_token)) };
    },
  },
  {
    name: 'an expired refresh token',
    expected: { status: 400, error: 'invalid_grant' },
    attempt: async () => {
      const clientId = await register();
      const tokens = await tokensFor(clientId);
      await row('RefreshToken', tokens.refresh_token).set({ payload: pastExp() }).execute();
      const seen = await tokenRefusal(await refresh(clientId, tokens.refresh_token));
      return { seen, honest: async () => (await row('RefreshToken', tokens.refresh_token).set({ payload: futureExp() }).execute(), ok(refresh(clientId, tokens.refresh_token))) };
    },
  },
  {
    name: 'an access token for another audience, presented to /mcp',
    expected: { status: 401, error: 'invalid_token', detail: 'the access token is not for MCP_URL' },
    attempt: async () => {
      const tokens = await tokensFor(await register());
      // The server never issues one (see the cases above); a token minted for another resource of a shared
      // authorization server would look like this row.
      await row('AccessToken', tokens.access_token).set({ payload: sql`jsonb_set(payload, '{aud}', '"https://other.example/mcp"')` as never }).execute();
      await forgetAcceptedTokens();
      const seen = await mcpRefusal(await callMcp(tokens.access_token));
      return { seen, honest: async () => (await row('AccessToken', tokens.access_token).set({ payload: sql`jsonb_set(payload, '{aud}', ${JSON.stringify(mcpUrl)}::jsonb)` as never }).execute(), ok(callMcp(tokens.access_token))) };
    },
  },
  {
    name: 'an expired access token, presented to /mcp',
    expected: { status: 401, error: 'invalid_token', detail: 'the access token has expired' },
    attempt: async () => {
      const tokens = await tokensFor(await register());
      expect((await callMcp(tokens.access_token)).status).toBe(200);
      await row('AccessToken', tokens.access_token).set({ payload: pastExp() }).execute();
      await forgetAcceptedTokens();
      const seen = await mcpRefusal(await callMcp(tokens.access_token));
      return { seen, honest: async () => (await row('AccessToken', tokens.access_token).set({ payload: futureExp() }).execute(), ok(callMcp(tokens.access_token))) };
    },
  },
  {
    name: 'a JWT claiming another issuer (iss mix-up), signed by that issuer, presented to /mcp',
    expected: { status: 401, error: 'invalid_token', detail: 'the access token is unknown' },
    attempt: async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const now = Math.floor(Date.now() / 1000);
      return { seen: await mcpRefusal(await callMcp(jwt(privateKey, { iss: 'https://evil.example/oauth', aud: mcpUrl, sub: olivia.user.id, client_id: 'x', scope: 'mcp', iat: now, exp: now + 600 }))) };
    },
  },
  {
    name: "a JWT claiming Switchboard's own issuer, signed by a foreign key, presented to /mcp",
    expected: { status: 401, error: 'invalid_token', detail: 'the access token is unknown' },
    attempt: async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, aud: mcpUrl, sub: olivia.user.id, client_id: 'x', scope: 'mcp offline_access openid', iat: now, exp: now + 600, jti: 'a'.repeat(40) };
      return { seen: await mcpRefusal(await callMcp(jwt(privateKey, claims))) };
    },
  },
  {
    name: "Switchboard's own ID token (right issuer, genuine signature) used as an access token",
    expected: { status: 401, error: 'invalid_token', detail: 'the access token is unknown' },
    attempt: async () => {
      const tokens = await tokensFor(await register(), { scope: 'openid mcp offline_access' });
      expect(tokens.id_token?.split('.')).toHaveLength(3);
      expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: issuer, sub: olivia.user.id });
      return { seen: await mcpRefusal(await callMcp(tokens.id_token!)), honest: () => ok(callMcp(tokens.access_token)) };
    },
  },
];

describe('attacks on the authorization server and the /mcp bearer check', () => {
  for (const attack of ATTACKS) {
    it(attack.name, async () => {
      const expected = { ...attack.expected };
      if (expected.detail === 'ISSUER') expected.detail = issuer;
      if (expected.detail?.includes('MCP_URL')) expected.detail = expected.detail.replace('MCP_URL', mcpUrl);
      const { seen, honest } = await attack.attempt();
      expect(seen).toEqual(expect.objectContaining(expected));
      if (honest) expect(await honest(), 'the same request without the attack is accepted').toBe(true);
    });
  }

  it('a reused authorization code is refused, and the tokens it gave are revoked', async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(clientId);
    const redeem = () => tokenRequest({ grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: REDIRECT_URI, code_verifier: verifier, resource: mcpUrl });
    const first = await redeem();
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as Tokens;
    expect((await callMcp(tokens.access_token)).status).toBe(200);
    expect(await tokenRefusal(await redeem())).toMatchObject({ status: 400, error: 'invalid_grant' });
    // Both the access token (which /mcp had just accepted) and the refresh token are gone.
    expect(await mcpRefusal(await callMcp(tokens.access_token))).toMatchObject({ status: 401, error: 'invalid_token', detail: 'the access token is unknown or was revoked' });
    expect(await tokenRefusal(await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId }))).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('another client cannot revoke a token it was not issued (answered 200, as RFC 7009 says, and nothing revoked)', async () => {
    const victim = await register('Victim');
    const tokens = await tokensFor(victim);
    const revoke = (clientId: string) =>
      fetch(`${issuer}/token/revocation`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.access_token, client_id: clientId }) });
    expect((await revoke(await register('Attacker'))).status).toBe(200);
    await forgetAcceptedTokens();
    expect((await callMcp(tokens.access_token)).status).toBe(200);
    // The owner can: the same request from the right client ends the token.
    expect((await revoke(victim)).status).toBe(200);
    expect(await mcpRefusal(await callMcp(tokens.access_token))).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('RFC 9207: the metadata says every authorization response carries iss, and each one does, so a mixed-up response is caught', async () => {
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    expect(metadata).toMatchObject({ issuer, authorization_response_iss_parameter_supported: true, code_challenge_methods_supported: ['S256'] });
    const clientId = await register();
    // A success and an error response both name the issuer.
    const { code, verifier, callback } = await codeFor(clientId);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    expect(callback.searchParams.get('state')).toBe('st-1');
    expect(await authorizeRefusal(authorizationUrl(clientId, pkcePair().challenge, { resource: 'https://other.example/x' }))).toMatchObject({ detail: issuer });
    // A client that checks iss (the SDK does, since the metadata advertises it) refuses a response that names
    // another issuer, before the code goes anywhere: the same code is still redeemable afterwards.
    const exchange = (iss: string) =>
      exchangeAuthorization(issuer, { metadata, clientInformation: { client_id: clientId }, authorizationCode: code, iss, codeVerifier: verifier, redirectUri: REDIRECT_URI, resource: new URL(mcpUrl) });
    await expect(exchange('https://evil.example/oauth')).rejects.toBeInstanceOf(IssuerMismatchError);
    await expect(exchange(issuer)).resolves.toMatchObject({ access_token: expect.any(String) });
  });
});
