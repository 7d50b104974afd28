import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations (they are in @types/oidc-provider, not installed); the API used is typed below.
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SsoSettings } from '../../src/config/schema.ts';
import type { Database } from '../../src/db/database.ts';
import { SSO_CALLBACK_PATH, SsoClient } from '../../src/identity/sso.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestApp, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person } from '../helpers/fixtures.ts';

// ---------------------------------------------------------------------------------------------
// A real OpenID provider (oidc-provider) on loopback. Its login and consent "screens" are one
// handler of ours that completes each interaction programmatically as the account in `loginAs`.
// ---------------------------------------------------------------------------------------------

/** The part of oidc-provider's API this test uses. */
interface InteractionDetails {
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
  params: { client_id: string };
  session?: { accountId: string };
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; addOIDCClaims(claims: string[]): void; save(): Promise<string> };
}
const OidcProviderClass = Provider as new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

const PUBLIC_URL = 'http://127.0.0.1:3999';
const CALLBACK_URL = `${PUBLIC_URL}${SSO_CALLBACK_PATH}`;
const CLIENT_ID = 'switchboard-test';
const CLIENT_SECRET = 'switchboard-test-secret';
const INTERACTION_PATH = '/test-interaction/';

interface IdpAccount {
  email: string;
  emailVerified: boolean;
  name: string;
}
/** The IdP's users, by subject. */
const accounts = new Map<string, IdpAccount>();
/** The subject who "types their password" at the IdP in the next flow. */
let loginAs: string | undefined;
/** Paths the IdP served, from the browser and from Switchboard alike. */
const idpRequests: string[] = [];

function idpAccount(email: string, options: { emailVerified?: boolean } = {}): string {
  const sub = `sub-${accounts.size + 1}-${email.split('@')[0]}`;
  accounts.set(sub, { email, emailVerified: options.emailVerified ?? true, name: `Test ${email.split('@')[0]}` });
  return sub;
}

async function completeInteraction(provider: OidcProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    if (!loginAs) throw new Error('the test did not choose an IdP account (loginAs)');
    await provider.interactionFinished(req, res, { login: { accountId: loginAs } }, { mergeWithLastSubmission: false });
  } else if (details.prompt.name === 'consent') {
    // The user approves everything asked for, as on a consent screen.
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: false });
  } else {
    throw new Error(`unexpected interaction prompt ${details.prompt.name}`);
  }
}

async function startIdp(): Promise<{ server: Server; issuer: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new OidcProviderClass(issuer, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [CALLBACK_URL], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [{ ...signingKey, use: 'sig' }] },
    cookies: { keys: ['sso-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Release the scopes' claims in the ID token, where Switchboard reads them first.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, email: account.email, email_verified: account.emailVerified, name: account.name }) };
    },
  });
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    idpRequests.push(new URL(req.url ?? '/', issuer).pathname);
    if (!req.url?.startsWith(INTERACTION_PATH)) return handle(req, res);
    completeInteraction(provider, req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(`test interaction failed: ${(err as Error).message}`);
    });
  });
  return { server, issuer };
}

// ---------------------------------------------------------------------------------------------
// The browser: plain fetch, one cookie jar for the IdP origin, redirects followed by hand.
// ---------------------------------------------------------------------------------------------

/** Follows the IdP's redirects from Switchboard's 302 until one points at Switchboard's callback. */
async function browseIdp(start: Response): Promise<string> {
  const jar = new Map<string, string>();
  let current = new URL(PUBLIC_URL);
  let location = start.headers.get('location');
  for (let hop = 0; hop < 10; hop++) {
    if (!location) throw new Error(`no redirect at ${current.href}`);
    const next = new URL(location, current);
    if (next.href.startsWith(`${CALLBACK_URL}?`)) return next.href;
    expect(next.origin, 'the browser only visits the IdP between start and callback').toBe(idp.issuer);
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = setCookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1]!) <= new Date()) || /max-age=0\b/i.test(setCookie);
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    if (res.status < 300 || res.status >= 400) throw new Error(`the IdP answered ${res.status} at ${next.href}: ${await res.text()}`);
    await res.body?.cancel();
    current = next;
    location = res.headers.get('location');
  }
  throw new Error('too many redirects at the IdP');
}

interface SignIn {
  start: Response;
  callbackUrl: string;
  callback: Response;
}

