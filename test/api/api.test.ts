import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createTestApp, bearer, json, type TestApp, expectApiError } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

let database: Database;
let t: TestApp;
let olivia: Person, max: Person, mia: Person;

beforeAll(async () => {
  database = await testDatabase();
  t = createTestApp(database);
  olivia = await person(database.db, 'olivia@acme.test', 'olivia-password');
  max = await person(database.db, 'max@acme.test', 'max-password');
  mia = await person(database.db, 'mia@acme.test');
  await organization(database.db, 'acme', olivia, [[max, 'member']]);
});
afterAll(async () => {
  await database.close();
});

const expectError = (res: Response, status: number, code: string) => expectApiError(t, res, status, code);

describe('GET /api/v1/me', () => {
  it('returns the person with their organizations and roles', async () => {
    const res = await t.request('/api/v1/me', bearer(olivia.token));
    expect(res.status).toBe(200);
    const body = await json<{ user: { email: string }; organizations: Array<{ organization: { slug: string; plan: string }; role: string }>; auth: { method: string } }>(res);
    expect(body.user.email).toBe('olivia@acme.test');
    expect(body.organizations).toEqual([expect.objectContaining({ organization: expect.objectContaining({ slug: 'acme', plan: 'team' }), role: 'primary_owner' })]);
    expect(body.auth.method).toBe('token');
    expect(JSON.stringify(body)).not.toContain('password');
  });

  it('answers 401 with the error shape for a missing token', async () => {
    const res = await t.request('/api/v1/me');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await expectError(res, 401, 'unauthorized')).message).toMatch(/personal access token/);
  });

  it('answers 401 for a wrong, malformed or revoked token', async () => {
    await expectError(await t.request('/api/v1/me', bearer('sbp_wrongwrongwrong')), 401, 'unauthorized');
    await expectError(await t.request('/api/v1/me', { headers: { authorization: 'Basic b2xpdmlhOng=' } }), 401, 'unauthorized');
    const temp = await t.request('/api/v1/me/tokens', { method: 'POST', headers: { authorization: `Bearer ${max.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'temp' }) });
    const { token, accessToken } = await json<{ token: string; accessToken: { id: string } }>(temp);
    expect((await t.request('/api/v1/me', bearer(token))).status).toBe(200);
    expect((await t.request(`/api/v1/me/tokens/${accessToken.id}`, { method: 'DELETE', ...bearer(max.token) })).status).toBe(200);
    await expectError(await t.request('/api/v1/me', bearer(token)), 401, 'unauthorized');
  });
});

describe('tokens over the API', () => {
  it('shows the secret once, lists without it, and lets only the owner revoke', async () => {
    const res = await t.request('/api/v1/me/tokens', { method: 'POST', headers: { authorization: `Bearer ${olivia.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Claude Desktop', expiresInDays: 30 }) });
    expect(res.status).toBe(201);
    const created = await json<{ token: string; accessToken: { id: string; name: string; expiresAt: string } }>(res);
    expect(created.token).toMatch(/^sbp_/);
    expect(created.accessToken.name).toBe('Claude Desktop');
    const list = await (await t.request('/api/v1/me/tokens', bearer(olivia.token))).text();
    expect(list).toContain(created.accessToken.id);
    expect(list).not.toContain(created.token);
    await expectError(await t.request(`/api/v1/me/tokens/${created.accessToken.id}`, { method: 'DELETE', ...bearer(max.token) }), 404, 'not_found');
    expect(t.logs.raw.join('\n')).not.toContain(created.token);
  });

  it('names the bad field of an invalid body', async () => {
    const res = await t.request('/api/v1/me/tokens', { method: 'POST', headers: { authorization: `Bearer ${olivia.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: '', expiresInDays: -1 }) });
    const error = await expectError(res, 400, 'invalid_request');
    expect(error.message).toMatch(/name/);
    expect(error.message).toMatch(/expiresInDays/);
  });
});

describe('organizations over the API', () => {
  it('a member cannot add members (403) and nothing changes', async () => {
    const res = await t.request('/api/v1/orgs/acme/members', { method: 'POST', headers: { authorization: `Bearer ${max.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'mia@acme.test' }) });
    await expectError(res, 403, 'forbidden');
    const members = await json<{ members: Array<{ email: string }> }>(await t.request('/api/v1/orgs/acme/members', bearer(olivia.token)));
    expect(members.members.map((m) => m.email)).toEqual(['max@acme.test', 'olivia@acme.test']);
  });

  it('the primary owner adds a member, who then sees the organization', async () => {
    const res = await t.request('/api/v1/orgs/acme/members', { method: 'POST', headers: { authorization: `Bearer ${olivia.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'mia@acme.test', role: 'member' }) });
    expect(res.status).toBe(201);
    const me = await json<{ organizations: Array<{ role: string }> }>(await t.request('/api/v1/me', bearer(mia.token)));
    expect(me.organizations).toEqual([expect.objectContaining({ role: 'member' })]);
  });

  it('the primary owner cannot be removed over the API', async () => {
    const res = await t.request(`/api/v1/orgs/acme/members/${olivia.user.id}`, { method: 'DELETE', ...bearer(olivia.token) });
    expect((await expectError(res, 403, 'forbidden')).message).toMatch(/transfer primary ownership/);
  });

  it("someone else's organization looks like a missing one", async () => {
    const outsider = await person(database.db, 'outsider@other.test');
    await expectError(await t.request('/api/v1/orgs/acme', bearer(outsider.token)), 404, 'not_found');
    await expectError(await t.request('/api/v1/orgs/nope', bearer(outsider.token)), 404, 'not_found');
  });

  it('anyone signed in can create a free organization as its primary owner', async () => {
    const res = await t.request('/api/v1/orgs', { method: 'POST', headers: { authorization: `Bearer ${mia.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'mia-lab', name: 'Mia Lab' }) });
    expect(res.status).toBe(201);
    const got = await json<{ organization: { plan: string }; role: string }>(await t.request('/api/v1/orgs/mia-lab', bearer(mia.token)));
    expect(got).toMatchObject({ organization: { plan: 'free' }, role: 'primary_owner' });
    await expectError(await t.request('/api/v1/orgs', { method: 'POST', headers: { authorization: `Bearer ${mia.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'Bad Slug!', name: 'x' }) }), 400, 'invalid_request');
  });
});

describe('cookie sessions', () => {
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    t.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email, password }) });

  it('sign in sets an HttpOnly session cookie; changes need the CSRF token', async () => {
    const res = await login('max@acme.test', 'max-password');
    expect(res.status).toBe(200);
    const { csrfToken } = await json<{ csrfToken: string }>(res);
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('sb_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');

    const me = await json<{ user: { email: string }; auth: { method: string; csrfToken: string } }>(await t.request('/api/v1/me', { headers: { cookie } }));
    expect(me).toMatchObject({ user: { email: 'max@acme.test' }, auth: { method: 'session', csrfToken } });

    const body = JSON.stringify({ name: 'from browser' });
    await expectError(await t.request('/api/v1/me/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body }), 403, 'csrf_failed');
    await expectError(await t.request('/api/v1/me/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': 'forged' }, body }), 403, 'csrf_failed');
    await expectError(
      await t.request('/api/v1/me/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken, origin: 'https://evil.example' }, body }),
      403,
      'cross_origin_refused',
    );
    const ok = await t.request('/api/v1/me/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken, origin: 'http://127.0.0.1:3999' }, body });
    expect(ok.status).toBe(201);

    await expectError(await t.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie } }), 403, 'csrf_failed');
    const out = await t.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    await expectError(await t.request('/api/v1/me', { headers: { cookie } }), 401, 'unauthorized');
  });

  it('signing in again with a stale session cookie works and replaces the session', async () => {
    const first = await login('max@acme.test', 'max-password');
    const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const second = await t.request('/api/v1/auth/login', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'max@acme.test', password: 'max-password' }) });
    expect(second.status).toBe(200);
    // The old session id is dead: signing in never keeps a session an attacker could have planted.
    await expectError(await t.request('/api/v1/me', { headers: { cookie } }), 401, 'unauthorized');
  });

  it('a wrong password gets one message; a cross-site login post is refused', async () => {
    expect((await expectError(await login('max@acme.test', 'nope'), 401, 'invalid_credentials')).message).toMatch(/email or password is incorrect/);
    await expectError(await login('max@acme.test', 'max-password', { origin: 'https://evil.example' }), 403, 'cross_origin_refused');
    await expectError(await login('max@acme.test', 'max-password', { 'sec-fetch-site': 'cross-site' }), 403, 'cross_origin_refused');
  });

  it('over HTTPS the cookies are Secure and __Host- prefixed', async () => {
    const secure = createTestApp(database, { publicUrl: 'https://sb.example.com' });
    const res = await secure.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'max@acme.test', password: 'max-password' }) });
    expect(res.status).toBe(200);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-sb_session='));
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/Path=\//);
  });

  it('no password is ever written to the log', () => {
    const all = t.logs.raw.join('\n');
    expect(all).not.toContain('max-password');
    expect(all).not.toContain('olivia-password');
  });
});

describe('service endpoints', () => {
  it('/healthz and /readyz', async () => {
    expect(await json(await t.request('/healthz'))).toEqual({ status: 'ok' });
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'not configured' } });
  });

  it('/readyz says unavailable when the database is gone', async () => {
    const broken = createTestApp({ ...database, ping: () => Promise.reject(new Error('connection refused')) });
    const res = await broken.request('/readyz');
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ status: 'unavailable', checks: { database: 'failed: connection refused' } });
  });

  it('/metrics speaks Prometheus text with per-route counters', async () => {
    await t.request('/healthz');
    const res = await t.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^switchboard_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
    expect(text).toMatch(/switchboard_http_request_duration_seconds_bucket/);
    expect(text).toMatch(/switchboard_process_cpu_seconds_total/);
  });

  it('/api/v1/openapi.json documents the routes and the error shape', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>(await t.request('/api/v1/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/me', '/me/tokens', '/me/tokens/{id}', '/auth/login', '/orgs/{slug}/members', '/auth/sso']));
    expect(doc.components.schemas).toHaveProperty('Error');
  });

  it('unknown paths get the error shape', async () => {
    expect((await expectError(await t.request('/api/v1/nothing-here'), 404, 'not_found')).message).toMatch(/openapi\.json/);
  });

  it('a body that is not JSON is a clear 400', async () => {
    await expectError(await t.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }), 400, 'invalid_request');
  });
});
