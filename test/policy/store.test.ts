import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { asUser, OPERATOR } from '../../src/identity/actor.ts';
import { updateOrganization } from '../../src/identity/organizations.ts';
import { InProcessPolicyChangeBus, type PolicyChange } from '../../src/policy/changes.ts';
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
} from '../../src/policy/store.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

let database: Database;
let n = 0;
let primary: Person, owner: Person, member: Person, outsider: Person;
let slug: string;
let orgId: string;
let bus: InProcessPolicyChangeBus;
let changes: PolicyChange[];

const TOOLS = [
  { name: 'list_issues', annotations: { readOnlyHint: true } },
  { name: 'create_issue', annotations: { readOnlyHint: false } },
  { name: 'delete_issue', annotations: { destructiveHint: true } },
  { name: 'search' },
];
const tracker = { slug: 'tracker', name: 'Tracker', authKind: 'oauth' as const, plans: ['free', 'pro', 'team', 'enterprise'] };

beforeAll(async () => {
  database = await testDatabase();
  await upsertListing(database.db, { slug: 'tracker', name: 'Tracker', tagline: 'Issues', description: 'An issue tracker.', category: 'productivity', mcpUrl: 'http://127.0.0.1:4101/mcp', authKind: 'oauth', source: 'demo', tools: TOOLS });
  await upsertListing(database.db, { slug: 'echo', name: 'Echo', tagline: 'Echo', description: 'Echoes.', category: 'other', mcpUrl: 'http://127.0.0.1:4102/mcp', authKind: 'none', source: 'demo', tools: [{ name: 'echo' }] });
  await upsertListing(database.db, { slug: 'premium', name: 'Premium', tagline: 'Premium', description: 'Team plans only.', category: 'other', mcpUrl: 'http://127.0.0.1:4103/mcp', authKind: 'oauth', source: 'demo', plans: ['team', 'enterprise'] });
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
  slug = `acme-${n}`;
  orgId = (await organization(db, slug, primary, [[owner, 'owner'], [member, 'member']])).id;
  bus = new InProcessPolicyChangeBus();
  changes = [];
  bus.subscribe((c) => changes.push(c));
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected the action to be refused').toBeInstanceOf(AppError);
  return err as AppError;
}

const decisions = async (userId: string, connector = tracker) => {
  const ctx = await loadPolicyContext(database.db, userId, orgId);
  return Object.fromEntries(TOOLS.map((t) => [t.name, decideFor(ctx, connector, t).decision]));
};

describe('enablement', () => {
  it('a member cannot enable or disable a connector, and is told to ask an owner', async () => {
    const err = await refusal(enableConnector(database.db, asUser(member.user.id), slug, 'tracker', bus));
    expect(err.status).toBe(403);
    expect(err.message).toBe(`Only owners of ${slug} org can add connectors to the organization; ask an owner.`);
    await enableConnector(database.db, asUser(owner.user.id), slug, 'tracker', bus);
    expect((await refusal(disableConnector(database.db, asUser(member.user.id), slug, 'tracker', bus))).status).toBe(403);
    expect(await listEnabledConnectors(database.db, asUser(member.user.id), slug)).toHaveLength(1);
  });

  it('an owner, the primary owner and the operator can; enabling twice changes nothing and publishes once', async () => {
    const first = await enableConnector(database.db, asUser(owner.user.id), slug, 'tracker', bus);
    expect(first.changed).toBe(true);
    expect(first.enablement).toMatchObject({ connector: 'tracker', connectorName: 'Tracker', authKind: 'oauth', enabledBy: { userId: owner.user.id, email: owner.user.email } });
    expect((await enableConnector(database.db, asUser(primary.user.id), slug, 'tracker', bus)).changed).toBe(false);
    const byOperator = await enableConnector(database.db, OPERATOR, slug, 'echo', bus);
    expect(byOperator.enablement.enabledBy).toBeNull();
    expect(changes).toEqual([
      { kind: 'enablement', orgId, connector: 'tracker' },
      { kind: 'enablement', orgId, connector: 'echo' },
    ]);
    expect((await listEnabledConnectors(database.db, asUser(member.user.id), slug)).map((e) => e.connector)).toEqual(['echo', 'tracker']);
    expect((await disableConnector(database.db, OPERATOR, slug, 'echo', bus)).changed).toBe(true);
    expect((await disableConnector(database.db, asUser(owner.user.id), slug, 'echo', bus)).changed).toBe(false);
    expect(changes).toHaveLength(3);
  });

  it('someone outside the organization is told it does not exist; an unknown connector is a 404', async () => {
    expect((await refusal(enableConnector(database.db, asUser(outsider.user.id), slug, 'tracker'))).status).toBe(404);
    expect((await refusal(listEnabledConnectors(database.db, asUser(outsider.user.id), slug))).status).toBe(404);
    const unknown = await refusal(enableConnector(database.db, asUser(owner.user.id), slug, 'nope'));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/No connector has the slug "nope"/);
    expect((await refusal(disableConnector(database.db, asUser(owner.user.id), slug, 'nope'))).status).toBe(404);
  });

  it('an owner cannot enable a connector the plan does not include; the operator can, and decide() still blocks it', async () => {
    await updateOrganization(database.db, OPERATOR, slug, { plan: 'free' });
    const err = await refusal(enableConnector(database.db, asUser(owner.user.id), slug, 'premium'));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/not available on .*free plan/);
    await enableConnector(database.db, OPERATOR, slug, 'premium');
    const ctx = await loadPolicyContext(database.db, member.user.id, orgId);
    expect(decideFor(ctx, { slug: 'premium', name: 'Premium', authKind: 'oauth', plans: ['team', 'enterprise'] }, { name: 'x' })).toMatchObject({ decision: 'block', source: 'plan' });
  });

  it('tools of a connector that is not enabled are blocked; enabling applies at once', async () => {
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'block', create_issue: 'block', delete_issue: 'block', search: 'block' });
    await enableConnector(database.db, asUser(owner.user.id), slug, 'tracker');
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'allow', create_issue: 'allow', delete_issue: 'allow', search: 'allow' });
    await disableConnector(database.db, asUser(owner.user.id), slug, 'tracker');
    expect((await decisions(member.user.id)).list_issues).toBe('block');
  });
});

