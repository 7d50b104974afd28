import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ConnectionSummary } from '../../connections/types.ts';
import { AppError, forbidden } from '../../shared/app-error.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

const ConnectionOut = z
  .object({
    connector: z.string(),
    status: z.enum(['connected', 'expired']),
    authKind: z.enum(['oauth', 'headers', 'none']),
    scope: z.string().nullable(),
    expiresAt: z.string().nullable(),
    statusReason: z.string().nullable().openapi({ description: 'Why an expired connection needs reconnecting.' }),
    connectedAt: z.string(),
    lastRefreshedAt: z.string().nullable(),
    headerNames: z.array(z.string()).openapi({ description: 'For API-key connectors: which headers are stored (never their values).' }),
  })
  .openapi('Connection');

const connectionOut = (c: ConnectionSummary): z.infer<typeof ConnectionOut> => ({
  ...c,
  expiresAt: c.expiresAt?.toISOString() ?? null,
  connectedAt: c.connectedAt.toISOString(),
  lastRefreshedAt: c.lastRefreshedAt?.toISOString() ?? null,
});

const SlugParam = z.object({ slug: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const list = createRoute({
  method: 'get',
  path: '/connections',
  tags: ['connections'],
  summary: 'Your connections to connectors (never their secrets)',
  security: SIGNED_IN,
  responses: { 200: { description: 'Connections', ...json(z.object({ connections: z.array(ConnectionOut) })) }, ...errorResponses(401) },
});

const connect = createRoute({
  method: 'post',
  path: '/connections/{slug}',
  tags: ['connections'],
  summary: 'Connect a connector: OAuth answers with the URL to send the browser to; API-key connectors take their headers',
  security: SIGNED_IN,
  request: {
    params: SlugParam,
    body: {
      required: false,
      ...json(
        z
          .object({
            returnTo: z.string().max(2000).optional().openapi({ description: 'A path on Switchboard to return to after the authorization.' }),
            scope: z.string().max(2000).optional().openapi({ description: 'Ask for these scopes (step-up after insufficient_scope).' }),
            headers: z.record(z.string(), z.string()).optional().openapi({ description: 'For API-key connectors: header name → value (allowed names only, at most 4).' }),
          })
          .openapi('ConnectRequest'),
      ),
    },
  },
  responses: {
    200: { description: 'OAuth: open this URL in the browser', ...json(z.object({ authorizationUrl: z.string().url() })) },
    201: { description: 'Connected', ...json(z.object({ connection: ConnectionOut })) },
    ...errorResponses(400, 401, 404, 502),
  },
});

const authorize = createRoute({
  method: 'get',
  path: '/connections/{slug}/authorize',
  tags: ['connections'],
  summary: 'Browser entry point: starts the OAuth authorization and redirects to the service',
  security: SIGNED_IN,
  request: { params: SlugParam, query: z.object({ returnTo: z.string().max(2000).optional() }) },
  responses: { 302: { description: 'Redirect to the authorization server' }, ...errorResponses(400, 401, 404, 502) },
});

const callback = createRoute({
  method: 'get',
  path: '/connections/callback',
  tags: ['connections'],
  summary: "Where the service's authorization server sends the browser back (the OAuth redirect URI)",
  security: SIGNED_IN,
  responses: { 302: { description: 'Connected: redirect to where connecting started' }, ...errorResponses(400, 401, 403, 502) },
});

const disconnect = createRoute({
  method: 'delete',
  path: '/connections/{slug}',
  tags: ['connections'],
  summary: 'Disconnect at once: revokes upstream where supported and deletes the stored secrets',
  security: SIGNED_IN,
  request: { params: SlugParam },
  responses: { 200: { description: 'Disconnected', ...json(z.object({ revocation: z.enum(['revoked', 'unsupported', 'failed']) })) }, ...errorResponses(401, 404) },
});

export function connectionRoutes(app: OpenAPIHono<AppEnv>): void {
  // Registered before `/connections/{slug}` so "callback" is never read as a connector slug.
  app.openapi(callback, async (c) => {
    const { userId } = requirePrincipal(c);
    const connections = c.get('services').connections;
    const params = new URL(c.req.url).searchParams;
    const state = params.get('state');
    // The person finishing the authorization must be the one who started it; otherwise someone could
    // send a victim an authorization link and end up holding the victim's account at the service.
    const owner = state ? await connections.flowOwner(state) : undefined;
    if (owner !== undefined && owner !== userId) throw forbidden('This authorization was started by another Switchboard account. Sign in as that account, or start connecting again.');
    const result = await connections.finishOAuth(params);
    const target = new URL(result.returnTo, 'http://x');
    target.searchParams.set('connected', result.connector);
    return c.redirect(`${target.pathname}${target.search}`, 302);
  });

  app.openapi(list, async (c) => {
    const { userId } = requirePrincipal(c);
    const connections = await c.get('services').connections.list(userId);
    return c.json({ connections: connections.map(connectionOut) }, 200);
  });

  app.openapi(connect, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug } = c.req.valid('param');
    const body = c.req.valid('json') ?? {};
    const connections = c.get('services').connections;
    const kind = await connections.authKindOf(slug);
    if (kind === 'oauth') {
      if (body.headers) throw new AppError(400, 'invalid_request', 'This connector uses OAuth; do not send headers. Open the returned authorizationUrl instead.');
      return c.json(await connections.startOAuth(userId, slug, { returnTo: body.returnTo, scope: body.scope }), 200);
    }
    const connection = await connections.connectWithHeaders(userId, slug, body.headers ?? {});
    return c.json({ connection: connectionOut(connection) }, 201);
  });

  app.openapi(authorize, async (c) => {
    const { userId } = requirePrincipal(c);
    const { authorizationUrl } = await c.get('services').connections.startOAuth(userId, c.req.valid('param').slug, { returnTo: c.req.valid('query').returnTo });
    return c.redirect(authorizationUrl, 302);
  });

  app.openapi(disconnect, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await c.get('services').connections.disconnect(userId, c.req.valid('param').slug), 200);
  });
}
