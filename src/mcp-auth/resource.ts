import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { authenticateAccessToken, TOKEN_PREFIX } from '../identity/access-tokens.ts';
import { requestReference } from '../shared/crypto.ts';
import { touchGrant } from './clients.ts';
import type { OidcProvider } from './oidc.ts';
import { MCP_SCOPE } from './provider.ts';

/** Who is calling /mcp. */
export interface McpCaller {
  userId: string;
  /** `token`: a personal access token (sbp_…); `oauth`: an access token this authorization server issued. */
  via: 'token' | 'oauth';
  /** The OAuth client (oauth only). */
  clientId?: string;
  /** The personal access token's id (token only): it names the client connection for per-client settings. */
  tokenId?: string;
  /** The token's scopes (oauth only). */
  scopes?: string[];
}

/** RFC 9728 Protected Resource Metadata for {PUBLIC_URL}/mcp. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  resource_name: string;
  resource_documentation?: string;
}

export function protectedResourceMetadata(mcpUrl: string, issuer: string): ProtectedResourceMetadata {
  return { resource: mcpUrl, authorization_servers: [issuer], scopes_supported: [MCP_SCOPE], bearer_methods_supported: ['header'], resource_name: 'Switchboard' };
}

export const resourceMetadataUrl = (publicUrl: string): string => `${publicUrl}/.well-known/oauth-protected-resource/mcp`;

const quote = (value: string) => `"${value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;

interface ResourceSettings {
  db: Kysely<DB>;
  provider: OidcProvider;
  publicUrl: string;
  mcpUrl: string;
  now?: () => Date;
}

const MISSING = 'Sign in first: send "Authorization: Bearer <token>" with an OAuth access token from this Switchboard (your MCP client gets one by itself) or a personal access token (sbp_…).';

/**
 * The bearer check of `/mcp`, as a function that returns either the caller or the ready 401 `Response`.
 * See `McpAuth.authenticateMcpRequest` (index.ts) for how to call it from a Hono handler.
 */
/**
 * How long an accepted token is taken on trust before it is looked up again. A revocation through this
 * server's API forgets at once; one made elsewhere (the CLI, another node) applies within this time.
 */
const ACCEPTED_TTL_MS = 5_000;

export function mcpAuthenticator(
  settings: ResourceSettings,
): ((request: Request, context?: { reference?: string }) => Promise<McpCaller | Response>) & {
  /** The same check on the Authorization header's value alone (the /mcp relay front has no web Request). */
  byHeader(header: string | null | undefined, context?: { reference?: string }): Promise<McpCaller | Response>;
  forget(): void;
} {
  const { db, provider, publicUrl, mcpUrl } = settings;
  const accepted = new Map<string, { caller: McpCaller; until: number }>();
  const now = settings.now ?? (() => new Date());
  const challenge = (reference: string | undefined, message: string, invalid: string | undefined): Response => {
    const params = [`resource_metadata=${quote(resourceMetadataUrl(publicUrl))}`, `scope=${quote(MCP_SCOPE)}`];
    // RFC 6750 §3.1: a request without credentials gets no error code; a bad token gets invalid_token.
    if (invalid) params.push('error="invalid_token"', `error_description=${quote(invalid)}`);
    const ref = reference ?? requestReference();
    return new Response(JSON.stringify({ error: { code: 'unauthorized', message, reference: ref } }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer ${params.join(', ')}`, 'x-request-id': ref, 'cache-control': 'no-store' },
    });
  };

  const authenticate = async (token: string, context: { reference?: string }): Promise<(McpCaller & { expiresAt?: number }) | Response> => {
    if (token.startsWith(TOKEN_PREFIX)) {
      const owner = await authenticateAccessToken(db, token, now());
      if (!owner) return challenge(context.reference, 'The personal access token is not valid: it may be mistyped, revoked or expired. Create a new one in settings or with `switchboard tokens create`.', 'the personal access token is not valid');
      return { userId: owner.userId, via: 'token', tokenId: owner.tokenId };
    }

    const refused = (description: string) => challenge(context.reference, `The access token was refused (${description}). Your MCP client should sign in again by itself; if it does not, remove and re-add Switchboard in it.`, description);
    if (token.length > 200) return refused('the access token is unknown');
    // Expiry is checked here rather than by the lookup, so an expired token is answered "expired", not "unknown".
    const accessToken = await provider.AccessToken.find(token, { ignoreExpiration: true });
    if (!accessToken) return refused('the access token is unknown or was revoked');
    if (accessToken.exp * 1000 <= now().getTime()) return refused('the access token has expired');
    const audiences = [accessToken.aud ?? []].flat();
    if (!audiences.includes(mcpUrl)) return refused(`the access token is not for ${mcpUrl}`);
    const user = await db.selectFrom('users').select(['id', 'disabled_at']).where('id', '=', accessToken.accountId).executeTakeFirst();
    if (!user || user.disabled_at) return refused('the account is disabled');
    // The grant must still be in force: revoking a client deletes it with its tokens, and this double-checks.
    if (!(await touchGrant(db, accessToken.grantId, now()))) return refused('the authorization was revoked');
    return { userId: user.id, via: 'oauth', clientId: accessToken.clientId, scopes: accessToken.scope?.split(' ').filter(Boolean) ?? [], expiresAt: accessToken.exp * 1000 };
  };

  const byHeader = async (header: string | null | undefined, context: { reference?: string } = {}): Promise<McpCaller | Response> => {
    if (header === null || header === undefined) return challenge(context.reference, MISSING, undefined);
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) return challenge(context.reference, `The Authorization header is not "Bearer <token>". ${MISSING}`, 'malformed Authorization header');
    // Accepted tokens are remembered briefly (keyed by their hash, never the token itself); refusals never are.
    const key = createHash('sha256').update(token).digest('base64url');
    const known = accepted.get(key);
    if (known && known.until > now().getTime()) return known.caller;
    const result = await authenticate(token, context);
    if (!(result instanceof Response)) {
      const { expiresAt, ...caller } = result;
      if (accepted.size >= 10_000) accepted.clear();
      accepted.set(key, { caller, until: Math.min(now().getTime() + ACCEPTED_TTL_MS, expiresAt ?? Infinity) });
      return caller;
    }
    return result;
  };
  const authenticator = (request: Request, context: { reference?: string } = {}) => byHeader(request.headers.get('authorization'), context);
  return Object.assign(authenticator, { byHeader, forget: () => accepted.clear() });
}
