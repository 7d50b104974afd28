import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import type { Role } from '../../src/config/schema.ts';
import { createAccessToken } from '../../src/identity/access-tokens.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { addMember } from '../../src/identity/memberships.ts';
import { createOrganization } from '../../src/identity/organizations.ts';
import { createUser, type User } from '../../src/identity/users.ts';

export interface Person {
  user: User;
  token: string;
}

export async function person(db: Kysely<DB>, email: string, password?: string): Promise<Person> {
  const user = await createUser(db, { email, password });
  const { secret } = await createAccessToken(db, { userId: user.id, name: 'test', source: 'cli' });
  return { user, token: secret };
}

/** An organization with a primary owner and the given other members, created by the operator. */
export async function organization(db: Kysely<DB>, slug: string, primary: Person, others: Array<[Person, Role]> = [], plan: 'free' | 'pro' | 'team' | 'enterprise' = 'team') {
  const org = await createOrganization(db, OPERATOR, { slug, name: `${slug} org`, plan, primaryOwnerId: primary.user.id });
  for (const [p, role] of others) await addMember(db, OPERATOR, slug, p.user.email, role);
  return org;
}
