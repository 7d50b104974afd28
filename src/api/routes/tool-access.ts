import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { organizationFor } from '../../gateway/organization.ts';
import { listAccessTokens } from '../../identity/access-tokens.ts';
import { asUser } from '../../identity/actor.ts';
import { listAuthorizedClients } from '../../mcp-auth/clients.ts';
import { getOrgToolPins, getPersonToolAccess, MAX_CLIENT_MODES, MAX_PINS, setOrgToolPins, setPersonToolAccess, TOOL_ACCESS_MODES, type OrgToolPins, type ToolAccessMode } from '../../policy/tool-access.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

/** Tool access modes and pinned tools (docs/tool-access.md), with the token figures of each mode. */

const security = SIGNED_IN;
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const ModeOut = z.enum(TOOL_ACCESS_MODES).openapi({ description: 'auto: every tool while the definitions fit the budget and you use fewer than 10 connectors, else on demand; always: every tool; on_demand: search_tools, call_tool, suggest_connectors and pinned tools.' });
const LoadedOut = z.enum(['always', 'on_demand']);
const PinnedToolOut = z
  .object({ connector: z.string().openapi({ example: 'demo-tracker' }), tool: z.string().openapi({ description: "The tool's own name at the connector.", example: 'list_issues' }) })
  .openapi('PinnedTool', { description: 'A tool kept loaded in every mode (when the policy lets you use it).' });
const ClientModeIn = z.strictObject({
  kind: z.enum(['oauth', 'token']).openapi({ description: 'oauth: an MCP client you authorized (GET /me/clients); token: one of your personal access tokens (GET /me/tokens).' }),
  id: z.string().min(1).max(2000).openapi({ description: 'The OAuth client id, or the token id.' }),
  mode: ModeOut,
});

const FiguresOut = z
  .object({
    organization: z.string().nullable().openapi({ description: 'The organization the figures are for (its slug).' }),
    contextTokens: z.number().int().openapi({ description: 'The context size assumed for MCP clients (gateway.mcpContextTokens).' }),
    budgetTokens: z.number().int().openapi({ description: "Auto's budget: 10% of the context." }),
    connectors: z.number().int().openapi({ description: 'Connectors your tools come from.' }),
    always: z.object({ tools: z.number().int(), tokens: z.number().int() }).openapi({ description: 'Always available: every tool definition.' }),
    onDemand: z.object({ tools: z.number().int(), tokens: z.number().int() }).openapi({ description: "On demand: Switchboard's three tools and the pinned ones." }),
    auto: z.object({ resolvesTo: LoadedOut, reason: z.string() }),
    problems: z.array(z.object({ connector: z.string(), message: z.string() })).openapi({ description: 'Connectors whose tools could not be listed: not counted.' }),
  })
  .openapi('ToolAccessFigures', { description: 'Tokens of tool definitions per mode, counted with a real tokenizer (o200k_base).' });

const ToolAccessOut = z
  .object({
    mode: ModeOut.openapi({ description: 'Your default mode.' }),
    resolvesTo: LoadedOut.nullable().openapi({ description: 'What your default mode serves now (Auto resolved); null without figures.' }),
    pinned: z.array(PinnedToolOut),
    clients: z.array(
      z.object({
        kind: z.enum(['oauth', 'token']),
        id: z.string(),
        name: z.string().nullable().openapi({ description: "The client's or token's name; null if it is gone." }),
        mode: ModeOut,
        resolvesTo: LoadedOut.nullable(),
      }),
    ),
    organization: z.object({ slug: z.string(), pinned: z.array(PinnedToolOut) }).nullable().openapi({ description: "The organization's pinned tools (owners set them)." }),
    figures: FiguresOut.nullable().openapi({ description: 'Null when this server runs without the gateway.' }),
  })
  .openapi('ToolAccess');

const ToolAccessIn = z
  .strictObject({
    mode: ModeOut.optional(),
    clients: z.array(ClientModeIn).max(MAX_CLIENT_MODES).optional().openapi({ description: 'Replaces every per-client mode.' }),
    pinned: z.array(z.strictObject({ connector: z.string().min(1).max(64), tool: z.string().min(1).max(128) })).max(MAX_PINS).optional().openapi({ description: 'Replaces your pinned tools.' }),
  })
  .openapi('ToolAccessRequest', {
    description: 'Each field you send replaces that setting; fields left out stay as they are.',
    example: { mode: 'on_demand', clients: [{ kind: 'oauth', id: 'https://client.example/metadata.json', mode: 'always' }], pinned: [{ connector: 'demo-tracker', tool: 'list_issues' }] },
  });

const OrgPinsOut = z
  .object({ pinned: z.array(PinnedToolOut), updatedBy: z.string().nullable(), updatedAt: z.string().nullable() })
  .openapi('OrganizationToolPins');
const orgPinsOut = (p: OrgToolPins): z.infer<typeof OrgPinsOut> => ({ pinned: p.pinned, updatedBy: p.updatedBy, updatedAt: p.updatedAt?.toISOString() ?? null });

