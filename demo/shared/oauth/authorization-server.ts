import { generateKeyPairSync } from 'node:crypto';
import { personById } from '../people.ts';
import type { DemoScopes, DemoServiceStats } from '../types.ts';
import { errorPage } from './pages.ts';
import { InvalidTarget, OidcProviderClass } from './oidc-module.ts';
import type { OidcKoaContext, OidcProvider } from './oidc-types.ts';
import type { OAuthStore } from './store.ts';

export const INTERACTION_PATH = '/interaction';

export interface AuthorizationServerSettings {
  issuer: string;
  /** The one resource this server issues access tokens for. */
  mcpUrl: string;
  scopes: DemoScopes;
  serviceName: string;
  store: OAuthStore;
  stats: DemoServiceStats;
  /** Read at every issue, so a test can shorten it while the service runs. */
  accessTokenTtlSeconds: () => number;
  refreshTokenTtlSeconds: number;
  onError: (error: Error) => void;
}

const withoutTrailingSlash = (url: string) => url.replace(/\/$/, '');

/**
 * An OAuth 2.1 authorization server on oidc-provider: authorization code with PKCE S256 only, open dynamic
 * client registration, access tokens bound to the MCP URL (RFC 8707), rotating refresh tokens for
 * `offline_access`, revocation (RFC 7009) and `iss` in authorization responses (RFC 9207, always on in v9).
 */
export function createAuthorizationServer(settings: AuthorizationServerSettings): OidcProvider {
  const { issuer, mcpUrl, scopes, store } = settings;
  const signingKey = store.signingKey(() => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' }));
  const provider = new OidcProviderClass(issuer, {
    adapter: (model: string) => store.adapterFor(model),
    cookies: { keys: store.cookieKeys },
    jwks: { keys: [signingKey] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    findAccount: (_ctx: unknown, id: string) => {
      const person = personById(id);
      if (!person) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: person.email, email_verified: true, name: person.name }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The ID token from the token endpoint carries the granted claims (email), not only `sub`: access tokens here
    // are bound to the MCP resource, which userinfo refuses, so the ID token is how a client learns the email.
    conformIdTokenClaims: false,
    // Listed here so the AS metadata advertises them; access tokens carry only the resource's share.
    scopes: ['openid', 'offline_access', scopes.read, scopes.write],
    responseTypes: ['code'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource still gets a token for the MCP endpoint, the only thing here to protect.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf ?? mcpUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (withoutTrailingSlash(indicator) !== mcpUrl) throw new InvalidTarget(`this server only issues tokens for ${mcpUrl}`);
          return { scope: `${scopes.read} ${scopes.write}`, audience: mcpUrl, accessTokenTTL: settings.accessTokenTtlSeconds(), accessTokenFormat: 'opaque' };
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}/${interaction.uid}` },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, source: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access'),
    // OAuth 2.1 rotation for every client: each refresh returns a new refresh token and retires the old one.
    rotateRefreshToken: () => true,
    // Tokens belong to the grant, not to the person's browser session at this server.
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: () => settings.accessTokenTtlSeconds(),
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: settings.refreshTokenTtlSeconds,
      RefreshToken: settings.refreshTokenTtlSeconds,
    },
    renderError: async (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage(settings.serviceName, out.error, out.error_description ?? 'The request could not be completed.');
    },
  });
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      count(ctx, settings.stats);
    }
  });
  provider.on('server_error', (_ctx, error) => settings.onError(error));
  return provider;
}

function count(ctx: OidcKoaContext, stats: DemoServiceStats): void {
  const route = ctx.oidc?.route;
  if (route === 'token') {
    const grantType = String(ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type ?? 'none');
    stats.tokenRequests[grantType] = (stats.tokenRequests[grantType] ?? 0) + 1;
    if (ctx.status >= 400) stats.tokenErrors[grantType] = (stats.tokenErrors[grantType] ?? 0) + 1;
  } else if (route === 'revocation' && ctx.status === 200) {
    stats.revocations++;
  } else if (route === 'registration' && ctx.status === 201) {
    stats.registrations++;
  }
}
