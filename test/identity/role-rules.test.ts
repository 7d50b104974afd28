import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { asUser, OPERATOR } from '../../src/identity/actor.ts';
import { addMember, changeRole, listMembers, removeMember, transferPrimaryOwnership } from '../../src/identity/memberships.ts';
import { createOrganization, updateOrganization } from '../../src/identity/organizations.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

let database: Database;
let n = 0;
let primary: Person, owner: Person, member: Person, outsider: Person, newcomer: Person;
let slug: string;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

beforeEach(async () => {
  const db = database.db;
  n++;
  primary = await person(db, `primary${n}@acme.test`);
  owner = await person(db, `owner${n}@acme.test`);
  member = await person(db, `member${n}@acme.test`);
  outsider = await person(db, `outsider${n}@other.test`);
  newcomer = await person(db, `newcomer${n}@acme.test`);
  slug = `acme-${n}`;
  await organization(db, slug, primary, [[owner, 'owner'], [member, 'member']]);
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected the action to be refused').toBeInstanceOf(AppError);
  return err as AppError;
}

const roles = async () => Object.fromEntries((await listMembers(database.db, OPERATOR, slug)).map((m) => [m.email, m.role]));

describe('adding members', () => {
  it('a member cannot add members', async () => {
    const err = await refusal(addMember(database.db, asUser(member.user.id), slug, newcomer.user.email, 'member'));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/only owners/i);
    expect(await roles()).not.toHaveProperty(newcomer.user.email);
  });

  it('an owner and the primary owner can add members and owners', async () => {
    await addMember(database.db, asUser(owner.user.id), slug, newcomer.user.email, 'member');
    await addMember(database.db, asUser(primary.user.id), slug, outsider.user.email, 'owner');
    expect(await roles()).toMatchObject({ [newcomer.user.email]: 'member', [outsider.user.email]: 'owner' });
  });

  it('nobody grants primary ownership by adding someone', async () => {
    const err = await refusal(addMember(database.db, asUser(primary.user.id), slug, newcomer.user.email, 'primary_owner'));
    expect(err.status).toBe(403);
    const operatorErr = await refusal(addMember(database.db, OPERATOR, slug, newcomer.user.email, 'primary_owner'));
    expect(operatorErr.status).toBe(409);
  });

  it('a person outside the organization cannot see or change it, and is told it does not exist', async () => {
    const err = await refusal(addMember(database.db, asUser(outsider.user.id), slug, newcomer.user.email, 'member'));
    expect(err.status).toBe(404);
    expect((await refusal(listMembers(database.db, asUser(outsider.user.id), slug))).status).toBe(404);
  });

  it('adding someone twice, or an unknown email, is refused with what to do', async () => {
    expect((await refusal(addMember(database.db, asUser(owner.user.id), slug, member.user.email, 'member'))).status).toBe(409);
    const err = await refusal(addMember(database.db, asUser(owner.user.id), slug, 'ghost@acme.test', 'member'));
    expect(err.status).toBe(404);
    expect(err.message).toContain('switchboard users create');
  });
});

describe('removing members', () => {
  it('the primary owner cannot be removed, not even by the operator', async () => {
    const byOwner = await refusal(removeMember(database.db, asUser(owner.user.id), slug, primary.user.id));
    expect(byOwner.status).toBe(403);
    expect(byOwner.message).toMatch(/transfer primary ownership/);
    expect((await refusal(removeMember(database.db, OPERATOR, slug, primary.user.id))).status).toBe(403);
    expect(await roles()).toHaveProperty(primary.user.email, 'primary_owner');
  });

  it('the primary owner cannot leave', async () => {
    const err = await refusal(removeMember(database.db, asUser(primary.user.id), slug, primary.user.id));
    expect(err.message).toMatch(/cannot be removed or leave/);
  });

  it('a member cannot remove others but can leave', async () => {
    expect((await refusal(removeMember(database.db, asUser(member.user.id), slug, owner.user.id))).status).toBe(403);
    await removeMember(database.db, asUser(member.user.id), slug, member.user.id);
    expect(await roles()).not.toHaveProperty(member.user.email);
  });

  it('an owner removes a member', async () => {
    await removeMember(database.db, asUser(owner.user.id), slug, member.user.id);
    expect(await roles()).not.toHaveProperty(member.user.email);
  });

  it('an organization without a primary owner keeps its last owner', async () => {
    const orgSlug = `solo-${n}`;
    await createOrganization(database.db, OPERATOR, { slug: orgSlug, name: 'Solo' });
    await addMember(database.db, OPERATOR, orgSlug, owner.user.email, 'owner');
    await addMember(database.db, OPERATOR, orgSlug, member.user.email, 'member');
    const err = await refusal(removeMember(database.db, asUser(owner.user.id), orgSlug, owner.user.id));
    expect(err.status).toBe(409);
    expect(err.message).toMatch(/without an owner/);
    expect((await refusal(changeRole(database.db, asUser(owner.user.id), orgSlug, owner.user.id, 'member'))).status).toBe(409);
  });
});

