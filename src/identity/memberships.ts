import type { Kysely, Transaction } from 'kysely';
import { recordAdminEvent } from '../audit/events.ts';
import type { DB } from '../db/schema.ts';
import type { Role } from '../config/schema.ts';
import { AppError, conflict, forbidden, notFound } from '../shared/app-error.ts';
import type { Actor } from './actor.ts';
import { lockOrganization, roleOf, type Organization } from './organizations.ts';
import { canManageMembers, canTransferPrimaryOwnership, GRANTABLE_ROLES } from './roles.ts';
import { findUserByEmail } from './users.ts';

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

export async function listMembers(db: Kysely<DB>, actor: Actor, orgSlug: string): Promise<Member[]> {
  const org = await db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', orgSlug).executeTakeFirst();
  if (!org || (actor.kind === 'user' && (await roleOf(db, org.id, actor.userId)) === undefined)) {
    throw notFound(`No organization has the slug "${orgSlug}" among yours.`);
  }
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', org.id)
    .orderBy('users.email')
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role, joinedAt: r.created_at }));
}

/**
 * Opens a transaction with the organization row locked and the actor's role checked, so that two
 * owners editing members at once cannot leave the organization without one.
 */
async function withOrg<T>(db: Kysely<DB>, actor: Actor, orgSlug: string, body: (trx: Transaction<DB>, org: Organization, actorRole: Role | undefined) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const org = await lockOrganization(trx, orgSlug);
    const actorRole = actor.kind === 'user' ? await roleOf(trx, org.id, actor.userId) : undefined;
    if (actor.kind === 'user' && actorRole === undefined) throw notFound(`No organization has the slug "${orgSlug}" among yours.`);
    return body(trx, org, actorRole);
  });
}

async function ownerCount(trx: Transaction<DB>, orgId: string): Promise<number> {
  const row = await trx
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', 'in', ['owner', 'primary_owner'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function addMember(db: Kysely<DB>, actor: Actor, orgSlug: string, email: string, role: Role): Promise<Member> {
  return withOrg(db, actor, orgSlug, async (trx, org, actorRole) => {
    if (actor.kind === 'user') {
      if (!canManageMembers(actorRole)) throw forbidden(`Only owners of ${org.name} can add members; ask an owner to add ${email}.`);
      if (!GRANTABLE_ROLES.includes(role)) throw forbidden('Primary ownership cannot be granted when adding a member; add them as an owner, then the primary owner can transfer primary ownership.');
    }
    const user = await findUserByEmail(trx, email);
    if (!user) throw notFound(`No Switchboard account has the email ${email}. They can sign in once with single sign-on, or an operator can create the account with \`switchboard users create\`.`);
    const existing = await roleOf(trx, org.id, user.id);
    if (existing !== undefined) throw conflict(`${user.email} is already a member of ${org.name} (role: ${existing}); change their role instead.`);
    if (role === 'primary_owner' && (await trx.selectFrom('memberships').select('user_id').where('org_id', '=', org.id).where('role', '=', 'primary_owner').executeTakeFirst())) {
      throw conflict(`${org.name} already has a primary owner; transfer primary ownership instead.`);
    }
    const row = await trx.insertInto('memberships').values({ org_id: org.id, user_id: user.id, role }).returning('created_at').executeTakeFirstOrThrow();
    await recordAdminEvent(trx, org.id, { kind: 'membership', action: 'member_added', actor, subject: user.id, details: { email: user.email, role } });
    return { userId: user.id, email: user.email, name: user.name, role, joinedAt: row.created_at };
  });
}

