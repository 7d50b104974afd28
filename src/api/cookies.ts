import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './context.ts';

/**
 * Over HTTPS the session cookie takes the `__Host-` prefix: the browser then refuses it unless it is
 * Secure, host-only and path=/, so a sibling subdomain cannot plant or shadow it.
 */
export function cookieNames(publicUrl: string): { session: string; csrf: string; secure: boolean } {
  const secure = publicUrl.startsWith('https:');
  return { session: secure ? '__Host-sb_session' : 'sb_session', csrf: secure ? '__Host-sb_csrf' : 'sb_csrf', secure };
}

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, cookieNames(c.get('services').config.publicUrl).session);
}

export function writeSessionCookies(c: Context<AppEnv>, secret: string, csrfToken: string, expiresAt: Date): void {
  const names = cookieNames(c.get('services').config.publicUrl);
  setCookie(c, names.session, secret, { httpOnly: true, secure: names.secure, sameSite: 'Lax', path: '/', expires: expiresAt });
  // Readable by the web app, which echoes it in X-CSRF-Token; another site can neither read nor send it.
  setCookie(c, names.csrf, csrfToken, { httpOnly: false, secure: names.secure, sameSite: 'Strict', path: '/', expires: expiresAt });
}

export function clearSessionCookies(c: Context<AppEnv>): void {
  const names = cookieNames(c.get('services').config.publicUrl);
  deleteCookie(c, names.session, { path: '/', secure: names.secure });
  deleteCookie(c, names.csrf, { path: '/', secure: names.secure });
}
