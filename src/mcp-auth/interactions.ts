import { createHmac, hkdfSync } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Kysely } from 'kysely';
import { cookieNames } from '../api/cookies.ts';
import type { DB } from '../db/schema.ts';
import type { LoginThrottle } from '../identity/login-throttle.ts';
import { verifyPasswordLogin } from '../identity/password-login.ts';
import { resolveSession, type SessionSettings } from '../identity/sessions.ts';
import { AppError } from '../shared/app-error.ts';
import { safeEqual } from '../shared/crypto.ts';
import { nodePair, type NodePair } from './node-bridge.ts';
import type { OidcInteraction, OidcInteractionResult, OidcProvider } from './oidc.ts';
import { consentPage, errorPage, loginPage } from './pages.ts';
import { MCP_SCOPE } from './provider.ts';

export interface InteractionSettings {
  db: Kysely<DB>;
  provider: OidcProvider;
  publicUrl: string;
  mcpUrl: string;
  /** `/oauth/interaction`: the pages live at `{path}/{uid}`. */
  path: string;
  mountPath: string;
  secretKey: Buffer;
  throttle: LoginThrottle;
  sessions: SessionSettings;
  sso?: { displayName: string } | undefined;
}

/**
 * No framing (clickjacking the Allow button), no scripts, nothing cached. No referrer leaves the site (the page's
 * address names the interaction), but same-origin requests keep theirs: under `no-referrer` browsers send the
 * sign-in and consent forms with `Origin: null`, which the same-origin check below must refuse.
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
};

function html(body: string, status = 200, cookies: string[] = []): Response {
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(body, { status, headers });
}

function redirect(location: string, pair: NodePair): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' });
  for (const cookie of pair.res.setCookies()) headers.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}

const EXPIRED = errorPage('Sign-in expired', 'This page has expired or was opened in another browser. Start connecting again from your application.');

/**
 * The sign-in and consent pages oidc-provider sends the person's browser to (`interactions.url`). Sign-in uses
 * the Switchboard web session when there is one (no page at all), otherwise email + password (with the login
 * throttle) or a link to single sign-on. Forms carry a CSRF token bound to the interaction (which itself is
 * bound to the browser by oidc-provider's interaction cookie) and must come from Switchboard's own origin.
 */