describe('organization rules', () => {
  const rules = { categories: { read: 'allow', write: 'block', other: 'ask' }, tools: { list_issues: 'ask' }, overrides: { search: 'read' } } as const;

  it('a member cannot set them (403) but can read them; an outsider cannot read them (404)', async () => {
    const err = await refusal(setOrgRules(database.db, asUser(member.user.id), slug, 'tracker', rules, bus));
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/Only owners of .* can set rules for connectors in the organization; ask an owner\./);
    expect(changes).toEqual([]);
    expect(await getOrgRules(database.db, asUser(member.user.id), slug, 'tracker')).toMatchObject({ categories: {}, tools: {}, overrides: {}, updatedAt: null });
    expect((await refusal(getOrgRules(database.db, asUser(outsider.user.id), slug, 'tracker'))).status).toBe(404);
  });

  it('owners and the operator set them; they apply at once; the same rules again change nothing', async () => {
    await enableConnector(database.db, OPERATOR, slug, 'tracker');
    changes.length = 0;
    const set = await setOrgRules(database.db, asUser(owner.user.id), slug, 'tracker', rules, bus);
    expect(set.changed).toBe(true);
    expect(set.rules).toMatchObject({ ...rules, updatedBy: owner.user.id });
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'ask', create_issue: 'block', delete_issue: 'block', search: 'allow' });
    expect((await setOrgRules(database.db, asUser(primary.user.id), slug, 'tracker', rules, bus)).changed).toBe(false);
    expect(changes).toEqual([{ kind: 'policy', orgId, connector: 'tracker' }]);
    const byOperator = await setOrgRules(database.db, OPERATOR, slug, 'tracker', { categories: { write: 'ask' } }, bus);
    expect(byOperator.rules).toMatchObject({ categories: { write: 'ask' }, tools: {}, overrides: {}, updatedBy: null });
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'allow', create_issue: 'ask', delete_issue: 'ask', search: 'allow' });
    expect(changes).toHaveLength(2);
  });

  it('bad rules are refused with the field named', async () => {
    const err = await refusal(setOrgRules(database.db, OPERATOR, slug, 'tracker', { categories: { write: 'deny' } } as never));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/categories\.write: must be one of "allow", "ask", "block"; got "deny"/);
    const unknownKey = await refusal(setOrgRules(database.db, OPERATOR, slug, 'tracker', { categories: { delete: 'block' } } as never));
    expect(unknownKey.message).toMatch(/unknown key "delete"/);
    expect((await refusal(setOrgRules(database.db, OPERATOR, slug, 'tracker', { overrides: { x: 'destructive' } } as never))).message).toMatch(/overrides\.x/);
  });
});

