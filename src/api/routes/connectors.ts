import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { importConnectors } from '../../directory/import.ts';
import { CATEGORIES } from '../../directory/listing.ts';
import { listListings } from '../../directory/search.ts';
import { getListing } from '../../directory/store.ts';
import { addCustomConnector, removeCustomConnector, visibleOrgIds } from '../../directory/custom.ts';
import { probeAuthKind } from '../../connections/challenge.ts';
import { addressCategory } from '../../upstream/egress.ts';
import { invalidInput, notFound } from '../../shared/app-error.ts';
import { egressAllowOf } from '../../policy/egress-allow.ts';
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

const AddCustomRequest = z
  .strictObject({
    org: z.string().min(1).max(40).openapi({ description: "The organization's slug; the connector is added to it, enabled, and seen by its members only.", example: 'acme' }),
    url: z.string().min(1).max(2000).openapi({ description: "The MCP server's URL (https; http only for an address the operator allowed).", example: 'https://mcp.example.com/mcp' }),
    name: z.string().trim().min(1).max(200).optional().openapi({ description: "Shown in the directory; defaults to the directory's name for a server on the same host, else the host name." }),
    description: z.string().trim().min(1).max(4000).optional(),
    oauthClientId: z.string().trim().min(1).max(500).optional().openapi({ description: "An OAuth client registered by hand at the server's authorization server (when it offers no dynamic registration)." }),
    oauthClientSecret: z.string().min(1).max(2000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.oauthClientSecret !== undefined && body.oauthClientId === undefined) ctx.addIssue({ code: 'custom', path: ['oauthClientSecret'], message: 'needs oauthClientId', input: body.oauthClientSecret });
  })
  .openapi('CustomConnectorRequest');

const addCustom = createRoute({
  method: 'post',
  path: '/connectors',
  tags: ['connectors'],
  summary: 'Add a custom connector by URL (owners on Team and Enterprise; any member on Free (one at most) and Pro)',
  security,
  request: { body: { required: true, ...json(AddCustomRequest) } },
  responses: {
    201: { description: 'Added and enabled for the organization', ...json(z.object({ connector: ConnectorOut, matchedListing: z.string().nullable().openapi({ description: "The directory listing on the same host whose name it took, if any" }) })) },
    ...errorResponses(400, 401, 403, 404, 409, 502),
  },
});

const removeCustom = createRoute({
  method: 'delete',
  path: '/connectors/{slug}',
  tags: ['connectors'],
  summary: 'Remove a custom connector (who may add one may remove it); members\' connections to it go too',
  security,
  request: { params: z.object({ slug: z.string().min(1).max(40) }) },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

export function connectorRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { userId } = requirePrincipal(c);
    const db = c.get('services').database.db;
    const page = await listListings(db, { ...c.req.valid('query'), customOf: await visibleOrgIds(db, userId) });
    return c.json({ connectors: page.listings.map(connectorSummaryOut), total: page.total }, 200);
  });

  app.openapi(get, async (c) => {
    const { userId } = requirePrincipal(c);
    const db = c.get('services').database.db;
    const listing = await getListing(db, c.req.valid('param').slug);
    // Another organization's custom connector is answered like a missing one.
    if (listing.ownerOrgId !== null && !(await visibleOrgIds(db, userId)).includes(listing.ownerOrgId)) {
      throw notFound(`No connector has the slug "${listing.slug}". List the directory with GET /api/v1/connectors.`);
    }
    return c.json({ connector: connectorOut(listing) }, 200);
  });

  app.openapi(addCustom, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json');
    const services = c.get('services');
    const db = services.database.db;
    // The organization's own ranges count for its custom connectors, from the first check on.
    const guardOf = async (orgId: string) => services.egress.for(await egressAllowOf(db, orgId));
    const { listing, matchedListing } = await addCustomConnector(
      {
        db,
        checkUrl: async (url, orgId) => (await (await guardOf(orgId)).check(url)).addresses,
        isInternal: (address) => addressCategory(address) !== undefined,
        probeAuth: async (url, orgId) => probeAuthKind((await guardOf(orgId)).fetch, url.href),
      },
      userId,
      body,
    );
    if (body.oauthClientId !== undefined) await services.connections.setOAuthClient(listing.slug, body.oauthClientId, body.oauthClientSecret);
    if (listing.ownerOrgId) await services.policyChanges?.publish({ kind: 'enablement', orgId: listing.ownerOrgId, connector: listing.slug });
    return c.json({ connector: connectorOut(listing), matchedListing }, 201);
  });

  app.openapi(removeCustom, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const slug = c.req.valid('param').slug;
    const { orgId } = await removeCustomConnector(services.database.db, userId, slug);
    await services.policyChanges?.publish({ kind: 'enablement', orgId, connector: slug });
    return c.body(null, 204);
  });

  app.openapi(importRoute, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json');
    // People may point the server only at https registries the egress guard allows; the operator's CLI at anything.
    const egress = c.get('services').egress.base;
    if (body.registryUrl !== undefined) {
      if (!/^https:\/\//i.test(body.registryUrl.trim())) throw invalidInput(`The registry URL must be an https:// URL; got "${body.registryUrl}".`);
      // Checked now for an early, specific answer; the guard's fetch keeps it true at connect time.
      await egress.check(body.registryUrl.trim());
    }
    const source = body.serverJson !== undefined ? { serverJson: body.serverJson } : { registryUrl: body.registryUrl!, fetchOptions: { fetch: egress.fetch } };
    const report = await importConnectors(c.get('services').database.db, asUser(userId), source);
    return c.json(importReportOut(report), 200);
  });
}