export function mountInteractions(app: Hono<any>, settings: InteractionSettings): void {
  const { provider, db } = settings;
  const csrfKey = Buffer.from(hkdfSync('sha256', settings.secretKey, Buffer.from('switchboard'), Buffer.from('mcp-auth interaction csrf v1'), 32));
  const csrfFor = (uid: string) => createHmac('sha256', csrfKey).update(uid).digest('base64url');
  const ours = new URL(settings.publicUrl).origin;

  const details = async (c: Context, pair: NodePair, step?: 'login' | 'consent'): Promise<OidcInteraction | Response> => {
    let found: OidcInteraction;
    try {
      found = await provider.interactionDetails(pair.req, pair.res);
    } catch {
      // SessionNotFound: no interaction cookie (another browser), or the interaction expired.
      return html(EXPIRED, 400);
    }
    if (found.uid !== c.req.param('uid')) return html(EXPIRED, 400);
    if (step && found.prompt.name !== step) return html(errorPage('Wrong step', `This sign-in is at the ${found.prompt.name} step; reload the page and continue there.`), 400);
    return found;
  };

  const finish = async (pair: NodePair, result: OidcInteractionResult, merge: boolean): Promise<Response> => {
    const returnTo = await provider.interactionResult(pair.req, pair.res, result, { mergeWithLastSubmission: merge });
    return redirect(returnTo, pair);
  };

  /** Same-origin form with the interaction's CSRF token, or a refusal page. */
  const checkForm = (c: Context, uid: string, form: Record<string, unknown>): Response | undefined => {
    const origin = c.req.header('origin');
    if ((origin && origin !== ours) || c.req.header('sec-fetch-site') === 'cross-site') {
      return html(errorPage('Refused', `This form was sent from another site (${origin ?? 'unknown'}), so it was refused. Use Switchboard at ${ours}.`), 403);
    }
    const token = typeof form.csrf === 'string' ? form.csrf : '';
    if (!safeEqual(token, csrfFor(uid))) return html(errorPage('Refused', 'This form lacks its security token. Reload the page and try again.'), 403);
    return undefined;
  };

  const clientNameOf = async (clientId: string): Promise<string> => {
    const client = await provider.Client.find(clientId).catch(() => undefined);
    return client?.metadata().client_name ?? clientId;
  };

  const loginView = async (c: Context, interaction: OidcInteraction, extra: { email?: string; error?: string } = {}, status = 200): Promise<Response> => {
    const action = `${settings.path}/${interaction.uid}/login`;
    const returnTo = `${settings.path}/${interaction.uid}`;
    return html(
      loginPage({
        action,
        csrfToken: csrfFor(interaction.uid),
        clientName: await clientNameOf(interaction.params.client_id),
        ...extra,
        ...(settings.sso ? { sso: { name: settings.sso.displayName, url: `/api/v1/auth/sso?returnTo=${encodeURIComponent(returnTo)}` } } : {}),
      }),
      status,
    );
  };

  app.get(`${settings.path}/:uid`, async (c) => {
    const pair = await nodePair(c.req.raw, settings.publicUrl, { mountPath: settings.mountPath });
    const interaction = await details(c, pair);
    if (interaction instanceof Response) return interaction;
    if (interaction.prompt.name === 'login') {
      // Already signed in to Switchboard in this browser: that is who authorizes, no page needed.
      const secret = getCookie(c, cookieNames(settings.publicUrl).session);
      const session = secret ? await resolveSession(db, settings.sessions, secret) : undefined;
      if (session) return finish(pair, { login: { accountId: session.userId } }, false);
      return loginView(c, interaction);
    }
    if (interaction.prompt.name === 'consent') {
      const user = await db.selectFrom('users').select(['email']).where('id', '=', interaction.session?.accountId ?? '00000000-0000-0000-0000-000000000000').executeTakeFirst();
      const redirectUri = interaction.params.redirect_uri ?? '';
      return html(
        consentPage({
          action: `${settings.path}/${interaction.uid}/consent`,
          csrfToken: csrfFor(interaction.uid),
          clientName: await clientNameOf(interaction.params.client_id),
          clientId: interaction.params.client_id,
          redirectHost: URL.parse(redirectUri)?.host || redirectUri,
          personEmail: user?.email ?? 'unknown',
        }),
      );
    }
    return html(errorPage('Unsupported step', `Switchboard has no page for the "${interaction.prompt.name}" step.`), 400);
  });

  app.post(`${settings.path}/:uid/login`, async (c) => {
    const form = await c.req.parseBody();
    const pair = await nodePair(c.req.raw, settings.publicUrl, { mountPath: settings.mountPath });
    const interaction = await details(c, pair, 'login');
    if (interaction instanceof Response) return interaction;
    const refused = checkForm(c, interaction.uid, form);
    if (refused) return refused;
    const email = typeof form.email === 'string' ? form.email : '';
    const password = typeof form.password === 'string' ? form.password : '';
    let userId: string;
    try {
      ({ userId } = await verifyPasswordLogin(db, settings.throttle, { email, password, ip: clientIp(c) }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const response = await loginView(c, interaction, { email, error: err.message }, err.status);
      if (err.retryAfterSeconds !== undefined) response.headers.set('retry-after', String(err.retryAfterSeconds));
      return response;
    }
    return finish(pair, { login: { accountId: userId } }, false);
  });

  app.post(`${settings.path}/:uid/consent`, async (c) => {
    const form = await c.req.parseBody();
    const pair = await nodePair(c.req.raw, settings.publicUrl, { mountPath: settings.mountPath });
    const interaction = await details(c, pair, 'consent');
    if (interaction instanceof Response) return interaction;
    const refused = checkForm(c, interaction.uid, form);
    if (refused) return refused;
    if (form.decision !== 'allow') {
      return finish(pair, { error: 'access_denied', error_description: 'The person did not allow access.' }, false);
    }
    const accountId = interaction.session?.accountId;
    if (!accountId) return html(EXPIRED, 400);
    const clientId = interaction.params.client_id;
    const grant = (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const { missingOIDCScope = [], missingOIDCClaims = [], missingResourceScopes = {} } = interaction.prompt.details;
    if (missingOIDCScope.length) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims.length) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
    // The one resource and its one scope: what the consent page described.
    grant.addResourceScope(settings.mcpUrl, MCP_SCOPE);
    const grantId = await grant.save();
    await db.updateTable('mcp_auth_models').set({ client_name: (await clientNameOf(clientId)).slice(0, 200) }).where('model', '=', 'Grant').where('grant_id', '=', grantId).execute();
    return finish(pair, { consent: { grantId } }, true);
  });
}

function clientIp(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by @hono/node-server with bindings
  }
}
