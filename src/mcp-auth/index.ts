import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { LoginThrottle } from '../identity/login-throttle.ts';
import type { SessionSettings } from '../identity/sessions.ts';
import type { Logger } from '../observability/logger.ts';
import { purgeExpired } from './adapter.ts';
import { listAuthorizedClients, revokeAuthorizedClient, type AuthorizedClient } from './clients.ts';
import { mountInteractions } from './interactions.ts';
import { nodePair } from './node-bridge.ts';
import { createProvider, DEFAULT_LIFETIMES, type TokenLifetimes } from './provider.ts';
import { mcpAuthenticator, protectedResourceMetadata, type McpCaller, type ProtectedResourceMetadata } from './resource.ts';
import type { OidcProvider } from './oidc.ts';

export type { AuthorizedClient } from './clients.ts';
export type { McpCaller, ProtectedResourceMetadata } from './resource.ts';
export type { TokenLifetimes } from './provider.ts';

/** Where the authorization server lives, under PUBLIC_URL. Its issuer is `{PUBLIC_URL}/oauth`. */
export const OAUTH_PREFIX = '/oauth';
export const INTERACTION_PATH = `${OAUTH_PREFIX}/interaction`;
/** The protected resource: Switchboard's MCP endpoint. */
export const MCP_PATH = '/mcp';

export interface McpAuthOptions {
  db: Kysely<DB>;
  /** PUBLIC_URL without a trailing slash, e.g. `https://switchboard.example.com`. */
  publicUrl: string;
  /** SWITCHBOARD_SECRET_KEY: cookie, CSRF and ID-token signing keys are derived from it (docs/mcp-auth.md). */
  secretKey: Buffer;
  log: Logger;
  /** The login throttle of password sign-in (the same one `/api/v1/auth/login` uses). */
  throttle: LoginThrottle;
  sessions: SessionSettings;
  /** Offers "Sign in with …" on the sign-in page when single sign-on is set up. */
  sso?: { displayName: string } | undefined;
  lifetimes?: Partial<TokenLifetimes>;
  /** How often expired rows are purged; 0 turns the timer off (tests). Default one hour. */
  purgeIntervalMs?: number;
  /** Fetch used for Client ID Metadata Documents (default: oidc-provider's SSRF-protected fetch). */
  fetch?: typeof fetch;
  /** A revocation inside the authorization server: other nodes must forget the tokens they accepted too. */
  onRevoked?: () => void;
}

export interface McpAuth {
  /** `{PUBLIC_URL}/oauth`. */
  issuer: string;
  /** `{PUBLIC_URL}/mcp`: the only audience access tokens are issued for. */
  mcpUrl: string;
  /** Adds the authorization server, its pages, its metadata and the protected resource metadata to `app`. */
  mount(app: Hono<any>): void;
  /**
   * The bearer check for `/mcp`. Usage in a Hono handler:
   *
   *   app.all('/mcp', async (c) => {
   *     const caller = await mcpAuth.authenticateMcpRequest(c.req.raw, { reference: c.get('requestId') });
   *     if (caller instanceof Response) return caller;   // 401 with WWW-Authenticate: Bearer resource_metadata=…
   *     // caller.userId, caller.via ('token' | 'oauth'), caller.clientId?, caller.scopes?
   *   });
   *
   * Accepts a personal access token (sbp_…) or an access token from this server for `{PUBLIC_URL}/mcp` (audience,
   * expiry, revocation and the account being enabled are checked). Never throws for a bad token.
   */
  authenticateMcpRequest(request: Request, context?: { reference?: string }): Promise<McpCaller | Response>;
  /** `authenticateMcpRequest` on the Authorization header's value alone. */
  authenticateAuthorization(header: string | null | undefined, context?: { reference?: string }): Promise<McpCaller | Response>;
  /** RFC 9728 document served at `/.well-known/oauth-protected-resource/mcp`. */
  protectedResourceMetadata: ProtectedResourceMetadata;
  listClients(userId: string): Promise<AuthorizedClient[]>;
  /** Ends the person's grants to this client and every token issued under them; 404 AppError if none. */
  revokeClient(userId: string, clientId: string): Promise<{ grants: number }>;
  /** Forgets the tokens the endpoint accepted recently (after a revocation). */
  forgetAcceptedTokens(): void;
  /** Deletes expired codes, tokens, sessions and grants now (also done on a timer). */
  purgeExpired(): Promise<number>;
  /** Stops the purge timer. */
  close(): Promise<void>;
  /** The oidc-provider instance, for tests and diagnostics. */
  provider: OidcProvider;
}

