import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getListing } from '../../directory/store.ts';
import { asUser } from '../../identity/actor.ts';
import { getOrganizationBySlug, roleOf } from '../../identity/organizations.ts';
import { DECISIONS, TOOL_CATEGORIES } from '../../policy/decide.ts';
import { orgRulesSchema, personRulesSchema } from '../../policy/rules.ts';
import {
  decideFor,
  disableConnector,
  enableConnector,
  getOrgRules,
  getPersonRules,
  listEnabledConnectors,
  loadPolicyContext,
  setOrgRules,
  setPersonRules,
  type Enablement,
  type OrgRules,
  type PersonRules,
} from '../../policy/store.ts';
import { getEgressAllow, setEgressAllow } from '../../policy/egress-allow.ts';
import { getInteractiveUi, setInteractiveUi, type InteractiveUiSetting } from '../../policy/interactive-ui.ts';
import { notFound } from '../../shared/app-error.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

const security = SIGNED_IN;
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const OrgParam = z.object({ slug: z.string().min(1).max(40) });
const OrgConnectorParam = OrgParam.extend({ connector: z.string().min(1).max(64) });
const ConnectorParam = z.object({ connector: z.string().min(1).max(64) });

const DecisionOut = z.enum(DECISIONS).openapi({ description: 'allow: runs; ask: needs the person\'s approval each time; block: hidden and refused.' });
const CategoryRulesOut = z
  .object({ read: DecisionOut.optional(), write: DecisionOut.optional(), other: DecisionOut.optional() })
  .openapi('CategoryRules', { description: 'A decision per tool category; a category left out has no rule.' });
const ToolRulesOut = z.record(z.string(), DecisionOut).openapi({ description: "Tool name (the connector's own) → decision." });

const EnabledConnectorOut = z
  .object({
    connector: z.string().openapi({ example: 'linear' }),
    name: z.string(),
    authKind: z.enum(['oauth', 'headers', 'none']).openapi({ description: 'none: available to every member once enabled; otherwise each member connects their own account.' }),
    enabledBy: z.object({ userId: z.string().uuid(), email: z.string() }).nullable().openapi({ description: 'Null when the operator enabled it (bootstrap file or CLI).' }),
    enabledAt: z.string(),
  })
  .openapi('EnabledConnector');