export async function changeRole(db: Kysely<DB>, actor: Actor, orgSlug: string, userId: string, role: Role): Promise<void> {
  await withOrg(db, actor, orgSlug, async (trx, org, actorRole) => {
    if (actor.kind === 'user' && !canManageMembers(actorRole)) throw forbidden(`Only owners of ${org.name} can change roles; ask an owner.`);
    const current = await roleOf(trx, org.id, userId);
    if (current === undefined) throw notFound(`That person is not a member of ${org.name}.`);
    if (current === role) return;
    if (current === 'primary_owner') throw forbidden('The primary owner\'s role cannot be changed; the primary owner can transfer primary ownership to someone else first.');
    if (role === 'primary_owner') throw forbidden('Primary ownership moves only by transfer from the current primary owner.');
    if (current === 'owner' && role === 'member' && (await ownerCount(trx, org.id)) <= 1) {
      throw conflict(`${org.name} would be left without an owner; make someone else an owner first.`);
    }
    await trx.updateTable('memberships').set({ role }).where('org_id', '=', org.id).where('user_id', '=', userId).execute();
    await recordAdminEvent(trx, org.id, { kind: 'membership', action: 'role_changed', actor, subject: userId, details: { from: current, to: role } });
  });
}

export async function removeMember(db: Kysely<DB>, actor: Actor, orgSlug: string, userId: string): Promise<void> {
  await withOrg(db, actor, orgSlug, async (trx, org, actorRole) => {
    const leaving = actor.kind === 'user' && actor.userId === userId;
    if (actor.kind === 'user' && !leaving && !canManageMembers(actorRole)) throw forbidden(`Only owners of ${org.name} can remove members; ask an owner.`);
    const current = await roleOf(trx, org.id, userId);
    if (current === undefined) throw notFound(`That person is not a member of ${org.name}.`);
    if (current === 'primary_owner') {
      throw forbidden(`The primary owner of ${org.name} cannot be removed${leaving ? ' or leave' : ''}; transfer primary ownership to another member first.`);
    }
    if (current === 'owner' && (await ownerCount(trx, org.id)) <= 1) {
      throw conflict(`${org.name} would be left without an owner; make someone else an owner first.`);
    }
    await trx.deleteFrom('memberships').where('org_id', '=', org.id).where('user_id', '=', userId).execute();
    await recordAdminEvent(trx, org.id, { kind: 'membership', action: 'member_removed', actor, subject: userId, details: { role: current, left: leaving } });
  });
}

export async function transferPrimaryOwnership(db: Kysely<DB>, actor: Actor, orgSlug: string, toUserId: string): Promise<void> {
  await withOrg(db, actor, orgSlug, async (trx, org, actorRole) => {
    if (actor.kind === 'user' && !canTransferPrimaryOwnership(actorRole)) throw forbidden(`Only the primary owner of ${org.name} can transfer primary ownership.`);
    const target = await roleOf(trx, org.id, toUserId);
    if (target === undefined) throw notFound(`That person is not a member of ${org.name}; add them first.`);
    if (target === 'primary_owner') return;
    // Demote first: the unique index allows one primary owner at any instant.
    const previous = await trx.updateTable('memberships').set({ role: 'owner' }).where('org_id', '=', org.id).where('role', '=', 'primary_owner').returning('user_id').executeTakeFirst();
    await trx.updateTable('memberships').set({ role: 'primary_owner' }).where('org_id', '=', org.id).where('user_id', '=', toUserId).execute();
    await recordAdminEvent(trx, org.id, { kind: 'membership', action: 'primary_owner_transferred', actor, subject: toUserId, details: { from: previous?.user_id ?? null, toPreviousRole: target } });
  });
}

/** For the bootstrap: make the membership exist with this role, without role-rule checks. */
export async function ensureMembership(trx: Kysely<DB>, orgId: string, userId: string, role: Role): Promise<'created' | 'updated' | 'unchanged'> {
  const current = await roleOf(trx, orgId, userId);
  if (current === role) return 'unchanged';
  if (role === 'primary_owner') {
    const other = await trx.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('role', '=', 'primary_owner').executeTakeFirst();
    if (other && other.user_id !== userId) {
      throw new AppError(409, 'conflict', 'the organization already has a different primary owner in the database; transfer primary ownership with the CLI first, or declare that person as primary_owner');
    }
  }
  if (current === undefined) {
    await trx.insertInto('memberships').values({ org_id: orgId, user_id: userId, role }).execute();
    return 'created';
  }
  await trx.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  return 'updated';
}

