import type { FetchLike, StoredOAuthTokens } from '@modelcontextprotocol/client';

/**
 * The identity of the account a person just connected, as the connector's authorization server reveals it:
 * the `email` claim of the ID token in the token response, else of the userinfo endpoint. Undefined when it
 * reveals none (no `openid`/`email` scope granted, no userinfo endpoint, or userinfo refuses the access token,
 * e.g. because it is bound to the MCP resource).
 *
 * The ID token came straight from the token endpoint, so (OIDC Core 3.1.3.7) its signature is not checked; its
 * `iss` must be the authorization server and its `aud` must name our client, else it is ignored.
 */
export interface ConnectedIdentity {
  email: string;
  source: 'id_token' | 'userinfo';
}

export interface IdentityContext {
  issuer: string | undefined;
  clientId: string | undefined;
  userinfoEndpoint: string | undefined;
  fetch: FetchLike;
  now?: () => number;
  /** Told why an ID token or userinfo answer was not used (never the token or the email). */
  note?: (reason: string) => void;
}

const sameIssuer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The ID token's claims when it is meant for us from this issuer; undefined otherwise. */
export function idTokenClaims(idToken: string | undefined, ctx: Pick<IdentityContext, 'issuer' | 'clientId' | 'now' | 'note'>): Record<string, unknown> | undefined {
  if (!idToken) return undefined;
  const claims = decodeJwtPayload(idToken);
  if (!claims) {
    ctx.note?.('the ID token is not a JWT');
    return undefined;
  }
  if (ctx.issuer && (typeof claims.iss !== 'string' || !sameIssuer(claims.iss, ctx.issuer))) {
    ctx.note?.('the ID token names another issuer');
    return undefined;
  }
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (ctx.clientId && !aud.includes(ctx.clientId)) {
    ctx.note?.('the ID token is for another client');
    return undefined;
  }
  const now = (ctx.now ?? Date.now)() / 1000;
  if (typeof claims.exp === 'number' && claims.exp + 300 < now) {
    ctx.note?.('the ID token has expired');
    return undefined;
  }
  return claims;
}

export async function connectedIdentity(tokens: StoredOAuthTokens, ctx: IdentityContext): Promise<ConnectedIdentity | undefined> {
  const claims = idTokenClaims(tokens.id_token, ctx);
  if (claims && typeof claims.email === 'string' && claims.email.includes('@')) return { email: claims.email, source: 'id_token' };
  if (!ctx.userinfoEndpoint) return undefined;
  try {
    const res = await ctx.fetch(ctx.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      // Typically 401: the access token is for the MCP resource, not for userinfo. Then there is no identity.
      ctx.note?.(`userinfo answered ${res.status}`);
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    const body = (await res.json()) as Record<string, unknown>;
    // OIDC Core 5.3.2: a userinfo answer for another subject than the ID token's must not be used.
    if (claims && typeof claims.sub === 'string' && body.sub !== claims.sub) {
      ctx.note?.('userinfo names another subject than the ID token');
      return undefined;
    }
    return typeof body.email === 'string' && body.email.includes('@') ? { email: body.email, source: 'userinfo' } : undefined;
  } catch (err) {
    ctx.note?.(`userinfo could not be read (${(err as Error).message})`);
    return undefined;
  }
}

/**
 * The scope to ask for: `base` plus `openid email` when the authorization server lists them in `scopes_supported`
 * (so the ID token, or userinfo, reveals the account's email). Nothing is added to an empty request (the server's
 * default scope stays the server's choice) or when the server does not list them.
 */
export function withIdentityScopes(base: string | undefined, scopesSupported: readonly string[] | undefined): string | undefined {
  if (!base?.trim() || !scopesSupported) return base;
  const scopes = base.split(' ').filter(Boolean);
  for (const extra of ['openid', 'email']) {
    if (scopesSupported.includes(extra) && !scopes.includes(extra)) scopes.push(extra);
  }
  // `email` alone is meaningless without `openid`.
  if (scopes.includes('email') && !scopes.includes('openid')) return base;
  return scopes.join(' ');
}
