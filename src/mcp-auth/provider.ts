import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { databaseAdapter } from './adapter.ts';
import { deriveCookieKeys, deriveSigningKey } from './keys.ts';
import { InvalidTarget, OidcProviderClass, type OidcProvider } from './oidc.ts';
import { errorPage } from './pages.ts';

/** The one scope: use Switchboard's MCP endpoint as the person. */
export const MCP_SCOPE = 'mcp';

export interface TokenLifetimes {
  /** Access tokens (opaque, audience {PUBLIC_URL}/mcp). Default 1 hour. */
  accessTokenSeconds: number;
  /** Each refresh token; every refresh returns a new one with a fresh lifetime (rotation). Default 30 days. */
  refreshTokenSeconds: number;
  /** A client's authorization (grant): after this the person is asked again. Default 365 days. */
  grantSeconds: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = { accessTokenSeconds: 3600, refreshTokenSeconds: 30 * 86_400, grantSeconds: 365 * 86_400 };

export interface ProviderSettings {
  db: Kysely<DB>;
  issuer: string;
  mcpUrl: string;
  interactionPath: string;
  secretKey: Buffer;
  lifetimes: TokenLifetimes;
  /** Where CIMD documents are fetched with; oidc-provider's own SSRF-protected fetch by default (tests replace it). */
  fetch?: typeof fetch | undefined;
  onError: (error: unknown) => void;
}

const withoutTrailingSlash = (url: string) => url.replace(/\/$/, '');

/**
 * Switchboard's authorization server on oidc-provider: authorization code with PKCE S256 only, public clients
 * (DCR, open, or Client ID Metadata Documents), access tokens bound to {PUBLIC_URL}/mcp (RFC 8707) and refused
 * for any other resource, rotating refresh tokens, revocation (RFC 7009), `iss` in authorization responses
 * (RFC 9207, always on in v9).
 */
export function createProvider(settings: ProviderSettings): OidcProvider {
  const { db, issuer, mcpUrl, lifetimes } = settings;
  const provider = new OidcProviderClass(issuer, {
    adapter: (model: string) => databaseAdapter(db, model),
    cookies: { keys: deriveCookieKeys(settings.secretKey) },
    jwks: { keys: [deriveSigningKey(settings.secretKey)] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const user = /^[0-9a-f-]{36}$/i.test(id) ? await db.selectFrom('users').select(['id', 'email', 'name', 'disabled_at']).where('id', '=', id).executeTakeFirst() : undefined;
      if (!user || user.disabled_at) return undefined;
      return { accountId: user.id, claims: () => ({ sub: user.id, email: user.email, email_verified: true, ...(user.name ? { name: user.name } : {}) }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    responseTypes: ['code'],
    // Public clients only: no client secret is ever issued or stored (see docs/mcp-auth.md).
    clientAuthMethods: ['none'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'ES256' },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource still gets a token for the MCP endpoint, the only thing here to protect.
        defaultResource: async () => mcpUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (withoutTrailingSlash(indicator) !== mcpUrl) throw new InvalidTarget(`this server only issues tokens for ${mcpUrl}`);
          return { scope: MCP_SCOPE, audience: mcpUrl, accessTokenTTL: lifetimes.accessTokenSeconds, accessTokenFormat: 'opaque' };
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${settings.interactionPath}/${interaction.uid}` },
    // MCP clients rarely ask for offline_access: any client registered for the refresh_token grant gets one.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    // OAuth 2.1: each refresh returns a new refresh token and retires the old one; reuse of a retired one revokes the grant.
    rotateRefreshToken: () => true,
    // Tokens belong to the grant, not to the browser session at this server.
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: lifetimes.accessTokenSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
      Grant: lifetimes.grantSeconds,
      RefreshToken: lifetimes.refreshTokenSeconds,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
    },
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    renderError: async (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage('Authorization failed', `${out.error}: ${out.error_description ?? 'the request could not be completed.'} Start connecting again from your application.`);
    },
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) => settings.onError(error));
  return provider;
}
