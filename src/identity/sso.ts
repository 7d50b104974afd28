import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { DB } from '../db/schema.ts';
import type { SsoSettings } from '../config/schema.ts';
import { AppError } from '../shared/app-error.ts';
import { newId } from '../shared/crypto.ts';
import type { Logger } from '../observability/logger.ts';

const FLOW_TTL_MS = 10 * 60_000;

export const SSO_CALLBACK_PATH = '/api/v1/auth/sso/callback';

/**
 * Only same-site paths: an open redirect after sign-in would hand a phishing page a fresh session.
 * Control characters are refused too: browsers drop tabs and newlines from a URL, so "/\t/evil.example" is "//evil.example".
 */
export function safeReturnTo(value: string | undefined | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\x00-\x1f\x7f]/.test(value) || value.length > 2000) return '/';
  return value;
}

function ssoFailed(message: string, cause?: unknown): AppError {
  return new AppError(401, 'sso_failed', `Single sign-on failed: ${message}`, { cause });
}

/**
 * OpenID Connect sign-in (authorization code + PKCE + nonce) with openid-client. The flow's state
 * lives in the database, so the callback may land on any node and survives a restart.
 */
export class SsoClient {
  readonly #db: Kysely<DB>;
  readonly #settings: SsoSettings;
  readonly #redirectUri: string;
  readonly #log: Logger;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(db: Kysely<DB>, settings: SsoSettings, publicUrl: string, log: Logger) {
    this.#db = db;
    this.#settings = settings;
    this.#redirectUri = `${publicUrl}${SSO_CALLBACK_PATH}`;
    this.#log = log;
  }

  get displayName(): string {
    return this.#settings.name;
  }

  /** Discovery happens on first use, not at start-up, so an unreachable IdP never stops Switchboard. */
  #configuration(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.#settings.issuer),
        this.#settings.clientId,
        { redirect_uris: [this.#redirectUri] },
        this.#settings.clientSecret ? oidc.ClientSecretBasic(this.#settings.clientSecret) : oidc.None(),
        this.#settings.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new AppError(502, 'sso_unavailable', `The single sign-on provider at ${this.#settings.issuer} could not be reached or is misconfigured (${(err as Error).message}). Try again shortly; if it persists, ask your operator to check the SSO issuer setting.`, { cause: err });
      });
    return this.#config;
  }

  async start(returnTo: string | undefined): Promise<URL> {
    const config = await this.#configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.#db.deleteFrom('sso_login_flows').where('expires_at', '<=', new Date()).execute();
    await this.#db
      .insertInto('sso_login_flows')
      .values({ state, nonce, code_verifier: codeVerifier, return_to: safeReturnTo(returnTo), expires_at: new Date(Date.now() + FLOW_TTL_MS) })
      .execute();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#redirectUri,
      scope: this.#settings.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** Completes the flow for the callback URL as the browser reached it; returns the signed-in user. */
  async finish(callbackUrl: URL): Promise<{ userId: string; returnTo: string; created: boolean }> {
    const idpError = callbackUrl.searchParams.get('error');
    const state = callbackUrl.searchParams.get('state');
    const flow = state
      ? await this.#db.deleteFrom('sso_login_flows').where('state', '=', state).returningAll().executeTakeFirst()
      : undefined;
    if (idpError) {
      const description = callbackUrl.searchParams.get('error_description');
      throw ssoFailed(`the identity provider refused the sign-in (${idpError}${description ? `: ${description}` : ''}). Try again, or ask your administrator whether your account may use Switchboard.`);
    }
    if (!flow || flow.expires_at <= new Date()) {
      throw ssoFailed('this sign-in link has expired or was already used. Start the sign-in again.');
    }
    const config = await this.#configuration();
    let claims: oidc.IDToken;
    let accessToken: string;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.code_verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      claims = idClaims;
      accessToken = tokens.access_token;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'sso: code exchange failed');
      throw ssoFailed('the identity provider\'s answer could not be verified. Start the sign-in again; if it keeps failing, ask your operator to check the SSO client settings.', err);
    }
    let email = typeof claims.email === 'string' ? claims.email : undefined;
    let emailVerified = claims.email_verified;
    let name = typeof claims.name === 'string' ? claims.name : undefined;
    if (!email) {
      const info = await oidc.fetchUserInfo(config, accessToken, claims.sub).catch(() => undefined);
      email = typeof info?.email === 'string' ? info.email : undefined;
      emailVerified = info?.email_verified;
      name ??= typeof info?.name === 'string' ? info.name : undefined;
    }
    if (!email) throw ssoFailed('the identity provider did not share an email address. Ask your administrator to release the "email" claim to Switchboard.');
    email = email.trim().toLowerCase();
    if (emailVerified === false) throw ssoFailed(`the identity provider says ${email} is not verified. Verify it there, then sign in again.`);
    const domain = email.split('@')[1] ?? '';
    if (this.#settings.allowedDomains.length > 0 && !this.#settings.allowedDomains.includes(domain)) {
      throw ssoFailed(`accounts on ${domain} may not sign in to this Switchboard. Use an account on ${this.#settings.allowedDomains.join(' or ')}.`);
    }
    const { userId, created } = await this.#linkUser(claims.sub, email, name);
    return { userId, returnTo: flow.return_to, created };
  }

  async #linkUser(subject: string, email: string, name: string | undefined): Promise<{ userId: string; created: boolean }> {
    const issuer = this.#settings.issuer;
    return this.#db.transaction().execute(async (trx) => {
      const now = new Date();
      const linked = await trx.selectFrom('user_identities').innerJoin('users', 'users.id', 'user_identities.user_id').select(['users.id', 'users.disabled_at']).where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
      if (linked) {
        if (linked.disabled_at) throw new AppError(403, 'account_disabled', 'This account is disabled. Ask your Switchboard operator or an organization owner to enable it.');
        await trx.updateTable('user_identities').set({ last_login_at: now, email }).where('issuer', '=', issuer).where('subject', '=', subject).execute();
        return { userId: linked.id, created: false };
      }
      // First SSO sign-in: an existing account with the same (IdP-verified) email is linked to it.
      const existing = await trx.selectFrom('users').select(['id', 'disabled_at']).where('email', '=', email).executeTakeFirst();
      let userId: string;
      let created = false;
      if (existing) {
        if (existing.disabled_at) throw new AppError(403, 'account_disabled', 'This account is disabled. Ask your Switchboard operator or an organization owner to enable it.');
        userId = existing.id;
      } else {
        if (!this.#settings.autoCreateUsers) throw ssoFailed(`no Switchboard account exists for ${email}. Ask your operator to create one.`);
        userId = newId();
        created = true;
        await trx.insertInto('users').values({ id: userId, email, name: name ?? null }).execute();
        const join = this.#settings.joinOrganization;
        if (join) {
          const org = await trx.selectFrom('organizations').select('id').where('slug', '=', join.slug).executeTakeFirst();
          if (org) await trx.insertInto('memberships').values({ org_id: org.id, user_id: userId, role: join.role }).execute();
          else this.#log.warn({ org: join.slug }, 'sso: joinOrganization names an organization that does not exist; the new user joined none');
        }
      }
      await trx.insertInto('user_identities').values({ issuer, subject, user_id: userId, email, last_login_at: now }).execute();
      return { userId, created };
    });
  }
}
