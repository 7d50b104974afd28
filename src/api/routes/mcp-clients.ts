import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { organizationsOf } from '../../identity/organizations.ts';
import { listAuthorizedClients, revokeAuthorizedClient } from '../../mcp-auth/clients.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

/** The MCP clients a person authorized through Switchboard's own authorization server (src/mcp-auth). */

const security = SIGNED_IN;

const McpClientOut = z
  .object({
    clientId: z.string().openapi({ description: 'The OAuth client id (a registered id, or the URL of a Client ID Metadata Document).' }),
    name: z.string().openapi({ example: 'Claude Code' }),
    authorizedAt: z.string().openapi({ description: 'When you first authorized it.' }),
    lastUsedAt: z.string().nullable().openapi({ description: 'When it last reached the MCP endpoint (one-minute resolution); null if never.' }),
  })
  .openapi('McpClient');

const list = createRoute({
  method: 'get',
  path: '/me/clients',
  tags: ['mcp clients'],
  summary: 'The MCP clients you authorized to use Switchboard as you',
  security,
  responses: { 200: { description: 'Clients', content: { 'application/json': { schema: z.object({ clients: z.array(McpClientOut) }) } } }, ...errorResponses(401) },
});

const revoke = createRoute({
  method: 'delete',
  path: '/me/clients/{clientId}',
  tags: ['mcp clients'],
  summary: "Revoke an MCP client: its authorizations and tokens end at once",
  security,
  request: { params: z.object({ clientId: z.string().min(1).max(2000) }) },
  responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ revoked: z.literal(true), clientId: z.string() }) } } }, ...errorResponses(401, 403, 404) },
});

const McpEndpointOut = z
  .object({
    url: z.string().openapi({ description: 'The MCP endpoint to add to a client: PUBLIC_URL/mcp.', example: 'https://switchboard.example.com/mcp' }),
    organizations: z.array(
      z.object({
        slug: z.string(),
        name: z.string(),
        default: z.boolean().openapi({ description: 'The organization a client that names none acts in (your first by slug).' }),
        url: z.string().openapi({ description: 'The endpoint for this organization: the plain URL for the default one, else with ?org=<slug>.', example: 'https://switchboard.example.com/mcp?org=globex' }),
      }),
    ),
  })
  .openapi('McpEndpoint');

const endpoint = createRoute({
  method: 'get',
  path: '/me/mcp-endpoint',
  tags: ['mcp clients'],
  summary: "The MCP endpoint to give your AI applications (Claude, Cursor, …), and its URL for each of your organizations",
  security,
  responses: { 200: { description: 'The endpoint', content: { 'application/json': { schema: McpEndpointOut } } }, ...errorResponses(401) },
});

export function mcpClientRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(endpoint, async (c) => {
    const principal = requirePrincipal(c);
    const services = c.get('services');
    const url = `${services.config.publicUrl}/mcp`;
    // The same rule as the endpoint's (src/gateway/organization.ts): without ?org=, the first organization by slug
    // (in the database's order, as there).
    const memberships = (await organizationsOf(services.database.db, principal.userId)).map((m) => m.organization);
    return c.json(
      {
        url,
        organizations: memberships.map((o, i) => ({ slug: o.slug, name: o.name, default: i === 0, url: i === 0 ? url : `${url}?org=${encodeURIComponent(o.slug)}` })),
      },
      200,
    );
  });

  app.openapi(list, async (c) => {
    const principal = requirePrincipal(c);
    const clients = await listAuthorizedClients(c.get('services').database.db, principal.userId);
    return c.json(
      { clients: clients.map((cl) => ({ clientId: cl.clientId, name: cl.clientName, authorizedAt: cl.authorizedAt.toISOString(), lastUsedAt: cl.lastUsedAt ? cl.lastUsedAt.toISOString() : null })) },
      200,
    );
  });

  app.openapi(revoke, async (c) => {
    const principal = requirePrincipal(c);
    const { clientId } = c.req.valid('param');
    const { grants } = await revokeAuthorizedClient(c.get('services').database.db, principal.userId, clientId);
    c.get('services').credentialsRevoked?.();
    c.get('log').info({ clientId, grants }, 'mcp client revoked');
    return c.json({ revoked: true as const, clientId }, 200);
  });
}
