import { z } from '@hono/zod-openapi';
import { PLANS, ROLES } from '../config/schema.ts';
import type { AccessToken } from '../identity/access-tokens.ts';
import type { Member } from '../identity/memberships.ts';
import type { Organization } from '../identity/organizations.ts';
import type { User } from '../identity/users.ts';

export const UserOut = z
  .object({ id: z.string().uuid(), email: z.string(), name: z.string().nullable(), createdAt: z.string() })
  .openapi('User');

export const OrganizationOut = z
  .object({ id: z.string().uuid(), slug: z.string(), name: z.string(), plan: z.enum(PLANS), parentId: z.string().uuid().nullable(), createdAt: z.string() })
  .openapi('Organization');

export const MembershipOut = z.object({ organization: OrganizationOut, role: z.enum(ROLES) }).openapi('Membership');

export const MemberOut = z
  .object({ userId: z.string().uuid(), email: z.string(), name: z.string().nullable(), role: z.enum(ROLES), joinedAt: z.string() })
  .openapi('Member');

export const AccessTokenOut = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    hint: z.string().openapi({ description: 'The last characters of the token, to recognise it.', example: 'sbp_…x9Qa' }),
    source: z.enum(['user', 'cli', 'bootstrap']),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('AccessToken');

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const userOut = (u: User): z.infer<typeof UserOut> => ({ id: u.id, email: u.email, name: u.name, createdAt: u.createdAt.toISOString() });
export const organizationOut = (o: Organization): z.infer<typeof OrganizationOut> => ({ ...o, createdAt: o.createdAt.toISOString() });
export const memberOut = (m: Member): z.infer<typeof MemberOut> => ({ ...m, joinedAt: m.joinedAt.toISOString() });
export const accessTokenOut = (t: AccessToken): z.infer<typeof AccessTokenOut> => ({
  id: t.id,
  name: t.name,
  hint: t.hint,
  source: t.source,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: iso(t.lastUsedAt),
  expiresAt: iso(t.expiresAt),
  revokedAt: iso(t.revokedAt),
});

/** Routes that accept either a personal access token or the web session. */
export const SIGNED_IN: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { cookieAuth: [] }];