describe("a person's own rules", () => {
  it('narrow what the organization allows, and apply at once, in every organization', async () => {
    await enableConnector(database.db, OPERATOR, slug, 'tracker');
    await setOrgRules(database.db, OPERATOR, slug, 'tracker', { categories: { write: 'ask' } });
    const set = await setPersonRules(database.db, member.user.id, 'tracker', { categories: { read: 'ask' }, tools: { delete_issue: 'block' } }, bus);
    expect(set.changed).toBe(true);
    expect(changes).toEqual([{ kind: 'policy', orgId: null, connector: 'tracker', userId: member.user.id }]);
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'ask', create_issue: 'ask', delete_issue: 'block', search: 'allow' });
    // Someone else in the same organization is not affected.
    expect(await decisions(owner.user.id)).toEqual({ list_issues: 'allow', create_issue: 'ask', delete_issue: 'ask', search: 'allow' });
    expect(await getPersonRules(database.db, member.user.id, 'tracker')).toMatchObject({ categories: { read: 'ask' }, tools: { delete_issue: 'block' }, disabled: false });
  });

  it('never widen: a person allow does not lift an org ask or block', async () => {
    await enableConnector(database.db, OPERATOR, slug, 'tracker');
    await setOrgRules(database.db, OPERATOR, slug, 'tracker', { categories: { write: 'block' }, tools: { list_issues: 'ask' } });
    await setPersonRules(database.db, member.user.id, 'tracker', { categories: { read: 'allow', write: 'allow', other: 'allow' }, tools: { create_issue: 'allow', list_issues: 'allow' } });
    expect(await decisions(member.user.id)).toEqual({ list_issues: 'ask', create_issue: 'block', delete_issue: 'block', search: 'allow' });
  });

  it('the off switch blocks every tool for that person only; switching back on restores them; same value twice changes nothing', async () => {
    await enableConnector(database.db, OPERATOR, slug, 'echo');
    const echo = { slug: 'echo', name: 'Echo', authKind: 'none' as const, plans: ['free', 'pro', 'team', 'enterprise'] };
    const decideEcho = async (userId: string) => decideFor(await loadPolicyContext(database.db, userId, orgId), echo, { name: 'echo' });
    expect((await decideEcho(member.user.id)).decision).toBe('allow');
    await setPersonRules(database.db, member.user.id, 'echo', { disabled: true }, bus);
    expect(await decideEcho(member.user.id)).toMatchObject({ decision: 'block', source: 'person-off' });
    expect((await decideEcho(owner.user.id)).decision).toBe('allow');
    expect((await setPersonRules(database.db, member.user.id, 'echo', { disabled: true }, bus)).changed).toBe(false);
    await setPersonRules(database.db, member.user.id, 'echo', { disabled: false }, bus);
    expect((await decideEcho(member.user.id)).decision).toBe('allow');
    expect(changes).toHaveLength(2);
  });

  it('an unknown connector is a 404; bad rules a 400', async () => {
    expect((await refusal(setPersonRules(database.db, member.user.id, 'nope', {}))).status).toBe(404);
    expect((await refusal(getPersonRules(database.db, member.user.id, 'nope'))).status).toBe(404);
    expect((await refusal(setPersonRules(database.db, member.user.id, 'tracker', { tools: { x: 'never' } } as never))).status).toBe(400);
  });
});

describe('loading', () => {
  it('refuses a person who is not a member', async () => {
    expect((await refusal(loadPolicyContext(database.db, outsider.user.id, orgId))).status).toBe(404);
  });

  it('carries the org, role, enablements and both rule sets', async () => {
    await enableConnector(database.db, OPERATOR, slug, 'tracker');
    await setOrgRules(database.db, OPERATOR, slug, 'tracker', { overrides: { search: 'read' } });
    await setPersonRules(database.db, member.user.id, 'echo', { disabled: true });
    const ctx = await loadPolicyContext(database.db, member.user.id, orgId);
    expect(ctx.org).toEqual({ id: orgId, slug, name: `${slug} org`, plan: 'team' });
    expect(ctx.role).toBe('member');
    expect([...ctx.enabled]).toEqual(['tracker']);
    expect(ctx.orgRules.get('tracker')).toEqual({ categories: {}, tools: {}, overrides: { search: 'read' } });
    expect(ctx.personRules.get('echo')).toEqual({ categories: {}, tools: {}, disabled: true });
  });
});

describe('the change bus', () => {
  it('delivers to every subscriber until it unsubscribes; a failing listener does not stop the others', async () => {
    const errors: unknown[] = [];
    const b = new InProcessPolicyChangeBus({ onError: (err) => errors.push(err) });
    const seen: string[] = [];
    const off = b.subscribe((c) => seen.push(`a:${c.connector}`));
    b.subscribe(() => {
      throw new Error('boom');
    });
    b.subscribe((c) => seen.push(`c:${c.connector}`));
    await b.publish({ kind: 'policy', orgId: 'o', connector: 'x' });
    off();
    await b.publish({ kind: 'enablement', orgId: 'o', connector: 'y' });
    expect(seen).toEqual(['a:x', 'c:x', 'c:y']);
    expect(errors).toHaveLength(2);
  });
});
