import { describeTools } from './tool-catalog.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { hostHeaderValidationResponse, localhostAllowedHostnames, localhostAllowedOrigins, originValidationResponse } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { readJsonFile, writeJsonFile } from './json-file.ts';
import { isLoopback, listenWithFallback, originFor } from './listen.ts';
import { createResourceServer } from './mcp/resource-server.ts';
import { createAuthorizationServer } from './oauth/authorization-server.ts';
import { mountInteractions } from './oauth/interactions.ts';
import { errorPage, homePage } from './oauth/pages.ts';
import { OAuthStore } from './oauth/store.ts';
import { personByEmail } from './people.ts';
import type { DemoServiceDefinition, DemoServiceHandle, DemoServiceOptions, DemoServiceStats } from './types.ts';

const DEFAULT_ACCESS_TOKEN_TTL = 3600;
const DEFAULT_REFRESH_TOKEN_TTL = 14 * 24 * 3600;

/** Paths this module answers; everything else is the authorization server's. */
const OWN_PATHS = /^\/(mcp|interaction\/.*|\.well-known\/oauth-protected-resource(\/mcp)?)?$/;

function emptyStats(stats: Partial<DemoServiceStats> = {}): DemoServiceStats {
  return Object.assign(stats, { tokenRequests: {}, tokenErrors: {}, registrations: 0, revocations: 0, mcpRequests: 0, mcpUnauthorized: 0, toolCalls: {} });
}

/** Starts one demo service: its authorization server and its MCP endpoint on one origin. */
export async function startService(definition: DemoServiceDefinition, options: DemoServiceOptions = {}): Promise<DemoServiceHandle> {
  const { name } = definition;
  for (const key of ['accessTokenTtlSeconds', 'refreshTokenTtlSeconds'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`${key} must be a whole number of seconds, 1 or more (got ${value})`);
  }
  const host = options.host ?? '127.0.0.1';
  const folder = options.dataDir ? path.join(options.dataDir, name) : undefined;
  const onError = options.onError ?? ((error: Error) => process.stderr.write(`demo ${name}: ${error.stack ?? error.message}\n`));

  // Requests that arrive before the routes exist (someone probing a fixed port) get a 503, not a hang.
  let route: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => route(req, res));
  const remembered = folder ? (readJsonFile(path.join(folder, 'service.json')) as { port?: number } | undefined) : undefined;
  const port = await listenWithFallback(server, options.port ?? remembered?.port ?? definition.defaultPort, host);
  try {
    if (folder) writeJsonFile(path.join(folder, 'service.json'), { port });
    return serve(definition, options, { server, port, host, folder, onError, setRoute: (r) => (route = r) });
  } catch (error) {
    server.close();
    throw error;
  }
}

interface Listening {
  server: Server;
  port: number;
  host: string;
  folder: string | undefined;
  onError: (error: Error) => void;
  setRoute(route: (req: IncomingMessage, res: ServerResponse) => void): void;
}

/** Builds the authorization server, the MCP endpoint and the pages on a server already listening. */
function serve(definition: DemoServiceDefinition, options: DemoServiceOptions, listening: Listening): DemoServiceHandle {
  const { name } = definition;
  const { server, port, host, folder, onError } = listening;

  const issuer = originFor(host, port);
  const mcpUrl = `${issuer}/mcp`;
  const scopes = { read: `${name}.read`, write: `${name}.write` };
  const stats = emptyStats();
  let accessTokenTtl = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL;
  const serviceName = definition.listing.name;

  const store = new OAuthStore(folder ? path.join(folder, 'oauth.json') : undefined);
  const provider = createAuthorizationServer({
    issuer,
    mcpUrl,
    scopes,
    serviceName,
    store,
    stats,
    accessTokenTtlSeconds: () => accessTokenTtl,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL,
    onError,
  });
  const toolset = definition.open(folder ? path.join(folder, 'data.json') : undefined);
  const resource = createResourceServer({
    definition,
    toolset,
    mcpUrl: new URL(mcpUrl),
    issuer,
    scopes,
    provider,
    stats,
    onError,
  });

  const app = new Hono<{ Bindings: HttpBindings }>();
  app.onError((error, c) => {
    onError(error);
    return c.html(errorPage(serviceName, 'Something went wrong', 'The demo service could not answer this request.'), 500);
  });
  if (isLoopback(host)) {
    // DNS-rebinding protection for a loopback service: only loopback Host and Origin values reach MCP.
    app.use('/mcp', async (c, next) => {
      const refused = hostHeaderValidationResponse(c.req.raw, localhostAllowedHostnames()) ?? originValidationResponse(c.req.raw, localhostAllowedOrigins());
      if (refused) return refused;
      await next();
    });
  }
  app.all('/mcp', (c) => resource.serveMcp(c.req.raw));
  app.get('/.well-known/oauth-protected-resource', (c) => c.json(resource.metadata));
  app.get('/.well-known/oauth-protected-resource/mcp', (c) => c.json(resource.metadata));
  app.get('/', (c) => c.html(homePage(serviceName, definition.listing.description, mcpUrl)));
  mountInteractions(app, {
    provider,
    serviceName,
    resource: mcpUrl,
    resourceScopes: [scopes.read, scopes.write],
    scopeDescriptions: {
      [scopes.read]: definition.scopeDescriptions.read,
      [scopes.write]: definition.scopeDescriptions.write,
      offline_access: 'Stay connected while you are away (a refresh token).',
      email: 'See your email address.',
      profile: 'See your name.',
    },
  });

  const own = getRequestListener(app.fetch);
  const authorizationServer = provider.callback();
  listening.setRoute((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (OWN_PATHS.test(url.pathname)) {
      void own(req, res);
      return;
    }
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      // RFC 8414 metadata: oidc-provider serves the same document (a superset) only as OIDC discovery.
      req.url = `/.well-known/openid-configuration${url.search}`;
    } else if (url.pathname === '/auth' && req.method === 'GET' && url.searchParams.get('scope')?.split(' ').includes('offline_access') && !url.searchParams.has('prompt')) {
      // oidc-provider follows OpenID Connect, which honours offline_access only with prompt=consent; OAuth 2.1
      // clients do not send it. The consent page is shown either way.
      url.searchParams.set('prompt', 'consent');
      req.url = `${url.pathname}${url.search}`;
    }
    authorizationServer(req, res);
  });

  return {
    name,
    url: mcpUrl,
    issuer,
    port,
    listing: definition.listing,
    tools: describeTools(toolset, scopes),
    instructions: definition.instructions,
    scopes,
    stats,
    resetStats: () => void emptyStats(stats),
    setAccessTokenTtl(seconds) {
      if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`the access-token lifetime must be a whole number of seconds, 1 or more (got ${seconds})`);
      accessTokenTtl = seconds;
    },
    async revokeGrants(email) {
      const grantIds = store.grantIdsOf(requirePerson(email));
      store.revokeGrants(grantIds);
      return grantIds.length;
    },
    async expireAccessTokens(email) {
      return store.expireAccessTokens(email === undefined ? undefined : requirePerson(email));
    },
    async close() {
      await resource.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function requirePerson(email: string): string {
  const person = personByEmail(email);
  if (!person) throw new Error(`${email} is not a demo account (alice@demo.test, bob@demo.test or carol@demo.test)`);
  return person.id;
}
