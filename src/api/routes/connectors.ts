import { assertPublicHttpsUrl } from '../../upstream/public-address.ts';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { importConnectors } from '../../directory/import.ts';
import { CATEGORIES } from '../../directory/listing.ts';
import { listListings } from '../../directory/search.ts';
import { getListing } from '../../directory/store.ts';
import { asUser } from '../../identity/actor.ts';
import { ConnectorOut, ConnectorSummaryOut, ImportReportOut, connectorOut, connectorSummaryOut, importReportOut } from '../connector-schemas.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

const security = SIGNED_IN;
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const ListQuery = z.object({
  q: z.string().max(200).optional().openapi({ description: 'Words to look for in name, tagline, description, use cases and category (case-insensitive; every word must match).', example: 'issue tracker' }),
  category: z.enum(CATEGORIES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const ImportRequest = z
  .object({
    serverJson: z.record(z.string(), z.unknown()).optional().openapi({ description: 'One MCP Registry server.json document.' }),
    registryUrl: z.string().min(1).max(2000).optional().openapi({ description: "An MCP Registry's base URL; its /v0.1/servers list is read page by page.", example: 'https://registry.modelcontextprotocol.io' }),
  })
  .superRefine((body, ctx) => {
    if ((body.serverJson === undefined) === (body.registryUrl === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'send exactly one of "serverJson" (a server.json object) or "registryUrl" (a registry base URL)', input: body });
    }
  })
  .openapi('ConnectorImportRequest');

const list = createRoute({
  method: 'get',
  path: '/connectors',
  tags: ['connectors'],
  summary: 'The connector directory: search by words, filter by category',
  security,
  request: { query: ListQuery },
  responses: { 200: { description: 'Listings, best match first (by name without a query)', ...json(z.object({ connectors: z.array(ConnectorSummaryOut), total: z.number().int() })) }, ...errorResponses(400, 401) },
});

const get = createRoute({
  method: 'get',
  path: '/connectors/{slug}',
  tags: ['connectors'],
  summary: 'One listing: description, use cases, capabilities, tools, availability',
  security,
  request: { params: z.object({ slug: z.string().min(1).max(40) }) },
  responses: { 200: { description: 'The listing', ...json(z.object({ connector: ConnectorOut })) }, ...errorResponses(401, 404) },
});

const importRoute = createRoute({
  method: 'post',
  path: '/connectors/import',
  tags: ['connectors'],
  summary: 'Import listings from an MCP Registry server.json or registry (organization owners)',
  security,
  request: { body: { required: true, ...json(ImportRequest) } },
  responses: { 200: { description: 'What was created, updated, left unchanged or skipped, with reasons', ...json(ImportReportOut) }, ...errorResponses(400, 401, 403, 502) },
});

export function connectorRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    requirePrincipal(c);
    const page = await listListings(c.get('services').database.db, c.req.valid('query'));
    return c.json({ connectors: page.listings.map(connectorSummaryOut), total: page.total }, 200);
  });

  app.openapi(get, async (c) => {
    requirePrincipal(c);
    const listing = await getListing(c.get('services').database.db, c.req.valid('param').slug);
    return c.json({ connector: connectorOut(listing) }, 200);
  });

  app.openapi(importRoute, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json');
    // People may point the server only at public https registries; the operator's CLI may import from anywhere.
    const egress = c.get('services').egress;
    if (body.registryUrl !== undefined) {
      await assertPublicHttpsUrl(body.registryUrl, 'The registry URL');
      // The check above gives the early, specific answer; the guard's fetch keeps it true at connect time.
      if (egress) await egress.check(body.registryUrl);
    }
    const source = body.serverJson !== undefined ? { serverJson: body.serverJson } : { registryUrl: body.registryUrl!, ...(egress ? { fetchOptions: { fetch: egress.fetch } } : {}) };
    const report = await importConnectors(c.get('services').database.db, asUser(userId), source);
    return c.json(importReportOut(report), 200);
  });
}