const OrgQuery = z.object({ org: z.string().min(1).max(40).optional().openapi({ description: 'The organization for the figures (its slug); your default one when left out.' }) });

const getMine = createRoute({
  method: 'get',
  path: '/me/tool-access',
  tags: ['tool access'],
  summary: 'Your tool access mode, per-client modes, pinned tools, and the token figures of each mode',
  security,
  request: { query: OrgQuery },
  responses: { 200: { description: 'Your settings and figures', ...json(ToolAccessOut) }, ...errorResponses(401, 403) },
});

const setMine = createRoute({
  method: 'put',
  path: '/me/tool-access',
  tags: ['tool access'],
  summary: 'Set your tool access mode, per-client modes and pinned tools; your MCP clients list their tools again',
  security,
  request: { query: OrgQuery, body: { required: true, ...json(ToolAccessIn) } },
  responses: { 200: { description: 'Your settings now', ...json(ToolAccessOut.extend({ changed: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) },
});

const OrgParam = z.object({ slug: z.string().min(1).max(40) });

const getOrg = createRoute({
  method: 'get',
  path: '/orgs/{slug}/tool-access',
  tags: ['tool access'],
  summary: "The tools the organization keeps loaded for every member (any member)",
  security,
  request: { params: OrgParam },
  responses: { 200: { description: 'Pinned tools', ...json(OrgPinsOut) }, ...errorResponses(401, 404) },
});

const setOrg = createRoute({
  method: 'put',
  path: '/orgs/{slug}/tool-access',
  tags: ['tool access'],
  summary: "Replace the organization's pinned tools (owners); loaded in every member's On demand list when the policy lets them use the tool",
  security,
  request: { params: OrgParam, body: { required: true, ...json(z.strictObject({ pinned: z.array(PinnedToolOut).max(MAX_PINS) }).openapi('OrganizationToolPinsRequest')) } },
  responses: { 200: { description: 'Pinned tools now', ...json(OrgPinsOut.extend({ changed: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) },
});

export function toolAccessRoutes(app: OpenAPIHono<AppEnv>): void {
  /** Settings, client names and figures for one person, in one organization. */
  async function describe(c: Context<AppEnv>, userId: string, orgSlug: string | undefined): Promise<z.infer<typeof ToolAccessOut>> {
    const services = c.get('services');
    const db = services.database.db;
    // The organization an /mcp request without ?org= acts in, unless one is named (the same rule).
    const orgId = await organizationFor(db, userId, orgSlug);
    const [access, tokens, clients, counted, org] = await Promise.all([
      getPersonToolAccess(db, userId),
      listAccessTokens(db, userId),
      listAuthorizedClients(db, userId),
      services.toolAccess?.figures(userId, orgSlug),
      orgId ? db.selectFrom('organizations').select('slug').where('id', '=', orgId).executeTakeFirst() : undefined,
    ]);
    const orgPins = org ? await getOrgToolPins(db, asUser(userId), org.slug) : undefined;
    const resolve = (mode: ToolAccessMode) => (counted ? (mode === 'auto' ? counted.figures.auto.resolvesTo : mode) : null);
    return {
      mode: access.mode,
      resolvesTo: resolve(access.mode),
      pinned: access.pinned,
      clients: access.clients.map((cl) => ({
        ...cl,
        name: cl.kind === 'token' ? (tokens.find((t) => t.id === cl.id)?.name ?? null) : (clients.find((k) => k.clientId === cl.id)?.clientName ?? null),
        resolvesTo: resolve(cl.mode),
      })),
      organization: org && orgPins ? { slug: org.slug, pinned: orgPins.pinned } : null,
      figures: counted ? { organization: org?.slug ?? null, ...counted.figures, problems: counted.problems } : null,
    };
  }

  app.openapi(getMine, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await describe(c, userId, c.req.valid('query').org), 200);
  });

  app.openapi(setMine, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const db = services.database.db;
    // Read once for all the client modes sent (up to MAX_CLIENT_MODES of them), not once per client.
    let tokens: ReturnType<typeof listAccessTokens> | undefined;
    let clients: ReturnType<typeof listAuthorizedClients> | undefined;
    const { changed } = await setPersonToolAccess(db, userId, c.req.valid('json'), {
      bus: services.policyChanges,
      isOwnClient: async (client) =>
        client.kind === 'token'
          ? (await (tokens ??= listAccessTokens(db, userId))).some((t) => t.id === client.id && !t.revokedAt)
          : (await (clients ??= listAuthorizedClients(db, userId))).some((k) => k.clientId === client.id),
    });
    return c.json({ ...(await describe(c, userId, c.req.valid('query').org)), changed }, 200);
  });

  app.openapi(getOrg, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(orgPinsOut(await getOrgToolPins(c.get('services').database.db, asUser(userId), c.req.valid('param').slug)), 200);
  });

  app.openapi(setOrg, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const result = await setOrgToolPins(services.database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json').pinned, services.policyChanges);
    return c.json({ ...orgPinsOut(result.pins), changed: result.changed }, 200);
  });
}