const OrgRulesOut = z
  .object({
    connector: z.string(),
    categories: CategoryRulesOut,
    tools: ToolRulesOut,
    overrides: z.record(z.string(), z.enum(TOOL_CATEGORIES)).openapi({ description: 'Tool name → the category it counts in, whatever its annotations say.' }),
    updatedBy: z.string().uuid().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi('OrganizationConnectorRules');

const PersonRulesOut = z
  .object({
    connector: z.string(),
    categories: CategoryRulesOut,
    tools: ToolRulesOut,
    disabled: z.boolean().openapi({ description: 'You switched the connector off for yourself.' }),
    updatedAt: z.string().nullable(),
  })
  .openapi('PersonalConnectorRules');

const ToolDecisionOut = z
  .object({
    name: z.string(),
    decision: DecisionOut,
    category: z.enum(TOOL_CATEGORIES),
    categoryFrom: z.enum(['owner', 'annotations']),
    source: z.enum(['plan', 'enablement', 'person-off', 'org-tool', 'org-category', 'person-tool', 'person-category', 'default']),
    reason: z.string(),
  })
  .openapi('ToolDecision');

// Rebuilt here from the policy module's shapes: a schema made before @hono/zod-openapi loads has no .openapi().
const OrgRulesRequest = z.strictObject(orgRulesSchema.shape).openapi('OrganizationConnectorRulesRequest', {
  description: 'Replaces the rules: what is left out has no rule. The most restrictive applicable rule wins.',
  example: { categories: { read: 'allow', write: 'block', other: 'ask' }, tools: { delete_issue: 'block' }, overrides: { search: 'read' } },
});
const PersonRulesRequest = z.strictObject(personRulesSchema.shape).openapi('PersonalConnectorRulesRequest', {
  description: "Replaces your rules for the connector. They can only narrow what your organizations allow.",
  example: { categories: { write: 'ask' }, tools: {}, disabled: false },
});

const enablementOut = (e: Enablement): z.infer<typeof EnabledConnectorOut> => ({ connector: e.connector, name: e.connectorName, authKind: e.authKind, enabledBy: e.enabledBy, enabledAt: e.enabledAt.toISOString() });
const orgRulesOut = (r: OrgRules): z.infer<typeof OrgRulesOut> => ({ ...r, updatedAt: r.updatedAt?.toISOString() ?? null });
const personRulesOut = (r: PersonRules): z.infer<typeof PersonRulesOut> => ({ ...r, updatedAt: r.updatedAt?.toISOString() ?? null });

const listEnabled = createRoute({
  method: 'get',
  path: '/orgs/{slug}/connectors',
  tags: ['policy'],
  summary: 'Connectors the organization enabled (any member)',
  security,
  request: { params: OrgParam },
  responses: { 200: { description: 'Enabled connectors', ...json(z.object({ connectors: z.array(EnabledConnectorOut) })) }, ...errorResponses(401, 404) },
});

const enable = createRoute({
  method: 'put',
  path: '/orgs/{slug}/connectors/{connector}',
  tags: ['policy'],
  summary: '"Add to your team": enable a connector for the organization (owners). Grants no account access: each member connects their own.',
  security,
  request: { params: OrgConnectorParam },
  responses: { 200: { description: 'Enabled (also when it already was)', ...json(z.object({ connector: EnabledConnectorOut, changed: z.boolean() })) }, ...errorResponses(401, 403, 404) },
});

const disable = createRoute({
  method: 'delete',
  path: '/orgs/{slug}/connectors/{connector}',
  tags: ['policy'],
  summary: 'Remove a connector from the organization (owners); its rules are kept for a later re-enable',
  security,
  request: { params: OrgConnectorParam },
  responses: { 204: { description: 'Removed (also when it was not enabled)' }, ...errorResponses(401, 403, 404) },
});

const getOrg = createRoute({
  method: 'get',
  path: '/orgs/{slug}/connectors/{connector}/policy',
  tags: ['policy'],
  summary: "The organization's rules for a connector (any member)",
  security,
  request: { params: OrgConnectorParam },
  responses: { 200: { description: 'The rules', ...json(z.object({ rules: OrgRulesOut })) }, ...errorResponses(401, 404) },
});

const setOrg = createRoute({
  method: 'put',
  path: '/orgs/{slug}/connectors/{connector}/policy',
  tags: ['policy'],
  summary: "Set the organization's rules for a connector (owners); applies at once to every member",
  security,
  request: { params: OrgConnectorParam, body: { required: true, ...json(OrgRulesRequest) } },
  responses: { 200: { description: 'The rules now in force', ...json(z.object({ rules: OrgRulesOut, changed: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) },
});

const decisions = createRoute({
  method: 'get',
  path: '/orgs/{slug}/connectors/{connector}/decisions',
  tags: ['policy'],
  summary: "What the policy decides for you, per known tool of the connector, in this organization",
  security,
  request: { params: OrgConnectorParam },
  responses: {
    200: {
      description: 'One decision per tool, with its reason',
      ...json(z.object({ connector: z.string(), toolsKnown: z.boolean().openapi({ description: 'False when no tool list is known for the connector yet.' }), tools: z.array(ToolDecisionOut) })),
    },
    ...errorResponses(401, 404),
  },
});

const getMine = createRoute({
  method: 'get',
  path: '/me/connectors/{connector}/policy',
  tags: ['policy'],
  summary: 'Your own rules for a connector, and whether you switched it off',
  security,
  request: { params: ConnectorParam },
  responses: { 200: { description: 'Your rules', ...json(z.object({ rules: PersonRulesOut })) }, ...errorResponses(401, 404) },
});

const setMine = createRoute({
  method: 'put',
  path: '/me/connectors/{connector}/policy',
  tags: ['policy'],
  summary: 'Set your own rules for a connector and your off switch; they can only narrow what organizations allow',
  security,
  request: { params: ConnectorParam, body: { required: true, ...json(PersonRulesRequest) } },
  responses: { 200: { description: 'Your rules now', ...json(z.object({ rules: PersonRulesOut, changed: z.boolean() })) }, ...errorResponses(400, 401, 404) },
});

const InteractiveUiOut = z
  .object({
    connector: z.string(),
    enabled: z.boolean().openapi({ description: "false: the connector's tools still answer with text, but its ui:// resources are withheld and tools no longer point at them" }),
    updatedBy: z.string().nullable().openapi({ description: 'The owner who last changed it; null if never changed or changed by the operator' }),
    updatedAt: z.string().nullable(),
  })
  .openapi('InteractiveUi');
const interactiveUiOut = (s: InteractiveUiSetting): z.infer<typeof InteractiveUiOut> => ({ ...s, updatedAt: s.updatedAt?.toISOString() ?? null });

const getUi = createRoute({
  method: 'get',
  path: '/orgs/{slug}/connectors/{connector}/ui',
  tags: ['policy'],
  summary: "Whether the connector's interactive UI (MCP Apps) is on in the organization (any member)",
  security,
  request: { params: OrgConnectorParam },
  responses: { 200: { description: 'The setting', ...json(z.object({ ui: InteractiveUiOut })) }, ...errorResponses(401, 404) },
});

const setUi = createRoute({
  method: 'put',
  path: '/orgs/{slug}/connectors/{connector}/ui',
  tags: ['policy'],
  summary: "Switch the connector's interactive UI on or off for the organization (owners), without switching the connector off",
  security,
  request: { params: OrgConnectorParam, body: { required: true, ...json(z.strictObject({ enabled: z.boolean() })) } },
  responses: { 200: { description: 'The setting now in force', ...json(z.object({ ui: InteractiveUiOut, changed: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) },
});

const EgressAllowBody = z.strictObject({ allow: z.array(z.string().min(1).max(50)).max(50).openapi({ description: 'CIDR ranges, e.g. ["10.20.0.0/16", "fd00:1::/48"]', example: ['10.20.0.0/16'] }) }).openapi('EgressAllowList');

const getEgress = createRoute({
  method: 'get',
  path: '/orgs/{slug}/egress',
  tags: ['policy'],
  summary: "The organization's egress allow-list: address ranges its custom connectors may reach (any member)",
  security,
  request: { params: OrgParam },
  responses: { 200: { description: 'The ranges', ...json(EgressAllowBody) }, ...errorResponses(401, 404) },
});

const setEgress = createRoute({
  method: 'put',
  path: '/orgs/{slug}/egress',
  tags: ['policy'],
  summary: "Replace the organization's egress allow-list (owners). It opens these ranges for the organization's custom connectors only",
  security,
  request: { params: OrgParam, body: { required: true, ...json(EgressAllowBody) } },
  responses: { 200: { description: 'The ranges now in force', ...json(EgressAllowBody.extend({ changed: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) },
});

export function policyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getEgress, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json({ allow: await getEgressAllow(c.get('services').database.db, asUser(userId), c.req.valid('param').slug) }, 200);
  });

  app.openapi(setEgress, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const result = await setEgressAllow(services.database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json').allow, services.policyChanges);
    return c.json({ allow: result.allow, changed: result.changed }, 200);
  });

  app.openapi(getUi, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    return c.json({ ui: interactiveUiOut(await getInteractiveUi(c.get('services').database.db, asUser(userId), slug, connector)) }, 200);
  });

  app.openapi(setUi, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    const services = c.get('services');
    const result = await setInteractiveUi(services.database.db, asUser(userId), slug, connector, c.req.valid('json').enabled, services.policyChanges);
    return c.json({ ui: interactiveUiOut(result.setting), changed: result.changed }, 200);
  });

  app.openapi(listEnabled, async (c) => {
    const { userId } = requirePrincipal(c);
    const list = await listEnabledConnectors(c.get('services').database.db, asUser(userId), c.req.valid('param').slug);
    return c.json({ connectors: list.map(enablementOut) }, 200);
  });

  app.openapi(enable, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    const services = c.get('services');
    const result = await enableConnector(services.database.db, asUser(userId), slug, connector, services.policyChanges);
    return c.json({ connector: enablementOut(result.enablement), changed: result.changed }, 200);
  });

  app.openapi(disable, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    const services = c.get('services');
    await disableConnector(services.database.db, asUser(userId), slug, connector, services.policyChanges);
    return c.body(null, 204);
  });

  app.openapi(getOrg, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    return c.json({ rules: orgRulesOut(await getOrgRules(c.get('services').database.db, asUser(userId), slug, connector)) }, 200);
  });

  app.openapi(setOrg, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    const services = c.get('services');
    const result = await setOrgRules(services.database.db, asUser(userId), slug, connector, c.req.valid('json'), services.policyChanges);
    return c.json({ rules: orgRulesOut(result.rules), changed: result.changed }, 200);
  });

  app.openapi(decisions, async (c) => {
    const { userId } = requirePrincipal(c);
    const { slug, connector } = c.req.valid('param');
    const db = c.get('services').database.db;
    const org = await getOrganizationBySlug(db, slug).catch(() => undefined);
    // Someone else's organization answers exactly like a missing one.
    if (!org || !(await roleOf(db, org.id, userId))) throw notFound(`No organization has the slug "${slug}" among yours.`);
    const ctx = await loadPolicyContext(db, userId, org.id);
    const listing = await getListing(db, connector);
    const tools = (listing.tools ?? []).map((tool) => ({ name: tool.name, ...decideFor(ctx, listing, tool) }));
    return c.json({ connector: listing.slug, toolsKnown: listing.tools !== null, tools }, 200);
  });

  app.openapi(getMine, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json({ rules: personRulesOut(await getPersonRules(c.get('services').database.db, userId, c.req.valid('param').connector)) }, 200);
  });

  app.openapi(setMine, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const result = await setPersonRules(services.database.db, userId, c.req.valid('param').connector, c.req.valid('json'), services.policyChanges);
    return c.json({ rules: personRulesOut(result.rules), changed: result.changed }, 200);
  });
}