/** One whole sign-in in a fresh browser, as the IdP account `sub`. */
async function signIn(testApp: TestApp, sub: string, returnTo = '/dashboard'): Promise<SignIn> {
  loginAs = sub;
  const start = await testApp.request(`/api/v1/auth/sso?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(302);
  const callbackUrl = await browseIdp(start);
  const callback = await testApp.app.request(callbackUrl);
  return { start, callbackUrl, callback };
}

function cookieValue(res: Response, name: string): string | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return header?.slice(name.length + 1).split(';')[0];
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  const body = await json<{ error: { code: string; message: string; reference: string } }>(res);
  expect(body).toEqual({ error: { code, message: expect.any(String), reference: expect.stringMatching(/\S/) } });
  return body.error.message;
}

// ---------------------------------------------------------------------------------------------

let database: Database;
let idp: { server: Server; issuer: string };
const log = createLogger('silent');
const JOIN = { slug: 'sso-acme', role: 'owner' } as const;

function settings(overrides: Partial<SsoSettings> = {}): SsoSettings {
  return {
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    name: 'Test IdP',
    scopes: ['openid', 'email', 'profile'],
    autoCreateUsers: true,
    allowedDomains: [],
    joinOrganization: JOIN,
    ...overrides,
  };
}

function ssoApp(overrides: Partial<SsoSettings> = {}): TestApp {
  return createTestApp(database, { publicUrl: PUBLIC_URL, sso: new SsoClient(database.db, settings(overrides), PUBLIC_URL, log) });
}

const usersWithEmail = (email: string) => database.db.selectFrom('users').select('id').where('email', '=', email).execute();
const identitiesOf = (sub: string) => database.db.selectFrom('user_identities').selectAll().where('issuer', '=', idp.issuer).where('subject', '=', sub).execute();

let app: TestApp;

beforeAll(async () => {
  database = await testDatabase();
  idp = await startIdp();
  const primary = await person(database.db, 'sso-org-owner@acme.test');
  await organization(database.db, JOIN.slug, primary);
  app = ssoApp();
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => idp?.server.close((err) => (err ? reject(err) : resolve())));
  await database?.close();
});

describe('OIDC single sign-on against a real OpenID provider', () => {
  it('a first sign-in creates the account, joins the configured organization and opens a session', async () => {
    const sub = idpAccount('alice@acme.test');
    idpRequests.length = 0;
    const { start, callback } = await signIn(app, sub, '/orgs/sso-acme?tab=members');
    expect(new URL(start.headers.get('location')!).origin).toBe(idp.issuer);

    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/orgs/sso-acme?tab=members');
    const session = cookieValue(callback, 'sb_session');
    expect(session).toBeTruthy();
    expect(cookieValue(callback, 'sb_csrf')).toBeTruthy();
    expect(callback.headers.getSetCookie().find((c) => c.startsWith('sb_session='))).toMatch(/HttpOnly/i);

    const me = await app.request('/api/v1/me', { headers: { cookie: `sb_session=${session}` } });
    expect(me.status).toBe(200);
    const body = await json<{ user: { id: string; email: string; name: string }; organizations: Array<{ organization: { slug: string }; role: string }>; auth: { method: string } }>(me);
    expect(body.user).toMatchObject({ email: 'alice@acme.test', name: 'Test alice' });
    expect(body.auth.method).toBe('session');
    expect(body.organizations).toEqual([{ organization: expect.objectContaining({ slug: JOIN.slug }), role: JOIN.role }]);
    expect(await identitiesOf(sub)).toEqual([expect.objectContaining({ user_id: body.user.id, email: 'alice@acme.test' })]);
    // The email came from the ID token: Switchboard exchanged the code and never asked the userinfo endpoint.
    expect(idpRequests).toContain('/token');
    expect(idpRequests).not.toContain('/me');
  });

  it('a second sign-in of the same IdP subject reaches the same user', async () => {
    const sub = idpAccount('repeat@acme.test');
    const first = await signIn(app, sub);
    const second = await signIn(app, sub);
    expect(first.callback.status).toBe(302);
    expect(second.callback.status).toBe(302);
    const users = await usersWithEmail('repeat@acme.test');
    expect(users).toHaveLength(1);
    const identities = await identitiesOf(sub);
    expect(identities).toEqual([expect.objectContaining({ user_id: users[0]!.id })]);
    for (const { callback } of [first, second]) {
      const me = await app.request('/api/v1/me', { headers: { cookie: `sb_session=${cookieValue(callback, 'sb_session')}` } });
      expect((await json<{ user: { id: string } }>(me)).user.id).toBe(users[0]!.id);
    }
  });

  it('an existing password account with the same email is linked, not duplicated', async () => {
    const existing = await person(database.db, 'bob@acme.test', 'correct horse battery staple');
    const sub = idpAccount('bob@acme.test');
    const { callback } = await signIn(app, sub);
    expect(callback.status).toBe(302);
    const me = await app.request('/api/v1/me', { headers: { cookie: `sb_session=${cookieValue(callback, 'sb_session')}` } });
    expect((await json<{ user: { id: string } }>(me)).user.id).toBe(existing.user.id);
    expect(await usersWithEmail('bob@acme.test')).toEqual([{ id: existing.user.id }]);
    expect(await identitiesOf(sub)).toEqual([expect.objectContaining({ user_id: existing.user.id })]);
  });

  it('replaying a callback URL is refused and says to start again', async () => {
    const sub = idpAccount('replay@acme.test');
    const { callbackUrl, callback } = await signIn(app, sub);
    expect(callback.status).toBe(302);
    const replay = await app.app.request(callbackUrl);
    const message = await expectError(replay, 401, 'sso_failed');
    expect(message).toMatch(/expired or was already used/);
    expect(message).toMatch(/start the sign-in again/i);
    expect(cookieValue(replay, 'sb_session')).toBeUndefined();
  });

  it('an unsafe returnTo ends on this site, at /', async () => {
    const sub = idpAccount('returnto@acme.test');
    for (const returnTo of ['//evil.example/x', 'https://evil.example', '/\\evil.example', '/\t/evil.example/x']) {
      const { callback } = await signIn(app, sub, returnTo);
      expect(callback.status, returnTo).toBe(302);
      expect(callback.headers.get('location'), returnTo).toBe('/');
      // As a browser resolves it (WHATWG URL drops tabs and newlines first): still on this site.
      expect(new URL(callback.headers.get('location')!, PUBLIC_URL).origin).toBe(PUBLIC_URL);
    }
  });

  it('allowedDomains refuses an email on another domain and creates no user', async () => {
    const sub = idpAccount('carol@acme.test');
    const { callback } = await signIn(ssoApp({ allowedDomains: ['example.org'] }), sub);
    const message = await expectError(callback, 401, 'sso_failed');
    expect(message).toMatch(/accounts on acme\.test may not sign in/);
    expect(message).toContain('example.org');
    expect(cookieValue(callback, 'sb_session')).toBeUndefined();
    expect(await usersWithEmail('carol@acme.test')).toEqual([]);
    expect(await identitiesOf(sub)).toEqual([]);
  });

  it('with autoCreateUsers off, an unknown email is refused and creates no user', async () => {
    const sub = idpAccount('dave@acme.test');
    const { callback } = await signIn(ssoApp({ autoCreateUsers: false }), sub);
    const message = await expectError(callback, 401, 'sso_failed');
    expect(message).toMatch(/no Switchboard account exists for dave@acme\.test/);
    expect(await usersWithEmail('dave@acme.test')).toEqual([]);
    expect(await identitiesOf(sub)).toEqual([]);
  });

  it('an email the IdP reports as not verified is refused', async () => {
    const sub = idpAccount('eve@acme.test', { emailVerified: false });
    const { callback } = await signIn(app, sub);
    const message = await expectError(callback, 401, 'sso_failed');
    expect(message).toMatch(/eve@acme\.test is not verified/);
    expect(await usersWithEmail('eve@acme.test')).toEqual([]);
  });

  it('an unreachable IdP makes the start answer 502 sso_unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const res = await ssoApp({ issuer: `http://127.0.0.1:${port}` }).request('/api/v1/auth/sso?returnTo=/');
    const message = await expectError(res, 502, 'sso_unavailable');
    expect(message).toContain(`http://127.0.0.1:${port}`);
  });

  it('without SSO configured, the start answers 404 sso_not_configured', async () => {
    const res = await createTestApp(database, { publicUrl: PUBLIC_URL }).request('/api/v1/auth/sso?returnTo=/');
    await expectError(res, 404, 'sso_not_configured');
  });
});
