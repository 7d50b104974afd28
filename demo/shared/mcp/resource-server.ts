import {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  createMcpHandler,
  getOAuthProtectedResourceMetadataUrl,
  McpServer,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type AuthInfo,
  type OAuthProtectedResourceMetadata,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import { personById, type DemoPerson } from '../people.ts';
import type { OidcProvider } from '../oauth/oidc-types.ts';
import type { DemoScopes, DemoServiceDefinition, DemoServiceStats, DemoToolset } from '../types.ts';

export interface ResourceServerSettings {
  definition: DemoServiceDefinition;
  toolset: DemoToolset;
  mcpUrl: URL;
  issuer: string;
  scopes: DemoScopes;
  provider: OidcProvider;
  stats: DemoServiceStats;
  onError: (error: Error) => void;
}

export interface ResourceServer {
  /** Serves `/mcp` (both protocol eras) behind bearer authentication. */
  serveMcp(request: Request): Promise<Response>;
  /** The RFC 9728 document, served at `/.well-known/oauth-protected-resource[/mcp]`. */
  metadata: OAuthProtectedResourceMetadata;
  close(): Promise<void>;
}

/**
 * The MCP half of a demo service, an OAuth resource server: it accepts only access tokens its own authorization
 * server issued for this MCP URL, and builds a fresh MCP server per request for the person the token names.
 */
export function createResourceServer(settings: ResourceServerSettings): ResourceServer {
  const { definition, mcpUrl, issuer, scopes, stats } = settings;
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);
  const metadata = buildOAuthProtectedResourceMetadata({
    oauthMetadata: { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'] },
    resourceServerUrl: mcpUrl,
    scopesSupported: [scopes.read, scopes.write],
    resourceName: definition.listing.name,
    // Loopback demo: the issuer is plain http on whatever address the service was bound to.
    dangerouslyAllowInsecureIssuerUrl: true,
  });
  const verifier = tokenVerifier(settings.provider);
  const caller = (person: DemoPerson) => ({
    person,
    scopes,
    countCall: (tool: string) => {
      stats.toolCalls[tool] = (stats.toolCalls[tool] ?? 0) + 1;
    },
  });

  const handler = createMcpHandler(
    ({ authInfo }) => {
      const person = personById(String(authInfo?.extra?.personId ?? ''));
      // The gate in serveMcp admits only tokens that name a demo person.
      if (!person) throw new Error('an MCP request reached the handler without a verified person');
      const server = new McpServer(
        { name: definition.listing.slug, title: definition.listing.name, version: '1.0.0', description: definition.listing.tagline },
        { instructions: definition.instructions, capabilities: { tools: {} } },
      );
      settings.toolset.register(server, caller(person));
      return server;
    },
    { onerror: settings.onError },
  );

  return {
    metadata,
    close: () => handler.close(),
    async serveMcp(request) {
      stats.mcpRequests++;
      let authInfo: AuthInfo;
      try {
        authInfo = await verifyBearerToken(request.headers.get('authorization'), { verifier, expectedResource: mcpUrl, resourceMetadataUrl });
      } catch (error) {
        stats.mcpUnauthorized++;
        // The challenge names every scope the service has, so a first authorization can cover reads and writes.
        return bearerAuthChallengeResponse(error, { requiredScopes: [scopes.read, scopes.write], resourceMetadataUrl });
      }
      return handler.fetch(request, { authInfo });
    },
  };
}

/** Looks opaque access tokens up in the authorization server's own store: revocation takes effect at once. */
function tokenVerifier(provider: OidcProvider): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token) {
      // Expiry is left to verifyBearerToken so an expired token is answered "expired", not "unknown".
      const accessToken = await provider.AccessToken.find(token, { ignoreExpiration: true });
      if (!accessToken) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is unknown or was revoked');
      if (!personById(accessToken.accountId)) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token names no demo person');
      const audience = [accessToken.aud ?? []].flat()[0];
      return {
        token,
        clientId: accessToken.clientId,
        scopes: accessToken.scope?.split(' ').filter(Boolean) ?? [],
        expiresAt: accessToken.exp,
        ...(audience ? { resource: new URL(audience) } : {}),
        extra: { personId: accessToken.accountId },
      };
    },
  };
}
