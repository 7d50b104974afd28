import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { formatPath } from '../config/errors.ts';
import { AppError, invalidInput, notFound } from '../shared/app-error.ts';
import type { AppEnv } from './context.ts';
import { sendError } from './errors.ts';
import { authenticate } from './middleware/authenticate.ts';
import { requestContext } from './middleware/request-context.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { connectionRoutes } from './routes/connections.ts';
import { diagnoseRoutes } from './routes/diagnose.ts';
import { domainRoutes } from './routes/domains.ts';
import { clientMetadataFor, CLIENT_METADATA_PATH } from '../connections/oauth-provider.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { policyRoutes } from './routes/policy.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { mcpClientRoutes } from './routes/mcp-clients.ts';
import { toolAccessRoutes } from './routes/tool-access.ts';
import { chatRoutes } from './routes/chat.ts';
import type { AppServices } from './services.ts';

export const API_VERSION = '0.1.0';

/** The REST API at /api/v1, with its OpenAPI document built from the same zod schemas that validate input. */
export function createApiV1(): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
        throw invalidInput(`The request is not valid: ${issues.join('; ')}. Fix ${issues.length > 1 ? 'these fields' : 'this field'} and send it again.`, {
          fields: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
        });
      }
      return undefined;
    },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'A personal access token (sbp_…).' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', { type: 'apiKey', in: 'cookie', name: 'sb_session', description: 'The web session; changes also need X-CSRF-Token.' });

  // Sign-in routes take no principal (a stale cookie must not block signing in again); sign-out
  // reads the session so that its CSRF token is checked.
  api.use('/auth/logout', authenticate({ required: false }));
  api.use('/me', authenticate({ required: true }));
  api.use('/me/*', authenticate({ required: true }));
  api.use('/orgs', authenticate({ required: true }));
  api.use('/orgs/*', authenticate({ required: true }));
  api.use('/connectors', authenticate({ required: true }));
  api.use('/connectors/*', authenticate({ required: true }));
  api.use('/connections', authenticate({ required: true }));
  api.use('/connections/*', authenticate({ required: true }));
  api.use('/chat/*', authenticate({ required: true }));
  authRoutes(api);
  meRoutes(api);
  tokenRoutes(api);
  mcpClientRoutes(api);
  organizationRoutes(api);
  domainRoutes(api);
  auditRoutes(api);
  policyRoutes(api);
  toolAccessRoutes(api);
  connectorRoutes(api);
  connectionRoutes(api);
  diagnoseRoutes(api);
  chatRoutes(api);

  api.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: { title: 'Switchboard API', version: API_VERSION, description: 'Every error has the shape {"error":{"code","message","reference"}}; the reference is also in the server log.' },
    servers: [{ url: `${c.get('services').config.publicUrl}/api/v1` }],
  }));
  return api;
}

export function createApp(services: AppServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(services));
  // /mcp bounds its own bodies (4 MiB, as the MCP SDK does) and answers in JSON-RPC.
  const limit = bodyLimit({ maxSize: 1024 * 1024, onError: () => { throw new AppError(413, 'payload_too_large', 'The request body is larger than 1 MiB; send less.'); } });
  app.use('*', (c, next) => (c.req.path === '/mcp' ? next() : limit(c, next)));
  app.route('/', healthRoutes());
  app.route('/api/v1', createApiV1());
  // Switchboard's Client ID Metadata Document: its client_id at authorization servers that support CIMD.
  app.get(CLIENT_METADATA_PATH, (c) =>
    c.json({ client_id: `${services.config.publicUrl}${CLIENT_METADATA_PATH}`, ...clientMetadataFor(services.config.publicUrl) }, 200, { 'cache-control': 'public, max-age=3600' }),
  );
  app.get('/', async (c) => {
    // A browser gets the web app; a program asking for anything else gets where the API is.
    const web = services.web;
    if (web && web.wantsApp(c)) return (await web.serve(c))!;
    return c.json({
      name: 'Switchboard',
      api: `${services.config.publicUrl}/api/v1`,
      openapi: `${services.config.publicUrl}/api/v1/openapi.json`,
      health: `${services.config.publicUrl}/healthz`,
      ...(web ? {} : { app: 'The web app is not built here: run `npm run build:web` (npm start does it for you) and restart.' }),
    });
  });
  // The web app's files and its pages: only what no route took, and never a server path (src/api/web-app.ts).
  app.notFound((c) => services.web?.serve(c) ?? sendError(c, notFound(`Nothing is at ${c.req.method} ${c.req.path}. The API lives under /api/v1; its routes are listed in /api/v1/openapi.json.`)));
  app.onError((err, c) => sendError(c, err));
  return app;
}
