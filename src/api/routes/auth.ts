import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { AppError } from '../../shared/app-error.ts';
import { verifyPasswordLogin } from '../../identity/password-login.ts';
import { createSession, destroySession } from '../../identity/sessions.ts';
import { safeReturnTo } from '../../identity/sso.ts';
import { getUser } from '../../identity/users.ts';
import type { AppEnv } from '../context.ts';
import { clearSessionCookies, readSessionCookie, writeSessionCookies } from '../cookies.ts';
import { errorResponses } from '../errors.ts';
import { checkOrigin } from '../middleware/authenticate.ts';
import { UserOut, userOut } from '../schemas.ts';

export function clientIp(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server (tests calling app.request): no socket to read.
    return undefined;
  }
}

const LoginIn = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).openapi('LoginRequest');
const LoginOut = z.object({ user: UserOut, csrfToken: z.string(), expiresAt: z.string() }).openapi('LoginResponse');

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email and password; sets the session cookie',
  request: { body: { required: true, content: { 'application/json': { schema: LoginIn } } } },
  responses: { 200: { description: 'Signed in', content: { 'application/json': { schema: LoginOut } } }, ...errorResponses(400, 401, 403, 429) },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'Sign out: ends the session behind the cookie',
  responses: { 204: { description: 'Signed out' }, ...errorResponses(403) },
});

const ssoStart = createRoute({
  method: 'get',
  path: '/auth/sso',
  tags: ['auth'],
  summary: 'Start single sign-on: redirects to the identity provider',
  request: { query: z.object({ returnTo: z.string().max(2000).optional() }) },
  responses: { 302: { description: 'Redirect to the identity provider' }, ...errorResponses(404, 502) },
});

const SsoProviderOut = z
  .object({
    id: z.string().openapi({ example: 'oidc' }),
    name: z.string().openapi({ description: "The sign-in button's label (auth.sso.name).", example: 'Acme SSO' }),
    startUrl: z.string().openapi({ description: 'Send the browser here (with ?returnTo=/path) to sign in.', example: '/api/v1/auth/sso' }),
  })
  .openapi('SsoProvider');
const ProvidersOut = z
  .object({
    password: z.boolean().openapi({ description: 'Email and password sign-in (POST /auth/login).' }),
    sso: z.array(SsoProviderOut).openapi({ description: 'Single sign-on providers the operator configured; empty when none.' }),
  })
  .openapi('AuthProviders');

const providers = createRoute({
  method: 'get',
  path: '/auth/providers',
  tags: ['auth'],
  summary: 'How people can sign in here: email and password, and any single sign-on providers (public, for the sign-in page)',
  responses: { 200: { description: 'Sign-in methods', content: { 'application/json': { schema: ProvidersOut } } } },
});

const ssoCallback = createRoute({
  method: 'get',
  path: '/auth/sso/callback',
  tags: ['auth'],
  summary: 'Where the identity provider sends the browser back; sets the session cookie',
  responses: { 302: { description: 'Signed in: redirect to where sign-in started' }, ...errorResponses(401, 403, 404, 502) },
});

export function authRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(providers, (c) => {
    const sso = c.get('services').sso;
    return c.json({ password: true, sso: sso ? [{ id: 'oidc', name: sso.displayName, startUrl: '/api/v1/auth/sso' }] : [] }, 200, { 'cache-control': 'no-cache' });
  });

  app.openapi(login, async (c) => {
    checkOrigin(c);
    const services = c.get('services');
    const db = services.database.db;
    const { email, password } = c.req.valid('json');
    let userId: string;
    try {
      ({ userId } = await verifyPasswordLogin(db, services.throttle, { email, password, ip: clientIp(c) }));
    } catch (err) {
      services.metrics.loginAttempts.inc({ method: 'password', outcome: err instanceof AppError ? err.code : 'error' });
      throw err;
    }
    services.metrics.loginAttempts.inc({ method: 'password', outcome: 'success' });
    // Always a new session id at sign-in: a session fixed by an attacker beforehand is worthless.
    const previous = readSessionCookie(c);
    if (previous) await destroySession(db, previous);
    const session = await createSession(db, services.sessions, { userId, authMethod: 'password', ip: clientIp(c), userAgent: c.req.header('user-agent') });
    writeSessionCookies(c, session.secret, session.csrfToken, session.expiresAt);
    return c.json({ user: userOut(await getUser(db, userId)), csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() }, 200);
  });

  app.openapi(logout, async (c) => {
    checkOrigin(c);
    const secret = readSessionCookie(c);
    if (secret) await destroySession(c.get('services').database.db, secret);
    clearSessionCookies(c);
    return c.body(null, 204);
  });

  app.openapi(ssoStart, async (c) => {
    const sso = c.get('services').sso;
    if (!sso) throw new AppError(404, 'sso_not_configured', 'Single sign-on is not set up on this Switchboard. Sign in with email and password, or ask your operator to configure auth.sso.');
    const url = await sso.start(c.req.valid('query').returnTo);
    return c.redirect(url.toString(), 302);
  });

  app.openapi(ssoCallback, async (c) => {
    const services = c.get('services');
    const sso = services.sso;
    if (!sso) throw new AppError(404, 'sso_not_configured', 'Single sign-on is not set up on this Switchboard. Sign in with email and password, or ask your operator to configure auth.sso.');
    // The URL as the identity provider redirected to it, which is the public one behind a proxy.
    const requestUrl = new URL(c.req.url);
    const callbackUrl = new URL(`${services.config.publicUrl}${requestUrl.pathname}${requestUrl.search}`);
    let result: Awaited<ReturnType<typeof sso.finish>>;
    try {
      result = await sso.finish(callbackUrl);
    } catch (err) {
      services.metrics.loginAttempts.inc({ method: 'sso', outcome: err instanceof AppError ? err.code : 'error' });
      throw err;
    }
    services.metrics.loginAttempts.inc({ method: 'sso', outcome: 'success' });
    const db = services.database.db;
    const previous = readSessionCookie(c);
    if (previous) await destroySession(db, previous);
    const session = await createSession(db, services.sessions, { userId: result.userId, authMethod: 'sso', ip: clientIp(c), userAgent: c.req.header('user-agent') });
    writeSessionCookies(c, session.secret, session.csrfToken, session.expiresAt);
    return c.redirect(safeReturnTo(result.returnTo), 302);
  });
}
