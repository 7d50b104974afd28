import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { AppError } from '../shared/app-error.ts';

/**
 * Which organization's rules apply to an /mcp request: the one the client names (header
 * `X-Switchboard-Org` or `?org=`, by slug), which the person must belong to; else the person's first
 * organization by slug, so the choice is stable across requests and nodes.
 */
export async function organizationFor(db: Kysely<DB>, userId: string, requested: string | undefined): Promise<string | undefined> {
  const memberships = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select(['organizations.id', 'organizations.slug'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.slug')
    .execute();
  if (requested === undefined || requested === '') return memberships[0]?.id;
  const match = memberships.find((m) => m.slug === requested);
  if (!match) throw new AppError(403, 'forbidden', `You are not a member of an organization "${requested}". Remove the X-Switchboard-Org header (or ?org=) to use your default organization, or name one of yours: ${memberships.map((m) => m.slug).join(', ') || 'none'}.`);
  return match.id;
}
