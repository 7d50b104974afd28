import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { SsoClient } from '../../src/identity/sso.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { loadWebApp, WEB_APP_CSP, webAppCsp } from '../../src/api/web-app.ts';
import { createTestApp, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';

/**
 * How the server serves the web app (src/api/web-app.ts) beside everything else it answers, the public sign-in
 * methods the app's sign-in page reads, and the readable error page of the routes a browser visits.
 */
let database: Database;
let t: TestApp;
let withSso: TestApp;
const BIG_SCRIPT = `console.log(${JSON.stringify('switchboard '.repeat(400))});`;

beforeAll(async () => {
  database = await testDatabase();
  const dist = mkdtempSync(path.join(tmpdir(), 'sb-web-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Switchboard</title><div id="root"></div><script type="module" src="/assets/index-AbC123.js"></script>');
  writeFileSync(path.join(dist, 'assets/index-AbC123.js'), BIG_SCRIPT);
  writeFileSync(path.join(dist, 'theme-init.js'), 'void 0;');
  t = createTestApp(database);
  t.services.web = loadWebApp(dist);
  const settings = { issuer: 'http://127.0.0.1:9/', clientId: 'switchboard', name: 'Acme SSO', scopes: ['openid', 'email'], autoCreateUsers: true, allowedDomains: [] };
  withSso = createTestApp(database, { sso: new SsoClient(database.db, settings, 'http://127.0.0.1:3999', createLogger('silent')) });
});
afterAll(async () => {
  await database.close();
});

const html = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };

describe('the web app at /', () => {
  it('gives a browser the app with a strict CSP and no caching of index.html; a program still gets the API pointers', async () => {
    const page = await t.request('/', html);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
    expect(WEB_APP_CSP).toContain("script-src 'self'");
    expect(WEB_APP_CSP).not.toMatch(/unsafe-(inline|eval)/);
    // Frames: none, unless the server runs the interactive app sandbox; then its origin alone.
    expect(WEB_APP_CSP).toContain("frame-src 'none'");
    expect(webAppCsp(['http://127.0.0.1:3001'])).toBe(WEB_APP_CSP.replace("frame-src 'none'", 'frame-src http://127.0.0.1:3001'));
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<div id="root">');

    const program = await t.request('/', { headers: { accept: 'application/json' } });
    expect(await json(program)).toMatchObject({ name: 'Switchboard', api: 'http://127.0.0.1:3999/api/v1' });
  });

  it('answers page paths with the app, so its router can show them', async () => {
    for (const pathname of ['/directory', '/connectors/demo-tracker', '/connectors/add?name=X&url=https%3A%2F%2Fmcp.example.com%2Fmcp', '/sign-in?next=%2Fchat']) {
      const res = await t.request(pathname, html);
      expect(res.status, pathname).toBe(200);
      expect(await res.text(), pathname).toContain('<div id="root">');
    }
  });

  it('caches hashed assets for good, revalidates the rest, and compresses what is worth it', async () => {
    const asset = await t.request('/assets/index-AbC123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(Number(asset.headers.get('content-length'))).toBeLessThan(BIG_SCRIPT.length / 4);

    const plain = await t.request('/assets/index-AbC123.js');
    expect(await plain.text()).toBe(BIG_SCRIPT);
    const etag = plain.headers.get('etag')!;
    expect((await t.request('/assets/index-AbC123.js', { headers: { 'if-none-match': etag } })).status).toBe(304);

    const unhashed = await t.request('/theme-init.js');
    expect(unhashed.headers.get('cache-control')).toBe('no-cache');
  });

  it('never shadows what the server answers itself, and a missing file is a 404, not the app', async () => {
    for (const pathname of ['/api/v1/nothing-here', '/api/v1', '/mcp', '/oauth/anything', '/.well-known/whatever', '/metrics/x', '/assets/index-gone.js', '/favicon.ico']) {
      const res = await t.request(pathname, html);
      expect(res.status, pathname).toBe(404);
      expect(res.headers.get('content-type'), pathname).toMatch(/^application\/json/);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBe('not_found');
    }
    expect((await t.request('/healthz', html)).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('without a built app, / says how to build it and unknown paths stay 404', async () => {
    const bare = createTestApp(database);
    expect((await json<{ app: string }>(await bare.request('/', html))).app).toMatch(/npm run build:web/);
    expect((await bare.request('/directory', html)).status).toBe(404);
  });
});

describe('GET /api/v1/auth/providers', () => {
  it('lists password sign-in, and single sign-on with its button label when configured', async () => {
    expect(await json(await t.request('/api/v1/auth/providers'))).toEqual({ password: true, sso: [] });
    expect(await json(await withSso.request('/api/v1/auth/providers'))).toEqual({ password: true, sso: [{ id: 'oidc', name: 'Acme SSO', startUrl: '/api/v1/auth/sso' }] });
  });

  it('is in the OpenAPI document, without security (the sign-in page reads it signed out)', async () => {
    const doc = await json<{ paths: Record<string, { get?: { security?: unknown; responses: Record<string, unknown> } }> }>(await t.request('/api/v1/openapi.json'));
    expect(doc.paths['/auth/providers']?.get?.security).toBeUndefined();
    expect(Object.keys(doc.paths['/auth/providers']?.get?.responses ?? {})).toEqual(['200']);
  });
});

describe('errors on the routes a browser visits', () => {
  it('are a readable page for a browser, with the message, the reference and the way on, and stay JSON for programs', async () => {
    const navigation = { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } };
    const page = await t.request('/api/v1/connections/demo-tracker/authorize', navigation);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
    const text = await page.text();
    const reference = page.headers.get('x-request-id')!;
    expect(text).toContain('<h1>Sign in to continue</h1>');
    expect(text).toContain(`Reference <code>${reference}</code>`);
    expect(text).toContain('href="/sign-in?next=%2Fapi%2Fv1%2Fconnections%2Fdemo-tracker%2Fauthorize"');
    expect(t.logs.lines.some((l) => l.reference === reference && l.code === 'unauthorized')).toBe(true);

    const program = await t.request('/api/v1/connections/demo-tracker/authorize');
    expect(program.headers.get('content-type')).toMatch(/^application\/json/);
    // Other API routes never answer with a page, whoever asks.
    expect((await t.request('/api/v1/me', navigation)).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('escapes what it shows', async () => {
    const sso = await t.request('/api/v1/auth/sso?returnTo=%3Cscript%3E', { headers: { accept: 'text/html' } });
    expect(sso.status).toBe(404);
    const text = await sso.text();
    expect(text).toContain('Single sign-on is not set up on this Switchboard');
    expect(text).not.toContain('<script>alert');
    expect(text.match(/<script>/g)).toHaveLength(1);
  });
});
