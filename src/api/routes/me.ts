import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { organizationsOf } from '../../identity/organizations.ts';
import { getUser } from '../../identity/users.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { MembershipOut, SIGNED_IN, UserOut, organizationOut, userOut } from '../schemas.ts';

const MeOut = z
  .object({
    user: UserOut,
    organizations: z.array(MembershipOut),
    auth: z.object({ method: z.enum(['token', 'session']), csrfToken: z.string().optional().openapi({ description: 'For cookie sessions: send it as X-CSRF-Token on changes.' }) }),
  })
  .openapi('Me');

const getMe = createRoute({
  method: 'get',
  path: '/me',
  tags: ['account'],
  summary: 'The authenticated person, their organizations and roles',
  security: SIGNED_IN,
  responses: { 200: { description: 'The authenticated person', content: { 'application/json': { schema: MeOut } } }, ...errorResponses(401) },
});

export function meRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getMe, async (c) => {
    const principal = requirePrincipal(c);
    const db = c.get('services').database.db;
    const [user, memberships] = await Promise.all([getUser(db, principal.userId), organizationsOf(db, principal.userId)]);
    return c.json(
      {
        user: userOut(user),
        organizations: memberships.map((m) => ({ organization: organizationOut(m.organization), role: m.role })),
        auth: { method: principal.via, ...(principal.session ? { csrfToken: principal.session.csrfToken } : {}) },
      },
      200,
    );
  });
}