/** Discovery paths MCP clients try for the issuer `{PUBLIC_URL}/oauth` (RFC 8414 §3.1 path insertion, then OIDC). */
const METADATA_ALIASES = ['/.well-known/oauth-authorization-server/oauth', '/.well-known/openid-configuration/oauth', `${OAUTH_PREFIX}/.well-known/oauth-authorization-server`];

/**
 * Switchboard as the OAuth authorization server of its own MCP endpoint, and the resource-server half of that
 * endpoint. See docs/mcp-auth.md.
 */
export function createMcpAuth(options: McpAuthOptions): McpAuth {
  const publicUrl = options.publicUrl.replace(/\/$/, '');
  const issuer = `${publicUrl}${OAUTH_PREFIX}`;
  const mcpUrl = `${publicUrl}${MCP_PATH}`;
  const { db, log } = options;
  const lifetimes = { ...DEFAULT_LIFETIMES, ...options.lifetimes };
  const provider = createProvider({
    db,
    issuer,
    mcpUrl,
    interactionPath: INTERACTION_PATH,
    secretKey: options.secretKey,
    lifetimes,
    fetch: options.fetch,
    onError: (err) => log.error({ err }, 'authorization server error'),
  });
  const callback = provider.callback();
  const authenticate = mcpAuthenticator({ db, provider, publicUrl, mcpUrl });
  // Revocations inside the authorization server (a client revoking its token, a reused code revoking what it
  // gave) must apply at once, whatever the endpoint remembered.
  for (const event of ['grant.revoked', 'access_token.destroyed']) {
    provider.on(event, () => {
      authenticate.forget();
      options.onRevoked?.();
    });
  }
  const prm = protectedResourceMetadata(mcpUrl, issuer);

  /** Hands a request to oidc-provider; `path` overrides the request's own path (metadata aliases). */
  const toProvider = async (request: Request, path?: string): Promise<Response> => {
    const pair = await nodePair(request, publicUrl, { mountPath: OAUTH_PREFIX, ...(path ? { path } : {}) });
    await Promise.all([callback(pair.req, pair.res as never), pair.res.done]);
    return pair.res.toResponse();
  };

  const purge = async () => {
    const removed = await purgeExpired(db);
    if (removed > 0) log.debug({ removed }, 'expired authorization-server rows purged');
    return removed;
  };
  const interval = options.purgeIntervalMs ?? 3_600_000;
  const timer = interval > 0 ? setInterval(() => void purge().catch((err: unknown) => log.warn({ err }, 'purging expired authorization-server rows failed')), interval) : undefined;
  timer?.unref();

  return {
    issuer,
    mcpUrl,
    provider,
    protectedResourceMetadata: prm,
    authenticateMcpRequest: authenticate,
    authenticateAuthorization: authenticate.byHeader,
    listClients: (userId) => listAuthorizedClients(db, userId),
    revokeClient: async (userId, clientId) => {
      const result = await revokeAuthorizedClient(db, userId, clientId);
      authenticate.forget();
      return result;
    },
    forgetAcceptedTokens: () => authenticate.forget(),
    purgeExpired: purge,
    close: async () => {
      if (timer) clearInterval(timer);
    },
    mount(app) {
      const prmResponse = () =>
        new Response(JSON.stringify(prm), { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' } });
      for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
        app.get(path, () => prmResponse());
        app.options(path, () => new Response(null, { status: 204, headers: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', 'access-control-allow-headers': '*' } }));
      }
      for (const path of METADATA_ALIASES) {
        app.on(['GET', 'OPTIONS'], path, (c) => toProvider(c.req.raw, `${OAUTH_PREFIX}/.well-known/openid-configuration`));
      }
      mountInteractions(app, {
        db,
        provider,
        publicUrl,
        mcpUrl,
        path: INTERACTION_PATH,
        mountPath: OAUTH_PREFIX,
        secretKey: options.secretKey,
        throttle: options.throttle,
        sessions: options.sessions,
        sso: options.sso,
      });
      app.all(OAUTH_PREFIX, (c) => toProvider(c.req.raw));
      app.all(`${OAUTH_PREFIX}/*`, (c) => toProvider(c.req.raw));
    },
  };
}
