import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { asUser } from '../../identity/actor.ts';
import { addDomain, getEnterpriseSetting, listDomains, removeDomain, setEnterpriseRestriction, verifyDomain, type OrgDomain } from '../../identity/domains.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

/** Verified domains and the enterprise restriction of an organization (docs/enterprise.md). Owners change, members read. */
const security = SIGNED_IN;
const SlugParam = z.object({ slug: z.string().min(1).max(40) });
const DomainParam = SlugParam.extend({ domain: z.string().min(1).max(253) });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const DomainOut = z
  .object({
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    method: z.enum(['dns', 'manual']).nullable(),
    txtRecord: z.string().openapi({ description: 'Publish this as a TXT record at the domain itself, then verify.', example: 'switchboard-verification=3kq0Zr1mXbQe…' }),
    createdAt: z.string(),
  })
  .openapi('OrgDomain');
const EnterpriseOut = z
  .object({
    restrictVerifiedDomains: z.boolean(),
    eligible: z.boolean().openapi({ description: 'Whether the restriction can be turned on: the organization has child organizations or a verified domain.' }),
  })
  .openapi('EnterpriseSetting');

const domainOut = (d: OrgDomain): z.infer<typeof DomainOut> => ({ ...d, verifiedAt: d.verifiedAt?.toISOString() ?? null, createdAt: d.createdAt.toISOString() });

const list = createRoute({
  method: 'get',
  path: '/orgs/{slug}/domains',
  tags: ['enterprise'],
  summary: "The organization's domains, verified or not (members)",
  security,
  request: { params: SlugParam },
  responses: { 200: { description: 'Domains', ...json(z.object({ domains: z.array(DomainOut) })) }, ...errorResponses(401, 404) },
});

const add = createRoute({
  method: 'post',
  path: '/orgs/{slug}/domains',
  tags: ['enterprise'],
  summary: 'Claim a domain; returns the TXT record to publish at it (owners)',
  security,
  request: { params: SlugParam, body: { required: true, ...json(z.object({ domain: z.string().min(1).max(253) }).openapi('AddDomainRequest')) } },
  responses: { 201: { description: 'Added (or already added)', ...json(z.object({ domain: DomainOut })) }, ...errorResponses(400, 401, 403, 404, 409) },
});

const verify = createRoute({
  method: 'post',
  path: '/orgs/{slug}/domains/{domain}/verify',
  tags: ['enterprise'],
  summary: 'Verify a domain by looking up its TXT record (owners)',
  security,
  request: { params: DomainParam },
  responses: { 200: { description: 'Verified', ...json(z.object({ domain: DomainOut })) }, ...errorResponses(400, 401, 403, 404, 409, 422, 502) },
});

const remove = createRoute({
  method: 'delete',
  path: '/orgs/{slug}/domains/{domain}',
  tags: ['enterprise'],
  summary: 'Remove a domain, verified or not (owners)',
  security,
  request: { params: DomainParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
});

const getEnterprise = createRoute({
  method: 'get',
  path: '/orgs/{slug}/enterprise',
  tags: ['enterprise'],
  summary: 'The enterprise restriction of verified-domain identities (members)',
  security,
  request: { params: SlugParam },
  responses: { 200: { description: 'The setting', ...json(EnterpriseOut) }, ...errorResponses(401, 404) },
});

const putEnterprise = createRoute({
  method: 'put',
  path: '/orgs/{slug}/enterprise',
  tags: ['enterprise'],
  summary: 'Restrict identities on verified domains to people inside the enterprise, or stop (owners)',
  security,
  request: { params: SlugParam, body: { required: true, ...json(z.object({ restrictVerifiedDomains: z.boolean() }).openapi('EnterpriseSettingRequest')) } },
  responses: { 200: { description: 'The setting', ...json(EnterpriseOut) }, ...errorResponses(400, 401, 403, 404) },
});

export function domainRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { userId } = requirePrincipal(c);
    const domains = await listDomains(c.get('services').database.db, asUser(userId), c.req.valid('param').slug);
    return c.json({ domains: domains.map(domainOut) }, 200);
  });

  app.openapi(add, async (c) => {
    const { userId } = requirePrincipal(c);
    const domain = await addDomain(c.get('services').database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json').domain);
    return c.json({ domain: domainOut(domain) }, 201);
  });

  app.openapi(verify, async (c) => {
    const { userId } = requirePrincipal(c);
    const params = c.req.valid('param');
    const services = c.get('services');
    const domain = await verifyDomain(services.database.db, asUser(userId), params.slug, params.domain, services.resolveTxt ? { resolveTxt: services.resolveTxt } : {});
    return c.json({ domain: domainOut(domain) }, 200);
  });

  app.openapi(remove, async (c) => {
    const { userId } = requirePrincipal(c);
    const params = c.req.valid('param');
    await removeDomain(c.get('services').database.db, asUser(userId), params.slug, params.domain);
    return c.body(null, 204);
  });

  app.openapi(getEnterprise, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await getEnterpriseSetting(c.get('services').database.db, asUser(userId), c.req.valid('param').slug), 200);
  });

  app.openapi(putEnterprise, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await setEnterpriseRestriction(c.get('services').database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json').restrictVerifiedDomains), 200);
  });
}
