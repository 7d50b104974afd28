import type { Kysely, Transaction } from 'kysely';
import type { DB, OrganizationRow } from '../db/schema.ts';
import { slugSchema, type Plan, type Role } from '../config/schema.ts';
import { conflict, forbidden, invalidInput, notFound } from '../shared/app-error.ts';
import { newId } from '../shared/crypto.ts';
import type { Actor } from './actor.ts';
import { canChangePlan, canEditOrganization } from './roles.ts';

export interface Organization {
  id: string;
  slug: string;
  name: string;
  plan: Plan;
  parentId: string | null;
  createdAt: Date;
}

export const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  plan: row.plan,
  parentId: row.parent_id,
  createdAt: row.created_at,
});

export function checkSlug(slug: string): string {
  const parsed = slugSchema.safeParse(slug);
  if (!parsed.success) throw invalidInput(`The slug "${slug}" ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
  return parsed.data;
}

export async function getOrganizationBySlug(db: Kysely<DB>, slug: string): Promise<Organization> {
  const row = await db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!row) throw notFound(`No organization has the slug "${slug}"; check the spelling, or list organizations to find it.`);
  return toOrganization(row);
}

export async function listOrganizations(db: Kysely<DB>): Promise<Organization[]> {
  return (await db.selectFrom('organizations').selectAll().orderBy('slug').execute()).map(toOrganization);
}

export async function roleOf(db: Kysely<DB> | Transaction<DB>, orgId: string, userId: string): Promise<Role | undefined> {
  const row = await db.selectFrom('memberships').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

export interface CreateOrganizationInput {
  slug: string;
  name: string;
  plan?: Plan;
  parentSlug?: string | undefined;
  /** Becomes the primary owner. Required when a person creates an organization through the API. */
  primaryOwnerId?: string | undefined;
}

export async function createOrganization(db: Kysely<DB>, actor: Actor, input: CreateOrganizationInput): Promise<Organization> {
  const slug = checkSlug(input.slug);
  const name = input.name.trim();
  if (!name) throw invalidInput('An organization needs a name.');
  if (actor.kind === 'user') {
    // A person may create an organization only as its primary owner, and only on the free plan: the
    // plan is the operator's (or a later billing system's) to raise.
    if (input.primaryOwnerId !== actor.userId) throw forbidden('You can create an organization only with yourself as its primary owner.');
    if (input.plan && input.plan !== 'free') throw forbidden('New organizations start on the free plan; ask your Switchboard operator to change the plan.');
    if (input.parentSlug) throw forbidden('Only the Switchboard operator can place an organization under a parent organization.');
  }
  return db.transaction().execute(async (trx) => {
    const parentId = input.parentSlug ? (await getOrganizationBySlug(trx, input.parentSlug)).id : null;
    const row = await trx
      .insertInto('organizations')
      .values({ id: newId(), slug, name, plan: input.plan ?? 'free', parent_id: parentId })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw conflict(`The slug "${slug}" is taken by another organization; choose another.`);
    if (input.primaryOwnerId) {
      await trx.insertInto('memberships').values({ org_id: row.id, user_id: input.primaryOwnerId, role: 'primary_owner' }).execute();
    }
    return toOrganization(row);
  });
}

export interface UpdateOrganizationInput {
  name?: string | undefined;
  plan?: Plan | undefined;
  /** A slug to set a parent, null to clear it. */
  parentSlug?: string | null | undefined;
}

export async function updateOrganization(db: Kysely<DB>, actor: Actor, slug: string, input: UpdateOrganizationInput): Promise<Organization> {
  return db.transaction().execute(async (trx) => {
    const org = await lockOrganization(trx, slug);
    if (actor.kind === 'user') {
      const role = await roleOf(trx, org.id, actor.userId);
      if (role === undefined) throw notFound(`No organization has the slug "${slug}" among yours.`);
      if (input.name !== undefined && !canEditOrganization(role)) throw forbidden('Only owners can rename the organization; ask an owner.');
      if (input.plan !== undefined && input.plan !== org.plan && !canChangePlan(role)) throw forbidden('Only the primary owner can change the plan.');
      if (input.parentSlug !== undefined) throw forbidden('Only the Switchboard operator can change an organization\'s parent.');
    }
    const patch: Partial<{ name: string; plan: Plan; parent_id: string | null; updated_at: Date }> = {};
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (!name) throw invalidInput('An organization needs a name.');
      patch.name = name;
    }
    if (input.plan !== undefined) patch.plan = input.plan;
    if (input.parentSlug !== undefined) {
      patch.parent_id = input.parentSlug === null ? null : await checkedParent(trx, org, input.parentSlug);
    }
    if (Object.keys(patch).length === 0) return org;
    patch.updated_at = new Date();
    const row = await trx.updateTable('organizations').set(patch).where('id', '=', org.id).returningAll().executeTakeFirstOrThrow();
    return toOrganization(row);
  });
}

async function checkedParent(trx: Transaction<DB>, org: Organization, parentSlug: string): Promise<string> {
  const parent = await getOrganizationBySlug(trx, parentSlug);
  // Walk up from the new parent: meeting the organization itself would close a loop.
  let cursor: string | null = parent.id;
  for (let depth = 0; cursor !== null; depth++) {
    if (cursor === org.id) throw invalidInput(`"${parentSlug}" cannot be the parent of "${org.slug}": it is "${org.slug}" itself or one of its descendants.`);
    if (depth > 64) throw invalidInput('Organization parents nest more than 64 levels deep; flatten the hierarchy.');
    const next: { parent_id: string | null } | undefined = await trx.selectFrom('organizations').select('parent_id').where('id', '=', cursor).executeTakeFirst();
    cursor = next?.parent_id ?? null;
  }
  return parent.id;
}

/** Serialises membership and settings changes of one organization across processes. */
export async function lockOrganization(trx: Transaction<DB>, slug: string): Promise<Organization> {
  const row = await trx.selectFrom('organizations').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();
  if (!row) throw notFound(`No organization has the slug "${slug}"; check the spelling, or list organizations to find it.`);
  return toOrganization(row);
}

export interface OrganizationMembership {
  organization: Organization;
  role: Role;
}

export async function organizationsOf(db: Kysely<DB>, userId: string): Promise<OrganizationMembership[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .selectAll('organizations')
    .select('memberships.role')
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.slug')
    .execute();
  return rows.map(({ role, ...org }) => ({ organization: toOrganization(org), role }));
}
