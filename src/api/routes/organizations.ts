import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PLANS, ROLES } from '../../config/schema.ts';
import { asUser } from '../../identity/actor.ts';
import { addMember, changeRole, listMembers, removeMember, transferPrimaryOwnership } from '../../identity/memberships.ts';
import { createOrganization, getOrganizationBySlug, roleOf, updateOrganization } from '../../identity/organizations.ts';
import { notFound } from '../../shared/app-error.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { MemberOut, OrganizationOut, SIGNED_IN, memberOut, organizationOut } from '../schemas.ts';

const security = SIGNED_IN;
const SlugParam = z.object({ slug: z.string().min(1).max(40) });
const MemberParam = SlugParam.extend({ userId: z.string().uuid() });
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const create = createRoute({
  method: 'post',
  path: '/orgs',
  tags: ['organizations'],
  summary: 'Create an organization with yourself as primary owner (free plan)',
  security,
  request: { body: { required: true, ...json(z.object({ slug: z.string(), name: z.string().min(1).max(200) }).openapi('CreateOrganizationRequest')) } },
  responses: { 201: { description: 'Created', ...json(z.object({ organization: OrganizationOut })) }, ...errorResponses(400, 401, 409) },
});

const get = createRoute({
  method: 'get',
  path: '/orgs/{slug}',
  tags: ['organizations'],
  summary: 'One of your organizations, with your role',
  security,
  request: { params: SlugParam },
  responses: { 200: { description: 'The organization', ...json(z.object({ organization: OrganizationOut, role: z.enum(ROLES) })) }, ...errorResponses(401, 404) },
});

const update = createRoute({
  method: 'patch',
  path: '/orgs/{slug}',
  tags: ['organizations'],
  summary: 'Rename (owners) or change the plan (primary owner)',
  security,
  request: { params: SlugParam, body: { required: true, ...json(z.object({ name: z.string().min(1).max(200).optional(), plan: z.enum(PLANS).optional() }).openapi('UpdateOrganizationRequest')) } },
  responses: { 200: { description: 'Updated', ...json(z.object({ organization: OrganizationOut })) }, ...errorResponses(400, 401, 403, 404) },
});

const members = createRoute({
  method: 'get',
  path: '/orgs/{slug}/members',
  tags: ['organizations'],
  summary: 'Members and their roles',
  security,
  request: { params: SlugParam },
  responses: { 200: { description: 'Members', ...json(z.object({ members: z.array(MemberOut) })) }, ...errorResponses(401, 404) },
});

const add = createRoute({
  method: 'post',
  path: '/orgs/{slug}/members',
  tags: ['organizations'],
  summary: 'Add an existing account as member or owner (owners only)',
  security,
  request: { params: SlugParam, body: { required: true, ...json(z.object({ email: z.string().min(3).max(320), role: z.enum(['owner', 'member']).default('member') }).openapi('AddMemberRequest')) } },
  responses: { 201: { description: 'Added', ...json(z.object({ member: MemberOut })) }, ...errorResponses(400, 401, 403, 404, 409) },
});

const setRole = createRoute({
  method: 'patch',
  path: '/orgs/{slug}/members/{userId}',
  tags: ['organizations'],
  summary: "Change a member's role between owner and member (owners only)",
  security,
  request: { params: MemberParam, body: { required: true, ...json(z.object({ role: z.enum(['owner', 'member']) }).openapi('ChangeRoleRequest')) } },
  responses: { 204: { description: 'Changed' }, ...errorResponses(400, 401, 403, 404, 409) },
});

const remove = createRoute({
  method: 'delete',
  path: '/orgs/{slug}/members/{userId}',
  tags: ['organizations'],
  summary: 'Remove a member (owners), or leave (yourself); never the primary owner',
  security,
  request: { params: MemberParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
});

const transfer = createRoute({
  method: 'post',
  path: '/orgs/{slug}/transfer-ownership',
  tags: ['organizations'],
  summary: 'Make another member the primary owner; you become an owner (primary owner only)',
  security,
  request: { params: SlugParam, body: { required: true, ...json(z.object({ userId: z.string().uuid() }).openapi('TransferOwnershipRequest')) } },
  responses: { 204: { description: 'Transferred' }, ...errorResponses(400, 401, 403, 404) },
});

export function organizationRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json');
    const organization = await createOrganization(c.get('services').database.db, asUser(userId), { ...body, primaryOwnerId: userId });
    return c.json({ organization: organizationOut(organization) }, 201);
  });

  app.openapi(get, async (c) => {
    const { userId } = requirePrincipal(c);
    const db = c.get('services').database.db;
    const { slug } = c.req.valid('param');
    const organization = await getOrganizationBySlug(db, slug).catch(() => undefined);
    const role = organization ? await roleOf(db, organization.id, userId) : undefined;
    // Someone else's organization answers exactly like a missing one: slugs are not for probing.
    if (!organization || !role) throw notFound(`No organization has the slug "${slug}" among yours.`);
    return c.json({ organization: organizationOut(organization), role }, 200);
  });

  app.openapi(update, async (c) => {
    const { userId } = requirePrincipal(c);
    const organization = await updateOrganization(c.get('services').database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json'));
    return c.json({ organization: organizationOut(organization) }, 200);
  });

  app.openapi(members, async (c) => {
    const { userId } = requirePrincipal(c);
    const list = await listMembers(c.get('services').database.db, asUser(userId), c.req.valid('param').slug);
    return c.json({ members: list.map(memberOut) }, 200);
  });

  app.openapi(add, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json');
    const member = await addMember(c.get('services').database.db, asUser(userId), c.req.valid('param').slug, body.email, body.role);
    return c.json({ member: memberOut(member) }, 201);
  });

  app.openapi(setRole, async (c) => {
    const { userId } = requirePrincipal(c);
    const params = c.req.valid('param');
    await changeRole(c.get('services').database.db, asUser(userId), params.slug, params.userId, c.req.valid('json').role);
    return c.body(null, 204);
  });

  app.openapi(remove, async (c) => {
    const { userId } = requirePrincipal(c);
    const params = c.req.valid('param');
    await removeMember(c.get('services').database.db, asUser(userId), params.slug, params.userId);
    return c.body(null, 204);
  });

  app.openapi(transfer, async (c) => {
    const { userId } = requirePrincipal(c);
    await transferPrimaryOwnership(c.get('services').database.db, asUser(userId), c.req.valid('param').slug, c.req.valid('json').userId);
    return c.body(null, 204);
  });
}