describe('changing roles', () => {
  it('a member cannot promote themselves or anyone', async () => {
    expect((await refusal(changeRole(database.db, asUser(member.user.id), slug, member.user.id, 'owner'))).status).toBe(403);
    expect(await roles()).toHaveProperty(member.user.email, 'member');
  });

  it('an owner promotes a member and demotes another owner', async () => {
    await changeRole(database.db, asUser(owner.user.id), slug, member.user.id, 'owner');
    await changeRole(database.db, asUser(member.user.id), slug, owner.user.id, 'member');
    expect(await roles()).toMatchObject({ [member.user.email]: 'owner', [owner.user.email]: 'member' });
  });

  it("nobody changes the primary owner's role or grants primary ownership by role change", async () => {
    expect((await refusal(changeRole(database.db, asUser(owner.user.id), slug, primary.user.id, 'member'))).status).toBe(403);
    expect((await refusal(changeRole(database.db, asUser(primary.user.id), slug, owner.user.id, 'primary_owner'))).status).toBe(403);
  });
});

describe('primary ownership', () => {
  it('only the primary owner transfers it; the old primary owner becomes an owner', async () => {
    expect((await refusal(transferPrimaryOwnership(database.db, asUser(owner.user.id), slug, owner.user.id))).status).toBe(403);
    await transferPrimaryOwnership(database.db, asUser(primary.user.id), slug, member.user.id);
    expect(await roles()).toMatchObject({ [member.user.email]: 'primary_owner', [primary.user.email]: 'owner' });
    // Now the former primary owner can be removed, and the new one cannot.
    await removeMember(database.db, asUser(member.user.id), slug, primary.user.id);
    expect((await refusal(removeMember(database.db, asUser(owner.user.id), slug, member.user.id))).status).toBe(403);
  });

  it('the database itself refuses a second primary owner', async () => {
    const err = await database.db
      .updateTable('memberships')
      .set({ role: 'primary_owner' })
      .where('user_id', '=', owner.user.id)
      .execute()
      .then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/memberships_one_primary_owner|duplicate key/);
  });
});

describe('organization settings', () => {
  it('members cannot rename; owners can; only the primary owner changes the plan', async () => {
    expect((await refusal(updateOrganization(database.db, asUser(member.user.id), slug, { name: 'Nope' }))).status).toBe(403);
    expect((await updateOrganization(database.db, asUser(owner.user.id), slug, { name: 'Acme Renamed' })).name).toBe('Acme Renamed');
    expect((await refusal(updateOrganization(database.db, asUser(owner.user.id), slug, { plan: 'enterprise' }))).status).toBe(403);
    expect((await updateOrganization(database.db, asUser(primary.user.id), slug, { plan: 'enterprise' })).plan).toBe('enterprise');
  });

  it('a person creates organizations only as their primary owner, on the free plan, without a parent', async () => {
    const mine = await createOrganization(database.db, asUser(newcomer.user.id), { slug: `new-${n}`, name: 'Mine', primaryOwnerId: newcomer.user.id });
    expect(mine.plan).toBe('free');
    expect((await refusal(createOrganization(database.db, asUser(newcomer.user.id), { slug: `x-${n}`, name: 'X', primaryOwnerId: owner.user.id }))).status).toBe(403);
    expect((await refusal(createOrganization(database.db, asUser(newcomer.user.id), { slug: `y-${n}`, name: 'Y', plan: 'team', primaryOwnerId: newcomer.user.id }))).status).toBe(403);
    expect((await refusal(createOrganization(database.db, asUser(newcomer.user.id), { slug, name: 'Dup', primaryOwnerId: newcomer.user.id }))).status).toBe(409);
  });

  it('parents: only the operator sets them, and never into a loop', async () => {
    const parent = `parent-${n}`;
    await createOrganization(database.db, OPERATOR, { slug: parent, name: 'Parent', plan: 'enterprise' });
    expect((await refusal(updateOrganization(database.db, asUser(primary.user.id), slug, { parentSlug: parent }))).status).toBe(403);
    await updateOrganization(database.db, OPERATOR, slug, { parentSlug: parent });
    const loop = await refusal(updateOrganization(database.db, OPERATOR, parent, { parentSlug: slug }));
    expect(loop.status).toBe(400);
    expect(loop.message).toMatch(/descendants/);
  });
});
