import type { Context, MiddlewareHandler } from 'hono';
import { AppError, unauthorized } from '../../shared/app-error.ts';
import { rateLimitMessage } from '../../shared/rate-limit.ts';
import { authenticateAccessToken } from '../../identity/access-tokens.ts';
import { csrfMatches, resolveSession } from '../../identity/sessions.ts';
import type { AppEnv, Principal } from '../context.ts';
import { readSessionCookie } from '../cookies.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const NOT_SIGNED_IN = 'You are not signed in. Sign in, or send a personal access token as "Authorization: Bearer sbp_…" (create one in settings or with `switchboard tokens create`).';

/**
 * Requests from a browser must come from our own origin: this refuses cross-site form posts,
 * including login CSRF (signing a victim in to the attacker's account).
 */
export function checkOrigin(c: Context<AppEnv>): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  const fetchSite = c.req.header('sec-fetch-site');
  const ours = new URL(c.get('services').config.publicUrl).origin;
  if ((origin && origin !== ours) || fetchSite === 'cross-site') {
    throw new AppError(403, 'cross_origin_refused', `This request came from another site (${origin ?? 'unknown origin'}), so it was refused. Use Switchboard at ${ours}.`);
  }
}

/**
 * Finds who is calling: a personal access token in `Authorization: Bearer`, or else the session
 * cookie. Cookie-authenticated changes also need the CSRF token in `X-CSRF-Token`.
 */
export function authenticate(options: { required: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const services = c.get('services');
    const db = services.database.db;
    let principal: Principal | undefined;
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const owner = match ? await authenticateAccessToken(db, match[1]!) : undefined;
      // A wrong token is an error even on routes that allow anonymous access: silently ignoring it hides mistakes.
      if (!owner) throw unauthorized('The access token is not valid: it may be mistyped, revoked or expired. Create a new one in settings or with `switchboard tokens create`.');
      principal = { userId: owner.userId, via: 'token', tokenId: owner.tokenId };
    } else {
      const secret = readSessionCookie(c);
      const session = secret ? await resolveSession(db, services.sessions, secret) : undefined;
      if (session) {
        if (!SAFE_METHODS.has(c.req.method)) {
          checkOrigin(c);
          if (!csrfMatches(session, c.req.header('x-csrf-token'))) {
            throw new AppError(403, 'csrf_failed', 'This change was refused because it lacks the CSRF token of your session. Reload the page and try again.');
          }
        }
        principal = { userId: session.userId, via: 'session', session };
      }
    }
    if (!principal && options.required) throw unauthorized(NOT_SIGNED_IN);
    if (principal && services.rateLimit) {
      const verdict = await services.rateLimit.take(principal.userId, undefined);
      if (!verdict.ok) throw new AppError(429, 'rate_limited', rateLimitMessage(verdict), { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    c.set('principal', principal);
    await next();
  };
}

export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw unauthorized(NOT_SIGNED_IN);
  return principal;
}
